// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct kvm_vm_stat}. The kernel's counters are plain u32 and a few are bumped outside any
 * lock ({@code remote_tlb_flush}), so the kernel may lose an increment; the port counts atomically
 * so a run's report is exact.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "616-627", name = "struct kvm_vm_stat",
        note = "atomic counters")
public final class kvm_vm_stat {
    public final AtomicInteger mmu_shadow_zapped = new AtomicInteger();
    public final AtomicInteger mmu_recycled = new AtomicInteger();
    public final AtomicInteger mmu_cache_miss = new AtomicInteger();
    public final AtomicInteger mmu_unsync = new AtomicInteger();
    public final AtomicInteger remote_tlb_flush = new AtomicInteger();
    public final AtomicInteger lpages = new AtomicInteger();
}
