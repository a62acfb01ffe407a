// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex2;

import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;

/** The reference: the port's own {@code kvm_mmu_write_protect_pt_masked}. */
public final class Reference implements WriteProtectMasked {
    @Override
    public void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
        mmu.kvm_mmu_write_protect_pt_masked(kvm, slot, gfn_offset, mask);
    }
}
