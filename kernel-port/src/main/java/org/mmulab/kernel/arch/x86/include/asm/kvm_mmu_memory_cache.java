// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct kvm_mmu_memory_cache}: objects allocated (with sleeping allocations) before
 * {@code mmu_lock} is taken, so the fault path never allocates under the spinlock.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "178-181", name = "struct kvm_mmu_memory_cache")
public final class kvm_mmu_memory_cache {
    public int nobjs;
    public final Object[] objects = new Object[kvm_host_h.KVM_NR_MEM_OBJS];
}
