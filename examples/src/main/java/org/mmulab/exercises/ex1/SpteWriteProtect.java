// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1;

import org.mmulab.exercises.Implementations;
import org.mmulab.kernel.linux.kvm;

/** Exercise 1: {@code spte_write_protect} (v3.16 arch/x86/kvm/mmu.c 1192-1207). See docs/exercises/ex1-spte-write-protect.md. */
@Implementations(student = Solution.class, reference = Reference.class)
public interface SpteWriteProtect {
    /**
     * Write-protects the spte at address {@code sptep} for dirty logging ({@code pt_protect}
     * false) or for shadowing a guest page table ({@code pt_protect} true). Returns whether the
     * caller owes a TLB flush.
     */
    boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect);
}
