// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex2;

import org.mmulab.exercises.Implementations;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;

/** Exercise 2: {@code kvm_mmu_write_protect_pt_masked} (v3.16 arch/x86/kvm/mmu.c 1236-1250). See docs/exercises/ex2-write-protect-pt-masked.md. */
@Implementations(student = Solution.class, reference = Reference.class)
public interface WriteProtectMasked {
    /**
     * Write-protects, for dirty logging, every 4 KiB page of {@code slot} whose bit is set in
     * {@code mask}; bit i stands for the page {@code gfn_offset + i} pages into the slot.
     * Called with {@code kvm->mmu_lock} held; the caller flushes the TLBs later.
     */
    void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask);
}
