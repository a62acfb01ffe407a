// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct kvm_arch_memory_slot}: per page size, one rmap head per (large) page of the slot,
 * and for 2M/1G the large-page info.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "536-539", name = "struct kvm_arch_memory_slot")
public final class kvm_arch_memory_slot {
    /** {@code unsigned long *rmap[KVM_NR_PAGE_SIZES]} */
    public long[][] rmap = new long[kvm_host_h.KVM_NR_PAGE_SIZES][];
    /** {@code struct kvm_lpage_info *lpage_info[KVM_NR_PAGE_SIZES - 1]} */
    public kvm_lpage_info[][] lpage_info = new kvm_lpage_info[kvm_host_h.KVM_NR_PAGE_SIZES - 1][];

    /** The C struct assignment: the pointers are copied, the arrays shared. */
    public kvm_arch_memory_slot copy() {
        kvm_arch_memory_slot c = new kvm_arch_memory_slot();
        c.rmap = rmap.clone();
        c.lpage_info = lpage_info.clone();
        return c;
    }
}
