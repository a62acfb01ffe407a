// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.LongPtr;

/**
 * {@code struct kvm_mmu_page}: one shadow page table. {@code spt} is the address of its 512 sptes
 * (see {@link org.mmulab.kernel.linux.mm}); the page's private word points back here, which is
 * what {@code page_header()} follows.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "209-243", name = "struct kvm_mmu_page",
        note = "link/hash_link are list memberships held by kvm_arch; no clear_spte_count (x86-64 only)")
public final class kvm_mmu_page {
    public long gfn;
    public kvm_mmu_page_role role = new kvm_mmu_page_role();
    /** {@code u64 *spt}: address of the page of sptes. */
    public long spt;
    /** {@code gfn_t *gfns}: the gfn of each spte, for indirect pages only. */
    public long[] gfns;
    public boolean unsync;
    public int root_count;
    public int unsync_children;
    /** {@code unsigned long parent_ptes}: the rmap of sptes that point to this page. */
    public final LongPtr parent_ptes = LongPtr.word();
    public long mmu_valid_gen;
    /** DECLARE_BITMAP(unsync_child_bitmap, 512) */
    public final LongPtr unsync_child_bitmap = new LongPtr(new long[512 / 64], 0);
    public int write_flooding_count;

    /** {@code sp} itself as an address (its slab object), for kmem_cache_free; Java-only. */
    public long self;
    /** Address of the page that backs {@code gfns} (indirect pages), for free_page; Java-only. */
    public long gfns_page;

    @Override
    public String toString() {
        return String.format("sp{gfn=%#x spt=%#x %s}", gfn, spt, role);
    }
}
