// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * A VM for the port's own tests: no machine, no guest code. The test thread plays the vCPU and
 * raises EPT violations by calling {@code tdp_page_fault} directly; the "hardware" only counts
 * TLB flushes.
 */
public final class TestVm {
    /** User address the test VMs map guest memory at (page aligned, below TASK_SIZE_MAX). */
    public static final long USER_BASE = 0x7f00_0000_0000L;

    /** A vmx whose hardware does nothing but count what the port asked of it. */
    public static final class CountingVmx extends vmx {
        public final AtomicInteger tlb_flushes = new AtomicInteger();

        @Override
        public void tlb_flush(kvm_vcpu vcpu) {
            tlb_flushes.incrementAndGet();
        }

        @Override
        public void run(kvm_vcpu vcpu) {
        }

        @Override
        public int handle_exit(kvm_vcpu vcpu) {
            return 1;
        }
    }

    public final kvm kvm;
    public final CountingVmx hw;

    private TestVm(kvm kvm, CountingVmx hw) {
        this.kvm = kvm;
        this.hw = hw;
    }

    /** A fresh VM on EPT, with or without accessed/dirty bits. */
    public static TestVm create(boolean ept_ad_bits) {
        return create(ept_ad_bits, new CountingVmx());
    }

    public static TestVm create(boolean ept_ad_bits, CountingVmx hw) {
        x86.kvm_arch_init(hw);
        vmx.hardware_setup(ept_ad_bits);
        return new TestVm(kvm_main.kvm_create_vm(0), hw);
    }

    /** KVM_SET_USER_MEMORY_REGION; returns the ioctl's result. */
    public long setRegion(int slot, int flags, long gfn, long npages) {
        return kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, new kvm_userspace_memory_region(
                slot, flags, gfn << mm.PAGE_SHIFT, npages << mm.PAGE_SHIFT, USER_BASE + (gfn << mm.PAGE_SHIFT)));
    }

    /** Creates slot {@code slot} and fails the test if the ioctl does. */
    public void addSlot(int slot, long gfn, long npages, boolean logging) {
        assertEquals(0, setRegion(slot, logging ? kvm_h.KVM_MEM_LOG_DIRTY_PAGES : 0, gfn, npages), "KVM_SET_USER_MEMORY_REGION");
    }

    /** Creates a vCPU, binds it to the calling thread and loads its MMU (the root page). */
    public kvm_vcpu addVcpu(int id) {
        assertEquals(id, kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, id), "KVM_CREATE_VCPU");
        kvm_vcpu vcpu = kvm.vcpus[kvm.online_vcpus.get() - 1];
        kvm_main.vcpu_load(vcpu);
        assertEquals(0, mmu.kvm_mmu_load(vcpu), "kvm_mmu_load");
        kvm_main.vcpu_put(vcpu);
        return vcpu;
    }

    /** An EPT violation at {@code gfn}: a write on a present or absent spte as asked. */
    public static int fault(kvm_vcpu vcpu, long gfn, boolean write, boolean present) {
        int error_code = (write ? mmu_h.PFERR_WRITE_MASK : 0) | (present ? mmu_h.PFERR_PRESENT_MASK : 0);
        return mmu.tdp_page_fault(vcpu, gfn << mm.PAGE_SHIFT, error_code, false);
    }

    /** KVM_GET_DIRTY_LOG into a fresh buffer; fails the test on error. */
    public long[] getDirtyLog(int slot, long npages) {
        long[] buf = new long[(int) ((npages + 63) / 64)];
        assertEquals(0, kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(slot, buf)), "KVM_GET_DIRTY_LOG");
        return buf;
    }

    /** The leaf spte address of {@code gfn} in {@code vcpu}'s tables, or 0 if the walk stops early. */
    public static long leafSptep(kvm_vcpu vcpu, long gfn) {
        mmu.kvm_shadow_walk_iterator it = new mmu.kvm_shadow_walk_iterator();
        for (mmu.shadow_walk_init(it, vcpu, gfn << mm.PAGE_SHIFT); mmu.shadow_walk_okay(it); mmu.shadow_walk_next(it)) {
            long spte = mm.deref(it.sptep);
            if (it.level == mmu_h.PT_PAGE_TABLE_LEVEL) {
                return it.sptep;
            }
            if (!mmu.is_shadow_present_pte(spte)) {
                return 0;
            }
        }
        return 0;
    }

    /** The leaf spte value of {@code gfn}, 0 if not mapped. */
    public static long leafSpte(kvm_vcpu vcpu, long gfn) {
        long sptep = leafSptep(vcpu, gfn);
        return sptep == 0 ? 0 : mm.deref(sptep);
    }
}
