// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex7;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.exercises.Points;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Grader of exercise 7, {@code fast_pf_fix_direct_spte}. Every test starts from a VM with one
 * dirty-logged slot of 16 pages at gfn 0x100 whose pages were written once and then harvested,
 * so each spte is in the state dirty logging leaves it: present, W clear, SPTE_MMU_WRITEABLE and
 * SPTE_HOST_WRITEABLE set, and the dirty bitmap clean.
 *
 * <p>The race tests force the interleaving that a plain store loses, without threads or sleeps:
 * the test reads the spte as {@code fast_page_fault} does, then plays the other CPU (it takes
 * {@code mmu_lock} and write-protects or zaps the spte), then calls the function under test with
 * the value read before, exactly as {@code fast_page_fault} would have called it had the other
 * CPU run in between. That runs the same in the grading JVM of {@code ./mmulab grade} and under
 * Maven's surefire, with or without the lockdep agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex7Grader {
    public Ex7Grader() {}

    static final long BASE_GFN = 0x100;
    static final int NPAGES = 16;
    static final long W = mmu_h.PT_WRITABLE_MASK;
    static final long MMU_W = mmu.SPTE_MMU_WRITEABLE;
    static final long HOST_W = mmu.SPTE_HOST_WRITEABLE;

    BareVm vm;
    kvm_vcpu vcpu;

    @BeforeEach
    void setUp() {
        vm = BareVm.create();
        vm.addSlot(0, BASE_GFN, NPAGES, true);
        vcpu = vm.addVcpu(0);
        for (long g = BASE_GFN; g < BASE_GFN + NPAGES; g++) {
            BareVm.write(vcpu, g); // the slow path maps it writable and logs it
        }
        long[] log = vm.getDirtyLog(0, NPAGES); // harvest: clean bitmap, every spte write-protected
        assertEquals(0xffffL, log[0], "fixture: the first writes were logged");
        for (long g = BASE_GFN; g < BASE_GFN + NPAGES; g++) {
            long spte = BareVm.leafSpte(vcpu, g);
            assertEquals(MMU_W | HOST_W, spte & (W | MMU_W | HOST_W), "fixture: gfn " + hex(g) + " is write-protected by dirty logging");
        }
    }

    @AfterEach
    void tearDown() {
        vm.close();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String spte(long v) {
        return String.format("0x%016x", v);
    }

    /** The guest writes {@code gfn} again: the EPT violation goes to the lockless fast path first. */
    boolean fastWrite(long gfn) {
        kvm_main.vcpu_load(vcpu);
        try {
            return mmu.fast_page_fault(vcpu, gfn << mm.PAGE_SHIFT, mmu_h.PT_PAGE_TABLE_LEVEL,
                    mmu_h.PFERR_WRITE_MASK | mmu_h.PFERR_PRESENT_MASK);
        } finally {
            kvm_main.vcpu_put(vcpu);
        }
    }

    /** The function under test, called as fast_page_fault calls it: on the vCPU, inside a lockless walk. */
    boolean fix(kvm_mmu_page sp, long sptep, long spte) {
        kvm_main.vcpu_load(vcpu);
        mmu.walk_shadow_page_lockless_begin(vcpu);
        try {
            return mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, spte);
        } finally {
            mmu.walk_shadow_page_lockless_end(vcpu);
            kvm_main.vcpu_put(vcpu);
        }
    }

    /** Another CPU, holding mmu_lock, runs {@code r}. */
    void underMmuLock(Runnable r) {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            r.run();
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    /** The offsets of the slot's dirty pages, as a harvest reports them. */
    long harvest() {
        return vm.getDirtyLog(0, NPAGES)[0];
    }

    static kvm_mmu_page spOf(long sptep) {
        return kvm_host_h.page_header(mm.__pa(sptep));
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("a write to a dirty-logged spte: W set again, no other bit changes")
    void fixesTheSpte() {
        long gfn = BASE_GFN + 3;
        long before = BareVm.leafSpte(vcpu, gfn);
        long warnings = bug.warningCount();
        assertTrue(fastWrite(gfn), "fast_page_fault fixed the fault: it returns true (the guest retries the access)");
        assertEquals(spte(before | W), spte(BareVm.leafSpte(vcpu, gfn)),
                "the spte must be the one read plus PT_WRITABLE_MASK, nothing more and nothing less");
        assertEquals(warnings, bug.warningCount(), "a direct page is what the fast path is for: no WARN (WARN_ON only"
                + " when role.direct is 0)");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("the write is logged: the spte's own gfn, and no other")
    void logsTheRightGfn() {
        assertTrue(fastWrite(BASE_GFN + 5));
        assertTrue(fastWrite(BASE_GFN + 10));
        long log = harvest();
        assertEquals(Long.toBinaryString((1L << 5) | (1L << 10)), Long.toBinaryString(log),
                "KVM_GET_DIRTY_LOG after guest writes to gfns 0x105 and 0x10a must report exactly offsets 5 and 10"
                        + " (bit i is gfn 0x100 + i): mark the gfn the spte maps, which kvm_mmu_page_get_gfn gives from"
                        + " the page and the spte's index in it");
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("it returns true, also when the exchange was lost")
    void returnsTrue() {
        long gfn = BASE_GFN + 7;
        long sptep = BareVm.leafSptep(vcpu, gfn);
        long seen = mm.deref(sptep);
        assertTrue(fix(spOf(sptep), sptep, seen), "a won exchange: return true, the guest retries and now may write");
        assertTrue(fix(spOf(sptep), sptep, seen), "the spte is no longer the value read (it is writable now): the fix"
                + " is not made, and still the answer is true, so the guest retries the access and faults again if it must");
    }

    @Test
    @Order(4)
    @Points(3)
    @DisplayName("the race: a shadow write-protect between fast_page_fault's read and the fix is not undone")
    void shadowProtectIsNotLost() {
        long gfn = BASE_GFN + 9;
        long sptep = BareVm.leafSptep(vcpu, gfn);
        long seen = mm.deref(sptep); // fast_page_fault read it: read-only, SPTE_MMU_WRITEABLE set
        underMmuLock(() -> mmu.rmap_write_protect(vm.kvm, gfn)); // another CPU shadows the gfn
        long protectedSpte = mm.deref(sptep);
        assertEquals(0L, protectedSpte & (W | MMU_W), "fixture: the other CPU cleared W and SPTE_MMU_WRITEABLE");

        boolean r = fix(spOf(sptep), sptep, seen);

        long now = mm.deref(sptep);
        assertEquals(spte(protectedSpte), spte(now),
                "the spte changed between fast_page_fault's read (" + spte(seen) + ") and your store: another CPU wrote "
                        + spte(protectedSpte) + " to shadow the page. Your store must not overwrite it: store only if"
                        + " the spte still holds the value read (what one cmpxchg64 does), else leave it for the guest to fault again");
        assertFalse(mmu_h.is_writable_pte(now), "a page KVM shadows must stay read-only");
        assertTrue(r, "the lost race still returns true: the guest retries and takes the slow path");
    }

    @Test
    @Order(5)
    @Points(2)
    @DisplayName("the race: a lost exchange logs nothing")
    void lostRaceLogsNothing() {
        long gfn = BASE_GFN + 9;
        long sptep = BareVm.leafSptep(vcpu, gfn);
        long seen = mm.deref(sptep);
        underMmuLock(() -> mmu.rmap_write_protect(vm.kvm, gfn));
        fix(spOf(sptep), sptep, seen);
        assertEquals(0L, harvest(), "the spte was not made writable, so the guest did not write gfn " + hex(gfn)
                + ": only the CPU whose exchange won may mark the page dirty");
    }

    @Test
    @Order(6)
    @Points(2)
    @DisplayName("the race: a zap between fast_page_fault's read and the fix leaves the spte gone")
    void zapIsNotLost() {
        long gfn = BASE_GFN + 12;
        long sptep = BareVm.leafSptep(vcpu, gfn);
        long seen = mm.deref(sptep);
        underMmuLock(() -> mmu.drop_spte(vm.kvm, sptep)); // another CPU unmaps the gfn (and its rmap)
        assertEquals(0L, mm.deref(sptep), "fixture: the other CPU zapped the spte");

        boolean r = fix(spOf(sptep), sptep, seen);

        assertEquals(spte(0L), spte(mm.deref(sptep)), "another CPU zapped the spte after fast_page_fault read "
                + spte(seen) + ": writing it back would leave a writable mapping that no rmap knows of, which dirty"
                + " logging can never write-protect again");
        assertTrue(r, "the lost race still returns true");
        assertEquals(0L, harvest(), "nothing was written: nothing may be logged");
    }

    @Test
    @Order(7)
    @Points(2)
    @DisplayName("the gfn comes from kvm_mmu_page_get_gfn, and a page that is not direct is WARNed about")
    void indirectPage() {
        kvm_mmu_page sp = new kvm_mmu_page();
        sp.role.level = mmu_h.PT_PAGE_TABLE_LEVEL;
        sp.role.direct = 0;
        sp.spt = vm.page();
        sp.gfn = 0x40;
        sp.gfns = new long[512];
        int index = 17;
        long gfn = BASE_GFN + 12;
        sp.gfns[index] = gfn;
        long sptep = sp.spt + 8L * index;
        long seen = BareVm.leafSpte(vcpu, gfn); // a dirty-logged spte's bits
        mm.assign(sptep, seen);
        long warnings = bug.warningCount();

        boolean r = fix(sp, sptep, seen);

        assertEquals(warnings + 1, bug.warningCount(), "the fast path is for direct pages only: a page with role.direct 0"
                + " must WARN (WARN_ON), once");
        assertTrue(r);
        assertEquals(spte(seen | W), spte(mm.deref(sptep)), "the spte still gets W");
        assertEquals(Long.toBinaryString(1L << 12), Long.toBinaryString(harvest()),
                "an indirect page keeps each spte's gfn in sp->gfns: kvm_mmu_page_get_gfn(sp, index) reads it, so gfn "
                        + hex(gfn) + " (offset 12) is the one to log, not one computed from sp->gfn");
    }

    @Test
    @Order(8)
    @Points(1)
    @DisplayName("after the fix, the guest writes through without a fault and the next harvest protects it again")
    void roundTrip() {
        long gfn = BASE_GFN + 1;
        assertTrue(fastWrite(gfn));
        long sptep = BareVm.leafSptep(vcpu, gfn);
        assertTrue(mmu_h.is_writable_pte(mm.deref(sptep)), "writable after the fix");
        assertEquals(1L << 1, harvest(), "the harvest reports the page written");
        assertFalse(mmu_h.is_writable_pte(mm.deref(sptep)), "and write-protects it again for the next round");
        assertNotEquals(0L, mm.deref(sptep) & MMU_W, "still fixable by the fast path");
    }
}
