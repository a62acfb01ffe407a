// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex6;

import org.mmulab.kernel.arch.x86.include.asm.kvm_arch_memory_slot;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_host_h.kvm_mr_change;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;

/**
 * The reference of exercise 6: v3.16's {@code kvm_arch_prepare_memory_region} with upstream's fix
 * (commit edd4fa37baa6, "KVM: x86: Allocate new rmap and large page tracking when moving
 * memslot", 2020). Swapped into the port in place of the v3.16 method when grading
 * {@code --reference}; the port itself stays v3.16. Not in the students' kit.
 */
public final class Reference {
    private Reference() {}

    /**
     * On a move, the slot being prepared still points at the old slot's rmap and lpage_info
     * arrays, which are sized and aligned for the old base gfn: give it fresh ones for the new
     * base. The old arrays stay with the old slot; once the moved slot is installed,
     * kvm_free_physmem_slot(old, new) frees them, because they are no longer the new slot's.
     */
    public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                     kvm_mr_change change) {
        if (change == kvm_mr_change.KVM_MR_MOVE) {
            // forget the old pointers first (upstream's memset of slot->arch): in C, a failed
            // allocation's cleanup would otherwise kvfree arrays the old slot still uses; the port's
            // cleanup only drops pointers, but starting from none keeps the two the same
            memslot.arch = new kvm_arch_memory_slot();
            return x86.kvm_arch_create_memslot(kvm, memslot, mem.memory_size >>> mm.PAGE_SHIFT);
        }
        return 0;
    }
}
