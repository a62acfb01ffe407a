// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.LongPtr;

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
    /**
     * Java only: the pointer to each rmap head, made on first use and kept, so that
     * {@code __gfn_to_rmap} allocates nothing when asked again (a dirty-log harvest asks once per
     * dirty page). Shared by copies, like the rmap arrays; a pointer into an rmap array that was
     * since replaced is made anew. Pointers are immutable, so racing makers only waste one.
     */
    private LongPtr[][] rmap_ptrs = new LongPtr[kvm_host_h.KVM_NR_PAGE_SIZES][];

    /** {@code &rmap[i][idx]}, the same pointer object each time while {@code rmap[i]} stays. */
    public LongPtr rmap_ptr(int i, int idx) {
        long[] r = rmap[i];
        if (idx < 0 || idx >= r.length) {
            return new LongPtr(r, idx); // the oops of a pointer outside its array, as before
        }
        LongPtr[] ps = rmap_ptrs[i];
        if (ps == null || ps.length != r.length) {
            ps = new LongPtr[r.length];
            rmap_ptrs[i] = ps;
        }
        LongPtr p = ps[idx];
        if (p == null || p.base != r) {
            p = new LongPtr(r, idx);
            ps[idx] = p;
        }
        return p;
    }

    /** The C struct assignment: the pointers are copied, the arrays shared. */
    public kvm_arch_memory_slot copy() {
        kvm_arch_memory_slot c = new kvm_arch_memory_slot();
        c.rmap = rmap.clone();
        c.lpage_info = lpage_info.clone();
        c.rmap_ptrs = rmap_ptrs.clone();
        return c;
    }
}
