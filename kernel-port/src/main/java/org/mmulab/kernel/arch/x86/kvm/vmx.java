// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_x86_ops;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * The slice of {@code arch/x86/kvm/vmx.c} that fixes the EPT spte layout: the EPT bit values, the
 * masks {@code hardware_setup} hands to {@code kvm_mmu_set_mask_ptes}, the memory type of a leaf
 * and the table depth. What the hardware does (run the guest, walk the EPT, cache translations)
 * belongs to the machine that extends this class.
 */
@KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1-9040", name = "vmx.c")
public abstract class vmx implements kvm_x86_ops {
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "413") public static final int VMX_EPT_MT_EPTE_SHIFT = 3;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "416") public static final long VMX_EPT_DEFAULT_MT = 0x6L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "417") public static final long VMX_EPT_READABLE_MASK = 0x1L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "418") public static final long VMX_EPT_WRITABLE_MASK = 0x2L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "419") public static final long VMX_EPT_EXECUTABLE_MASK = 0x4L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "420") public static final long VMX_EPT_IPAT_BIT = 1L << 6;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "421") public static final long VMX_EPT_ACCESS_BIT = 1L << 8;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "422") public static final long VMX_EPT_DIRTY_BIT = 1L << 9;

    /** MTRR_TYPE_WRBACK */
    @KernelSource(file = "arch/x86/include/uapi/asm/mtrr.h", lines = "113", name = "MTRR_TYPE_WRBACK")
    public static final long MTRR_TYPE_WRBACK = 6;

    /**
     * The EPT part of vmx's hardware setup: spte masks for EPT (with or without accessed/dirty
     * bits, {@code enable_ept_ad_bits}), the MMIO spte mask, and TDP on.
     */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "8887-9018", name = "vmx_init",
            note = "the enable_ept branch at vmx.c 8989-8995 only")
    public static void hardware_setup(boolean enable_ept_ad_bits) {
        mmu.kvm_mmu_set_mask_ptes(0L,
                enable_ept_ad_bits ? VMX_EPT_ACCESS_BIT : 0L,
                enable_ept_ad_bits ? VMX_EPT_DIRTY_BIT : 0L,
                0L, VMX_EPT_EXECUTABLE_MASK);
        ept_set_mmio_spte_mask();
        mmu.kvm_enable_tdp();
    }

    /** Write/execute without read (110b) is an EPT misconfiguration; bits 62-63 mark MMIO sptes. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "4330-4339")
    static void ept_set_mmio_spte_mask() {
        mmu.kvm_mmu_set_mmio_spte_mask((0x3L << 62) | 0x6L);
    }

    /**
     * The EPT-violation exit: turns the exit qualification into a page-fault error code (bit 1
     * write, bit 2 fetch moved to bit 4, bit 3 "the entry was readable" as present) and calls
     * kvm_mmu_page_fault. The machine passes the qualification it reports.
     */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "5451-5497", note = "no NMI-unblocking or gla checks")
    public static int handle_ept_violation(kvm_vcpu vcpu, long exit_qualification, long gpa) {
        int error_code;

        error_code = (int) (exit_qualification & (1L << 1));
        error_code |= (int) ((exit_qualification & (1L << 2)) << 2);
        error_code |= (int) ((exit_qualification >>> 3) & 0x1);

        return mmu.kvm_mmu_page_fault(vcpu, gpa, error_code);
    }

    /** Guest RAM without assigned devices: write-back, ignoring the guest PAT. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7627-7652", name = "vmx_get_mt_mask", note = "no MMIO, no non-coherent DMA")
    @Override
    public long get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio) {
        return (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT) | VMX_EPT_IPAT_BIT;
    }

    /** 2M pages; the model's host has no 1G EPT pages. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7654-7661", name = "vmx_get_lpage_level")
    @Override
    public int get_lpage_level() {
        return mmu_h.PT_DIRECTORY_LEVEL;
    }

    /** Four-level EPT: VMX_EPT_DEFAULT_GAW + 1. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7622-7625", name = "get_ept_level")
    @Override
    public int get_tdp_level() {
        return 4;
    }
}
