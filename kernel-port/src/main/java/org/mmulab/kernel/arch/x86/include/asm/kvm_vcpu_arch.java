// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_vcpu_arch}: the MMU context and its preallocated caches. */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "340-530", name = "struct kvm_vcpu_arch",
        note = "only regs, regs_avail, regs_dirty, mmu, walk_mmu and the three memory caches")
public final class kvm_vcpu_arch {
    /** The general registers and RIP, cached from the VMCS on demand (see kvm_cache_regs). */
    public final long[] regs = new long[kvm_host_h.NR_VCPU_REGS];
    /** Bit per register: {@code regs[reg]} holds the hardware's value. */
    public int regs_avail;
    /** Bit per register: {@code regs[reg]} must be written to the hardware before the next entry. */
    public int regs_dirty;
    public final kvm_mmu mmu = new kvm_mmu();
    /** walk_mmu points at mmu unless the guest is nested. */
    public kvm_mmu walk_mmu = mmu;
    public final kvm_mmu_memory_cache mmu_pte_list_desc_cache = new kvm_mmu_memory_cache();
    public final kvm_mmu_memory_cache mmu_page_cache = new kvm_mmu_memory_cache();
    public final kvm_mmu_memory_cache mmu_page_header_cache = new kvm_mmu_memory_cache();
}
