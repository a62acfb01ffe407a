// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * {@code arch/x86/kvm/kvm_cache_regs.h}: guest registers are read from the VMCS only when someone
 * asks ({@code regs_avail}) and written back only when someone changed them ({@code regs_dirty}),
 * which {@code vmx_vcpu_run} does before the next entry. The emulator moves RIP past an
 * instruction it completed through {@link #kvm_rip_write}.
 */
@KernelSource(file = "arch/x86/kvm/kvm_cache_regs.h", lines = "1-102", name = "kvm_cache_regs.h")
public final class kvm_cache_regs {
    private kvm_cache_regs() {}

    @KernelSource(file = "arch/x86/kvm/kvm_cache_regs.h", lines = "9-16")
    public static long kvm_register_read(kvm_vcpu vcpu, int reg) {
        if ((vcpu.arch.regs_avail & (1 << reg)) == 0) {
            x86.kvm_x86_ops.cache_reg(vcpu, reg);
        }

        return vcpu.arch.regs[reg];
    }

    @KernelSource(file = "arch/x86/kvm/kvm_cache_regs.h", lines = "18-25")
    public static void kvm_register_write(kvm_vcpu vcpu, int reg, long val) {
        vcpu.arch.regs[reg] = val;
        vcpu.arch.regs_dirty |= 1 << reg;
        vcpu.arch.regs_avail |= 1 << reg;
    }

    @KernelSource(file = "arch/x86/kvm/kvm_cache_regs.h", lines = "27-30")
    public static long kvm_rip_read(kvm_vcpu vcpu) {
        return kvm_register_read(vcpu, kvm_host_h.VCPU_REGS_RIP);
    }

    @KernelSource(file = "arch/x86/kvm/kvm_cache_regs.h", lines = "32-35")
    public static void kvm_rip_write(kvm_vcpu vcpu, long val) {
        kvm_register_write(vcpu, kvm_host_h.VCPU_REGS_RIP, val);
    }
}
