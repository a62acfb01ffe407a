// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * {@code struct kvm_x86_ops}: what the hardware vendor module provides. The port's vendor module
 * is {@code vmx} ({@code arch/x86/kvm/vmx.c}), which drives the machine's CPUs through a VMCS;
 * tests may plug in their own. Only the operations the ported paths call.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "663-790", name = "struct kvm_x86_ops",
        note = "only vcpu_create, cache_reg, tlb_flush, run, handle_exit, get_tdp_level, get_mt_mask, get_lpage_level, set_tdp_cr3")
public interface kvm_x86_ops {
    /** Allocates a vCPU with the vendor's state around it (vmx_create_vcpu). */
    kvm_vcpu vcpu_create(kvm kvm, int id);

    /** Reads register {@code reg} from the hardware into {@code vcpu->arch.regs} (vmx_cache_reg). */
    void cache_reg(kvm_vcpu vcpu, int reg);

    /** Drop every translation this vCPU caches (vmx_flush_tlb). */
    void tlb_flush(kvm_vcpu vcpu);

    /** Enter the guest and run until it exits (vmx_vcpu_run). */
    void run(kvm_vcpu vcpu);

    /**
     * Handle the exit {@code run} ended with (vmx_handle_exit): an EPT violation goes to
     * {@code kvm_mmu_page_fault}. Returns 1 to re-enter, 0 to return to userspace, or an errno.
     */
    int handle_exit(kvm_vcpu vcpu);

    /** Levels of the EPT tables (get_ept_level). */
    int get_tdp_level();

    /** Memory-type bits of a leaf spte (vmx_get_mt_mask). */
    long get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio);

    /** Largest page level the hardware maps (vmx_get_lpage_level). */
    int get_lpage_level();

    /** Points the hardware at a new TDP root (vmx_set_cr3 with EPT on). */
    void set_tdp_cr3(kvm_vcpu vcpu, long cr3);
}
