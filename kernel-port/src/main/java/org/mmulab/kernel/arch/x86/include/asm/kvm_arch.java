// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_arch}: the VM's shadow-page bookkeeping. */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "551-614", name = "struct kvm_arch",
        note = "only the MMU members")
public final class kvm_arch {
    public int n_used_mmu_pages;
    public int n_requested_mmu_pages;
    public int n_max_mmu_pages;
    public int indirect_shadow_pages;
    public long mmu_valid_gen;
    /** Java-only: make_mmu_pages_available has logged the shortage once. */
    public boolean mmu_pages_short_warned;
    /** {@code struct hlist_head mmu_page_hash[KVM_NUM_MMU_PAGES]}: new pages go to the head. */
    public final List<List<kvm_mmu_page>> mmu_page_hash = new ArrayList<>(kvm_host_h.KVM_NUM_MMU_PAGES);
    /** {@code struct list_head active_mmu_pages}: newest first. */
    public final LinkedList<kvm_mmu_page> active_mmu_pages = new LinkedList<>();
    /** {@code struct list_head zapped_obsolete_pages}: zapped, waiting for the flush that frees them. */
    public final LinkedList<kvm_mmu_page> zapped_obsolete_pages = new LinkedList<>();

    public kvm_arch() {
        for (int i = 0; i < kvm_host_h.KVM_NUM_MMU_PAGES; i++) {
            mmu_page_hash.add(new LinkedList<>());
        }
    }
}
