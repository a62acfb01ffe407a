// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.examples.CountingVmx;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * A VM for the graders, on the port alone (no machine, no guest code): the grading thread plays
 * the vCPU and raises EPT violations by calling {@code tdp_page_fault}; the "hardware" counts the
 * TLB flushes it is asked for. EPT without accessed/dirty bits, so only the bits of the lessons show.
 */
public final class Vm implements AutoCloseable {
    public static final long USER_BASE = 0x7f00_0000_0000L;

    public final kvm kvm;
    private final List<Long> pages = new ArrayList<>();

    private Vm(kvm kvm) {
        this.kvm = kvm;
    }

    /** A fresh VM on EPT without A/D bits. */
    public static Vm create() {
        x86.kvm_arch_init(new CountingVmx());
        vmx.hardware_setup(false);
        return new Vm(kvm_main.kvm_create_vm(0));
    }

    /** KVM_SET_USER_MEMORY_REGION for slot {@code slot}; throws if the ioctl fails. */
    public kvm_memory_slot addSlot(int slot, long gfn, long npages, boolean logging) {
        long r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, new kvm_userspace_memory_region(
                slot, logging ? kvm_h.KVM_MEM_LOG_DIRTY_PAGES : 0, gfn << mm.PAGE_SHIFT, npages << mm.PAGE_SHIFT,
                USER_BASE + (gfn << mm.PAGE_SHIFT)));
        if (r != 0) {
            throw new IllegalStateException("KVM_SET_USER_MEMORY_REGION returned " + r);
        }
        return org.mmulab.kernel.linux.kvm_host_h.id_to_memslot(kvm.memslots, slot);
    }

    /** Creates vCPU {@code id} and loads its MMU (the root page). */
    public kvm_vcpu addVcpu(int id) {
        long r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, id);
        if (r != id) {
            throw new IllegalStateException("KVM_CREATE_VCPU returned " + r);
        }
        kvm_vcpu vcpu = kvm.vcpus[kvm.online_vcpus.get() - 1];
        kvm_main.vcpu_load(vcpu);
        try {
            if (mmu.kvm_mmu_load(vcpu) != 0) {
                throw new IllegalStateException("kvm_mmu_load failed");
            }
        } finally {
            kvm_main.vcpu_put(vcpu);
        }
        return vcpu;
    }

    /** A guest write to {@code gfn}: an EPT violation, as the hardware would raise it. */
    public static void write(kvm_vcpu vcpu, long gfn) {
        int r = mmu.tdp_page_fault(vcpu, gfn << mm.PAGE_SHIFT, mmu_h.PFERR_WRITE_MASK, false);
        if (r != 0) {
            throw new IllegalStateException("tdp_page_fault(gfn 0x" + Long.toHexString(gfn) + ") returned " + r);
        }
    }

    /** The leaf spte address of {@code gfn} in {@code vcpu}'s tables, 0 if not mapped. */
    public static long leafSptep(kvm_vcpu vcpu, long gfn) {
        mmu.kvm_shadow_walk_iterator it = new mmu.kvm_shadow_walk_iterator();
        for (mmu.shadow_walk_init(it, vcpu, gfn << mm.PAGE_SHIFT); mmu.shadow_walk_okay(it); mmu.shadow_walk_next(it)) {
            if (it.level == mmu_h.PT_PAGE_TABLE_LEVEL) {
                return it.sptep;
            }
            if (!mmu.is_shadow_present_pte(mm.deref(it.sptep))) {
                return 0;
            }
        }
        return 0;
    }

    /** A zeroed page of this VM's "kernel memory" (freed on close), for hand-made sptes. */
    public long page() {
        long p = mm.__get_free_page();
        pages.add(p);
        return p;
    }

    @Override
    public void close() {
        for (long p : pages) {
            mm.free_page(p);
        }
        pages.clear();
    }
}
