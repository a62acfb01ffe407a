// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.PrintStream;
import org.mmulab.fixture.BareVm;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.page_header;

/**
 * The port's own walk through the seed commit, single-threaded: the calling thread is both the
 * VMM and the vCPU, and "guest writes" are the EPT violations a write would raise. It shows the
 * two kinds of write protection of the mmu.h comment and why only SPTE_MMU_WRITEABLE can tell
 * whether a flush is owed.
 */
public final class DirtyLogDemo {
    static final int SLOT = 0;
    static final long BASE_GFN = 0x100;

    private final PrintStream out;
    private final long npages;

    public DirtyLogDemo(PrintStream out, long npages) {
        this.out = out;
        this.npages = npages;
    }

    /** Runs the walk-through; returns 0 when every step behaved as v3.16 says, 1 otherwise. */
    public int run() {
        // vmx over CPUs that run no guest, EPT without A/D bits, so only the bits of the lesson show
        kvm kvm = BareVm.create(false).kvm;
        int failures = 0;

        out.printf("mmulab demo: Linux v3.16 KVM MMU dirty logging, %d guest pages at gfn 0x%x%n%n", npages, BASE_GFN);

        step("1. KVM_SET_USER_MEMORY_REGION slot 0, no logging");
        long r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, region(0));
        out.printf("   -> %d%n", r);
        failures += expect(r == 0, "slot created");

        step("2. KVM_CREATE_VCPU 0, load its MMU (EPT root)");
        kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, 0);
        kvm_vcpu vcpu = kvm.vcpus[0];
        // the steps that run on the vCPU hold its mutex as a vCPU ioctl does, and drop it before
        // the next VM ioctl: returning to user space with it held is a lockdep report
        kvm_main.vcpu_load(vcpu);
        mmu.kvm_mmu_load(vcpu);
        kvm_main.vcpu_put(vcpu);
        out.printf("   root_hpa=0x%x, %d shadow page(s)%n", vcpu.arch.mmu.root_hpa, kvm.arch.n_used_mmu_pages);

        step("3. the guest writes every page: EPT violations into tdp_page_fault");
        kvm_main.vcpu_load(vcpu);
        for (long g = 0; g < npages; g++) {
            mmu.tdp_page_fault(vcpu, (BASE_GFN + g) << mm.PAGE_SHIFT, mmu_h.PFERR_WRITE_MASK, false);
        }
        kvm_main.vcpu_put(vcpu);
        long gfn = BASE_GFN + 3;
        out.printf("   spte(gfn 0x%x) = %s%n", gfn, SpteFormat.describe(spte(vcpu, gfn)));
        out.printf("   %d shadow pages now (root, 3 levels of tables)%n", kvm.arch.n_used_mmu_pages);
        failures += expect(mmu_h.is_writable_pte(spte(vcpu, gfn)), "writable after a write fault");

        step("4. KVM_MEM_LOG_DIRTY_PAGES on: kvm_mmu_slot_remove_write_access write-protects the slot");
        int flushes = kvm.stat.remote_tlb_flush.get();
        r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, region(kvm_h.KVM_MEM_LOG_DIRTY_PAGES));
        long s = spte(vcpu, gfn);
        out.printf("   -> %d; spte = %s%n", r, SpteFormat.describe(s));
        out.println("   W is clear, MMU_W is still set: this is dirty-logging write protection,");
        out.println("   and its TLB flush came after spin_unlock(&kvm->mmu_lock).");
        failures += expect(!mmu_h.is_writable_pte(s) && (s & mmu.SPTE_MMU_WRITEABLE) != 0, "W clear, MMU_W kept");
        out.printf("   remote TLB flushes: %d -> %d (no vCPU in guest mode, so no IPI was needed)%n",
                flushes, kvm.stat.remote_tlb_flush.get());

        step("5. the guest writes 3 pages: fast_page_fault sets W with cmpxchg64, outside mmu_lock");
        long[] written = {3, 7, 64 % npages};
        kvm_main.vcpu_load(vcpu);
        for (long g : written) {
            boolean fixed = mmu.fast_page_fault(vcpu, (BASE_GFN + g) << mm.PAGE_SHIFT, mmu_h.PT_PAGE_TABLE_LEVEL,
                    mmu_h.PFERR_WRITE_MASK | mmu_h.PFERR_PRESENT_MASK);
            failures += expect(fixed, "fast path fixed gfn offset " + g);
        }
        kvm_main.vcpu_put(vcpu);
        out.printf("   spte = %s%n", SpteFormat.describe(spte(vcpu, gfn)));

        step("6. KVM_GET_DIRTY_LOG: xchg each bitmap word, write-protect, unlock, then flush");
        long[] bitmap = new long[(int) ((npages + 63) / 64)];
        r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT, bitmap));
        StringBuilder dirty = new StringBuilder();
        int count = 0;
        for (long g = 0; g < npages; g++) {
            if ((bitmap[(int) (g / 64)] & (1L << (g % 64))) != 0) {
                dirty.append(count++ == 0 ? "" : ", ").append(g);
            }
        }
        out.printf("   -> %d; dirty pages (offsets): %s%n", r, dirty);
        java.util.Set<Long> expected = new java.util.TreeSet<>();
        for (long g : written) {
            expected.add(g);
        }
        failures += expect(r == 0 && count == expected.size(), "exactly the written pages are dirty");
        s = spte(vcpu, gfn);
        out.printf("   spte = %s%n", SpteFormat.describe(s));
        failures += expect(!mmu_h.is_writable_pte(s) && (s & mmu.SPTE_MMU_WRITEABLE) != 0, "read-only again, MMU_W kept");

        step("7. the mmu.h lesson: now shadow-protect that gfn (pt_protect = true)");
        out.println("   The spte is already read-only, so PT_WRITABLE_MASK says \"nothing to flush\".");
        out.println("   But get-dirty-log flushes only after spin_unlock: had we got here before that");
        out.println("   flush ran, a vCPU could still hold a writable TLB entry for this page.");
        out.println("   SPTE_MMU_WRITEABLE, which dirty logging never clears, still says \"a writable");
        out.println("   translation may exist\": spte_write_protect updates the spte and");
        out.println("   mmu_spte_update reports the flush owed, so the shadowing path flushes now.");
        long sptep = sptep(vcpu, gfn);
        spinlock_t.spin_lock(kvm.mmu_lock);
        boolean owed;
        try {
            owed = mmu.spte_write_protect(kvm, sptep, true);
        } finally {
            spinlock_t.spin_unlock(kvm.mmu_lock);
        }
        out.printf("   spte_write_protect(pt_protect=true) -> flush owed = %b%n", owed);
        out.printf("   spte = %s%n", SpteFormat.describe(mm.deref(sptep)));
        failures += expect(owed, "flush owed");
        failures += expect((mm.deref(sptep) & mmu.SPTE_MMU_WRITEABLE) == 0, "MMU_W cleared");
        kvm_mmu_page sp = page_header(sptep);
        out.printf("   (leaf table: %s)%n", sp);

        out.println();
        out.println(failures == 0 ? "All steps behaved as Linux v3.16 says." : failures + " step(s) did not behave as expected.");
        return failures == 0 ? 0 : 1;
    }

    private kvm_userspace_memory_region region(int flags) {
        return new kvm_userspace_memory_region(SLOT, flags, BASE_GFN << mm.PAGE_SHIFT, npages << mm.PAGE_SHIFT,
                Vmm.USER_BASE + (BASE_GFN << mm.PAGE_SHIFT));
    }

    private void step(String title) {
        out.println(title);
    }

    private int expect(boolean ok, String what) {
        if (!ok) {
            out.println("   UNEXPECTED: " + what);
        }
        return ok ? 0 : 1;
    }

    /** The leaf spte address of {@code gfn}, 0 if not mapped (the graders' walk). */
    static long sptep(kvm_vcpu vcpu, long gfn) {
        return BareVm.leafSptep(vcpu, gfn);
    }

    static long spte(kvm_vcpu vcpu, long gfn) {
        long p = sptep(vcpu, gfn);
        return p == 0 ? 0 : mm.deref(p);
    }
}
