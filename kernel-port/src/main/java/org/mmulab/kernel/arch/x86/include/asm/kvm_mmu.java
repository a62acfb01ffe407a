// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * {@code struct kvm_mmu}: the per-vCPU MMU context. Only the TDP (EPT) context is set up by the
 * port, so {@code page_fault} is {@code tdp_page_fault} and {@code direct_map} is true.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "257-293", name = "struct kvm_mmu",
        note = "only the members the TDP fault path reads")
public final class kvm_mmu {
    /** {@code int (*page_fault)(vcpu, gva, err, prefault)} */
    @FunctionalInterface
    public interface page_fault_fn {
        int page_fault(kvm_vcpu vcpu, long gva, int error_code, boolean prefault);
    }

    /** {@code void (*set_cr3)(vcpu, root)}: points the hardware at the root. */
    @FunctionalInterface
    public interface set_cr3_fn {
        void set_cr3(kvm_vcpu vcpu, long root);
    }

    public set_cr3_fn set_cr3;
    public page_fault_fn page_fault;
    public long root_hpa = kvm_host_h.INVALID_PAGE;
    public int root_level;
    public int shadow_root_level;
    public kvm_mmu_page_role base_role = new kvm_mmu_page_role();
    public boolean direct_map;
    public final long[] pae_root = new long[4];
    public boolean nx;
}
