// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_vcpu_arch}: the MMU context and its preallocated caches. */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "340-530", name = "struct kvm_vcpu_arch",
        note = "only mmu, walk_mmu and the three memory caches")
public final class kvm_vcpu_arch {
    public final kvm_mmu mmu = new kvm_mmu();
    /** walk_mmu points at mmu unless the guest is nested. */
    public kvm_mmu walk_mmu = mmu;
    public final kvm_mmu_memory_cache mmu_pte_list_desc_cache = new kvm_mmu_memory_cache();
    public final kvm_mmu_memory_cache mmu_page_cache = new kvm_mmu_memory_cache();
    public final kvm_mmu_memory_cache mmu_page_header_cache = new kvm_mmu_memory_cache();
}
