// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * {@code struct kvm_x86_ops}: what the hardware vendor module (vmx.c) provides. The machine that
 * runs the port implements it: {@code run} executes guest code until an exit, {@code tlb_flush}
 * drops this vCPU's TLB. Only the operations the ported paths call.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "663-790", name = "struct kvm_x86_ops",
        note = "only tlb_flush, run, handle_exit, get_mt_mask, get_lpage_level, get_tdp_level")
public interface kvm_x86_ops {
    /** Drop every translation this vCPU caches (vmx_flush_tlb). */
    void tlb_flush(kvm_vcpu vcpu);

    /** Enter the guest and run until it exits (vmx_vcpu_run). */
    void run(kvm_vcpu vcpu);

    /**
     * Handle the exit {@code run} ended with (vmx_handle_exit): an EPT violation goes to
     * {@code kvm_mmu_page_fault}. Returns 1 to re-enter, 0 to return to userspace, or an errno.
     */
    int handle_exit(kvm_vcpu vcpu);

    /** Memory-type bits of a leaf spte (vmx_get_mt_mask). */
    long get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio);

    /** Largest page level the hardware maps (vmx_get_lpage_level). */
    int get_lpage_level();

    /** Levels of the EPT tables (vmx_get_tdp_level). */
    int get_tdp_level();
}
