// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.VALID_PAGE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.VCPU_REGS_RIP;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.hw.Cpu;
import org.mmulab.hw.InterruptLine;
import org.mmulab.hw.Machine;
import org.mmulab.hw.Vmcs;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_x86_ops;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * {@code arch/x86/kvm/vmx.c}: the vendor module, driving the machine's CPUs through a VMCS per
 * vCPU. It fixes the EPT spte layout ({@link #hardware_setup}), points the CPU at the MMU's root
 * ({@code vmx_set_cr3} writes {@code EPT_POINTER}), enters the guest ({@code vmx_vcpu_run}:
 * VMLAUNCH on the vCPU's CPU), reads the exit record the CPU left in the VMCS and dispatches it
 * through {@code kvm_vmx_exit_handlers}, and flushes a vCPU's TLB with INVEPT.
 *
 * <p>The machine ({@link Machine}) knows nothing of this module: it is the hardware, and this is
 * the only kernel file that talks to it.
 */
@KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1-9040", name = "vmx.c")
public final class vmx implements kvm_x86_ops {
    private static final Logger printk = LogManager.getLogger("kernel");

    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "393") public static final int VMX_EPT_EXTENT_CONTEXT = 1;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "411") public static final long VMX_EPT_DEFAULT_GAW = 3;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "413") public static final int VMX_EPT_MT_EPTE_SHIFT = 3;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "414") public static final int VMX_EPT_GAW_EPTP_SHIFT = 3;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "415") public static final long VMX_EPT_AD_ENABLE_BIT = 1L << 6;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "416") public static final long VMX_EPT_DEFAULT_MT = 0x6L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "417") public static final long VMX_EPT_READABLE_MASK = 0x1L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "418") public static final long VMX_EPT_WRITABLE_MASK = 0x2L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "419") public static final long VMX_EPT_EXECUTABLE_MASK = 0x4L;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "420") public static final long VMX_EPT_IPAT_BIT = 1L << 6;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "421") public static final long VMX_EPT_ACCESS_BIT = 1L << 8;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "422") public static final long VMX_EPT_DIRTY_BIT = 1L << 9;

    /** VMCS field encodings ({@code enum vmcs_field}); the machine's {@link Vmcs} knows the same numbers. */
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "147") public static final int EPT_POINTER = 0x0000201a;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "159") public static final int GUEST_PHYSICAL_ADDRESS = 0x00002400;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "206") public static final int VM_EXIT_REASON = 0x00004402;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "244") public static final int EXIT_QUALIFICATION = 0x00006400;
    @KernelSource(file = "arch/x86/include/asm/vmx.h", lines = "261") public static final int GUEST_RIP = 0x0000681e;

    @KernelSource(file = "arch/x86/include/uapi/asm/vmx.h", lines = "31") public static final int EXIT_REASON_EXTERNAL_INTERRUPT = 1;
    @KernelSource(file = "arch/x86/include/uapi/asm/vmx.h", lines = "66") public static final int EXIT_REASON_EPT_VIOLATION = 48;

    /** MTRR_TYPE_WRBACK */
    @KernelSource(file = "arch/x86/include/uapi/asm/mtrr.h", lines = "113", name = "MTRR_TYPE_WRBACK")
    public static final long MTRR_TYPE_WRBACK = 6;

    /** The {@code eptad} module parameter: whether the CPU keeps EPT accessed/dirty bits. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "77-78")
    static volatile boolean enable_ept_ad_bits = true;

    /**
     * The CPU's interrupt line as the port delivers interrupts: an IPI queued for this CPU by
     * {@code smp_call_function_many} is pending; a halted guest wakes when one arrives.
     */
    static final InterruptLine apic = new InterruptLine() {
        @Override
        public boolean pending() {
            return smp.ipi_pending();
        }

        @Override
        public void halt(long nanos) {
            smp.wait_for_ipi(nanos);
        }
    };

    /** The processors this module runs vCPUs on. */
    private final Machine hw;

    /** The vendor module for {@code hw}; {@code kvm_arch_init} installs it. */
    public vmx(Machine hw) {
        this.hw = hw;
    }

    /** {@code struct vcpu_vmx}: the vCPU, its VMCS and the CPU that VMCS is loaded on. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "413-484", name = "struct vcpu_vmx",
            note = "only the embedded vcpu, exit_reason and the loaded VMCS; the CPU a vCPU runs on is fixed")
    public static final class vcpu_vmx extends kvm_vcpu {
        public final Vmcs vmcs;
        public final Cpu cpu;
        int exit_reason;

        vcpu_vmx(kvm kvm, int id, Cpu cpu) {
            super(kvm, id);
            this.cpu = cpu;
            this.vmcs = new Vmcs();
        }
    }

    /** container_of: the vcpu_vmx around a vCPU this module created. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "495-498")
    public static vcpu_vmx to_vmx(kvm_vcpu vcpu) {
        return (vcpu_vmx) vcpu;
    }

    /** VMREAD of a natural-width field of the vCPU's VMCS. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1278-1285", note = "the vCPU's own VMCS instead of the CPU's current one")
    static long vmcs_readl(kvm_vcpu vcpu, int field) {
        return to_vmx(vcpu).vmcs.read(field);
    }

    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1292-1295", note = "the vCPU's own VMCS instead of the CPU's current one")
    static int vmcs_read32(kvm_vcpu vcpu, int field) {
        return (int) to_vmx(vcpu).vmcs.read(field);
    }

    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1297-1304", note = "the vCPU's own VMCS instead of the CPU's current one")
    static long vmcs_read64(kvm_vcpu vcpu, int field) {
        return to_vmx(vcpu).vmcs.read(field);
    }

    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1313-1321", note = "the vCPU's own VMCS; VMWRITE cannot fail here")
    static void vmcs_writel(kvm_vcpu vcpu, int field, long value) {
        to_vmx(vcpu).vmcs.write(field, value);
    }

    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1333-1340", note = "the vCPU's own VMCS; VMWRITE cannot fail here")
    static void vmcs_write64(kvm_vcpu vcpu, int field, long value) {
        to_vmx(vcpu).vmcs.write(field, value);
    }

    /** INVEPT: drops the translations the CPU caches for {@code eptp}. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1111-1121", note = "on the vCPU's CPU")
    static void __invept(vcpu_vmx vmx, int ext, long eptp, long gpa) {
        vmx.cpu.invept(eptp);
    }

    /** The CPU has INVEPT of a single context, so only this vCPU's translations go. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "1268-1276")
    static void ept_sync_context(vcpu_vmx vmx, long eptp) {
        __invept(vmx, VMX_EPT_EXTENT_CONTEXT, eptp, 0);
    }

    /** {@code vmcs_read32(VM_EXIT_REASON)} and the registers the guest changed: after every exit. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "2632-2649", name = "vmx_cache_reg", note = "RIP only")
    @Override
    public void cache_reg(kvm_vcpu vcpu, int reg) {
        vcpu.arch.regs_avail |= 1 << reg;
        if (reg == VCPU_REGS_RIP) {
            vcpu.arch.regs[VCPU_REGS_RIP] = vmcs_readl(vcpu, GUEST_RIP);
        }
    }

    /** Flushes this vCPU's TLB: INVEPT of its EPT context, if it has a root. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "3324-3332", name = "vmx_flush_tlb", note = "no VPID")
    @Override
    public void tlb_flush(kvm_vcpu vcpu) {
        if (!VALID_PAGE(vcpu.arch.mmu.root_hpa)) {
            return;
        }
        ept_sync_context(to_vmx(vcpu), construct_eptp(vcpu.arch.mmu.root_hpa));
    }

    /** The EPT pointer of a root: write-back tables, a 4-level walk, A/D bits if enabled. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "3461-3473")
    static long construct_eptp(long root_hpa) {
        long eptp;

        eptp = VMX_EPT_DEFAULT_MT | VMX_EPT_DEFAULT_GAW << VMX_EPT_GAW_EPTP_SHIFT;
        if (enable_ept_ad_bits) {
            eptp |= VMX_EPT_AD_ENABLE_BIT;
        }
        eptp |= root_hpa & mm.PAGE_MASK;

        return eptp;
    }

    /** With EPT, {@code cr3} is the TDP root: it goes into EPT_POINTER, then the old translations go. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "3475-3493", name = "vmx_set_cr3", note = "the EPT part: no guest CR3 or PDPTRs")
    @Override
    public void set_tdp_cr3(kvm_vcpu vcpu, long cr3) {
        long eptp;

        eptp = construct_eptp(cr3);
        vmcs_write64(vcpu, EPT_POINTER, eptp);

        tlb_flush(vcpu);
    }

    /** An external interrupt (an IPI, the timer) made the guest exit: it was taken, go round again. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "4908-4912")
    static int handle_external_interrupt(kvm_vcpu vcpu) {
        vcpu.stat.irq_exits.incrementAndGet();
        return 1;
    }

    /**
     * The EPT-violation exit: turns the exit qualification into a page-fault error code (bit 1
     * write, bit 2 fetch moved to bit 4, bit 3 "the entry was readable" as present) and calls
     * kvm_mmu_page_fault with the faulting guest-physical address. The CPU's decoded instruction
     * goes along as {@code insn}, the way SVM's decode assists hand the emulator its bytes.
     */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "5451-5497",
            note = "no NMI-unblocking or gla checks; insn is the CPU's decoded instruction instead of NULL")
    static int handle_ept_violation(kvm_vcpu vcpu) {
        long exit_qualification;
        long gpa;
        int error_code;

        exit_qualification = vmcs_readl(vcpu, EXIT_QUALIFICATION);

        gpa = vmcs_read64(vcpu, GUEST_PHYSICAL_ADDRESS);

        error_code = (int) (exit_qualification & (1L << 1));
        error_code |= (int) ((exit_qualification & (1L << 2)) << 2);
        error_code |= (int) ((exit_qualification >>> 3) & 0x1);

        Vmcs.Instruction insn = to_vmx(vcpu).vmcs.exitInstruction();
        return mmu.kvm_mmu_page_fault(vcpu, gpa, error_code, insn, insn == null ? 0 : insn.length());
    }

    /** {@code int (*handler)(struct kvm_vcpu *)} of the exit table. */
    @FunctionalInterface
    interface exit_handler {
        int handle(kvm_vcpu vcpu);
    }

    /** The exit handlers, indexed by basic exit reason; 1 means resume the guest. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "6617-6657", note = "the two exits the machine raises")
    static final exit_handler[] kvm_vmx_exit_handlers = new exit_handler[EXIT_REASON_EPT_VIOLATION + 1];

    static {
        kvm_vmx_exit_handlers[EXIT_REASON_EXTERNAL_INTERRUPT] = vmx::handle_external_interrupt;
        kvm_vmx_exit_handlers[EXIT_REASON_EPT_VIOLATION] = vmx::handle_ept_violation;
    }

    /** Dispatches the exit the last {@link #run} recorded; an exit nobody handles goes to userspace. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "6957-7035", name = "vmx_handle_exit", note = "no nested, failed-entry or NMI cases")
    @Override
    public int handle_exit(kvm_vcpu vcpu) {
        int exit_reason = to_vmx(vcpu).exit_reason;

        if (exit_reason >= 0 && exit_reason < kvm_vmx_exit_handlers.length && kvm_vmx_exit_handlers[exit_reason] != null) {
            return kvm_vmx_exit_handlers[exit_reason].handle(vcpu);
        }
        printk.error("vmx: unexpected exit reason {} on {}", exit_reason, vcpu);
        return 0;
    }

    /**
     * One trip into the guest: a RIP the emulator changed goes into the VMCS, VMLAUNCH runs the
     * guest on this vCPU's CPU until it exits, and afterwards every cached register is stale and
     * the exit reason is read.
     */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7336-7521", name = "vmx_vcpu_run",
            note = "RIP and the exit reason only; the entry itself is the machine's VMLAUNCH")
    @Override
    public void run(kvm_vcpu vcpu) {
        vcpu_vmx vmx = to_vmx(vcpu);

        if ((vcpu.arch.regs_dirty & (1 << VCPU_REGS_RIP)) != 0) {
            vmcs_writel(vcpu, GUEST_RIP, vcpu.arch.regs[VCPU_REGS_RIP]);
        }

        vmx.cpu.vmlaunch(apic);

        vcpu.arch.regs_avail = ~(1 << VCPU_REGS_RIP);
        vcpu.arch.regs_dirty = 0;

        vmx.exit_reason = vmcs_read32(vcpu, VM_EXIT_REASON);
    }

    /** Allocates the vcpu_vmx, initializes the vCPU, and loads its VMCS on its CPU. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7535-7606", name = "vmx_create_vcpu",
            note = "no VPID, MSRs, APIC page or identity map; vCPU n runs on the machine's CPU n")
    @Override
    public kvm_vcpu vcpu_create(kvm kvm, int id) {
        int err;
        vcpu_vmx vmx = new vcpu_vmx(kvm, id, hw.cpu(id));

        err = kvm_main.kvm_vcpu_init(vmx, kvm, id);
        if (err != 0) {
            return null;
        }

        vmx.cpu.vmptrld(vmx.vmcs);

        return vmx;
    }

    /**
     * The EPT part of vmx's hardware setup: spte masks for EPT (with or without accessed/dirty
     * bits, {@code enable_ept_ad_bits}), the MMIO spte mask, and TDP on.
     */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "8887-9018", name = "vmx_init",
            note = "the enable_ept branch at vmx.c 8989-8995 only")
    public static void hardware_setup(boolean enable_ept_ad_bits) {
        vmx.enable_ept_ad_bits = enable_ept_ad_bits;
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

    /** Guest RAM without assigned devices: write-back, ignoring the guest PAT. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7627-7652", note = "no MMIO, no non-coherent DMA")
    public static long vmx_get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio) {
        return (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT) | VMX_EPT_IPAT_BIT;
    }

    /** 2M pages; the model's host has no 1G EPT pages. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7654-7661")
    public static int vmx_get_lpage_level() {
        return mmu_h.PT_DIRECTORY_LEVEL;
    }

    /** Four-level EPT: VMX_EPT_DEFAULT_GAW + 1. */
    @KernelSource(file = "arch/x86/kvm/vmx.c", lines = "7622-7625")
    public static int get_ept_level() {
        return 4;
    }

    @Override
    public long get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio) {
        return vmx_get_mt_mask(vcpu, gfn, is_mmio);
    }

    @Override
    public int get_lpage_level() {
        return vmx_get_lpage_level();
    }

    @Override
    public int get_tdp_level() {
        return get_ept_level();
    }

    /** The CPU a vCPU of this module runs on (for oracles and fixtures; not a kernel function). */
    public static Cpu cpu_of(kvm_vcpu vcpu) {
        return vcpu instanceof vcpu_vmx ? ((vcpu_vmx) vcpu).cpu : null;
    }
}
