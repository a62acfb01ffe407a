// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_vcpu_stat}: the counters the ported paths bump (atomic, see {@link kvm_vm_stat}). */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "629-652", name = "struct kvm_vcpu_stat",
        note = "atomic counters; only the MMU and exit counters")
public final class kvm_vcpu_stat {
    public final AtomicInteger pf_fixed = new AtomicInteger();
    public final AtomicInteger pf_guest = new AtomicInteger();
    public final AtomicInteger tlb_flush = new AtomicInteger();
    public final AtomicInteger exits = new AtomicInteger();
    public final AtomicInteger halt_wakeup = new AtomicInteger();
    public final AtomicInteger signal_exits = new AtomicInteger();
    public final AtomicInteger irq_exits = new AtomicInteger();
    /** Instructions the emulator ran for faults the MMU could not fix (writes to shadowed pages). */
    public final AtomicInteger insn_emulation = new AtomicInteger();
    public final AtomicInteger insn_emulation_fail = new AtomicInteger();
}
