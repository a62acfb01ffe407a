// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_FETCH_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_PRESENT_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_RSVD_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_USER_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_WRITE_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_PAGE_TABLE_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_WRITABLE_MASK;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.mm.PAGE_SHIFT;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Every outcome of the one cmpxchg64 in fast_pf_fix_direct_spte (mmu.c 2795-2813), and every other
 * exit of fast_page_fault (mmu.c 2774-2793, 2820-2895), checked one at a time without threads.
 *
 * <p>The outcomes: the spte still holds the value the vCPU read, so W is set and this vCPU (and
 * only this one) marks the gfn dirty (mmu.c 2809-2810); or the spte changed since it was read
 * (another vCPU set W, the MMU write-protected it for shadowing, it was zapped, the CPU set an A/D
 * bit), so nothing is written and nothing is marked. Either way the function returns true: the
 * guest repeats the access and faults again if it still has to. A changed-and-changed-back spte
 * (ABA: another vCPU made it writable, a harvest took the bit and write-protected it again) is
 * indistinguishable from an unchanged one and rightly succeeds.
 *
 * <p>Each test maps page {@link #P} of a logged slot with a write fault and harvests once, so it
 * starts from the dirty-logging state: present, W clear, SPTE_MMU_WRITEABLE and
 * SPTE_HOST_WRITEABLE set, dirty bitmap empty.
 */
class FastPfCmpxchgTest {
    static final int SLOT = 0;
    static final long BASE_GFN = 0x100;
    static final int NPAGES = 128;
    static final int P = 77; // not the first spte of its table, not in the first bitmap word
    static final int GOOD_CODE = PFERR_PRESENT_MASK | PFERR_WRITE_MASK;

    BareVm vm;
    kvm_vcpu vcpu;
    long sptep;
    long s; // the read-only, locklessly modifiable spte of P
    kvm_mmu_page sp;
    long warningsBefore;

    void setUp(boolean ad) {
        vm = BareVm.create(ad);
        vm.addSlot(SLOT, BASE_GFN, NPAGES, true);
        vcpu = vm.addVcpu(0);
        assertEquals(0, BareVm.fault(vcpu, BASE_GFN + P, true, false), "slow-path write fault maps P");
        long[] first = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << (P - 64), first[1], "the mapping write was logged");
        assertEquals(0, first[0]);
        org.mmulab.kernel.linux.kvm_host_h.kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);

        sptep = BareVm.leafSptep(vcpu, BASE_GFN + P);
        assertNotEquals(0, sptep);
        s = mm.deref(sptep);
        assertTrue(mmu.is_shadow_present_pte(s));
        assertFalse(mmu_h.is_writable_pte(s), "the harvest write-protected P");
        assertTrue(mmu.spte_is_locklessly_modifiable(s), "SPTE_MMU_WRITEABLE and SPTE_HOST_WRITEABLE kept");
        sp = kvm_host_h.page_header(sptep);
        assertEquals(PT_PAGE_TABLE_LEVEL, sp.role.level);
        assertEquals(1, sp.role.direct);
        assertEquals(BASE_GFN + P, mmu.kvm_mmu_page_get_gfn(sp, mmu.spte_index(sp, sptep)), "gfn from sp->gfn and the index");
        assertLogEmpty("after setUp");
        warningsBefore = bug.warningCount();
    }

    @AfterEach
    void noWarnings() {
        if (vm != null) {
            assertEquals(warningsBefore, bug.warningCount(), "WARN_ON fired");
        }
    }

    // ---------------------------------------------------------------------------------------
    // helpers

    kvm_memory_slot slot() {
        return org.mmulab.kernel.linux.kvm_host_h.id_to_memslot(vm.kvm.memslots, SLOT);
    }

    /** The live half of the slot's dirty bitmap. */
    long[] live() {
        kvm_memory_slot m = slot();
        return Arrays.copyOf(m.dirty_bitmap.base, (int) (org.mmulab.kernel.linux.kvm_host_h.kvm_dirty_bitmap_bytes(m) / 8));
    }

    void assertLogEmpty(String what) {
        assertArrayEquals(new long[NPAGES / 64], live(), what + ": no dirty bit may be set");
    }

    void assertOnlyPDirty(String what) {
        long[] expected = new long[NPAGES / 64];
        expected[P / 64] = 1L << (P % 64);
        assertArrayEquals(expected, live(), what + ": exactly P is dirty");
    }

    boolean fastPageFault(kvm_vcpu v, long gfn, int error_code) {
        return mmu.fast_page_fault(v, gfn << PAGE_SHIFT, PT_PAGE_TABLE_LEVEL, error_code);
    }

    void locked(Runnable r) {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            r.run();
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    // ---------------------------------------------------------------------------------------
    // (a) the spte is what the vCPU read: the exchange succeeds

    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void matchingSpteGetsWAndIsMarkedDirty(boolean ad) {
        setUp(ad);
        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, s));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep), "exactly the W bit was added");
        assertOnlyPDirty("winner");
        assertFalse(org.mmulab.kernel.linux.kvm_host_h.kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu), "no flush for adding W");

        long[] log = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << (P - 64), log[1]);
        assertEquals(0, log[0]);
        assertEquals(s, mm.deref(sptep), "the harvest write-protected it back to the value read before");
    }

    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void fastPageFaultOnDirtyLoggedSpteFixesIt(boolean ad) {
        setUp(ad);
        assertTrue(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
        assertOnlyPDirty("fast_page_fault");
        // and through the EPT violation handler: a write to a present spte
        vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(0, BareVm.fault(vcpu, BASE_GFN + P, true, true));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
        assertOnlyPDirty("tdp_page_fault");
    }

    // ---------------------------------------------------------------------------------------
    // (b) the spte changed after the vCPU read it: the exchange fails

    /** Another vCPU's exchange won first; the loser changes nothing and marks nothing. */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void staleAfterAnotherVcpuSetW(boolean ad) {
        setUp(ad);
        // the state the winning vCPU's cmpxchg64 leaves (its own mark is checked in (a))
        mm.assign(sptep, s | PT_WRITABLE_MASK);

        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, s), "the loser still lets the guest retry");
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep), "spte left as the winner made it");
        assertLogEmpty("the loser of the cmpxchg");
    }

    /** The same race with two real vCPUs: one dirty bit in total, one report. */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void twoVcpusRaceForTheSameSpte(boolean ad) {
        setUp(ad);
        kvm_vcpu other = vm.addVcpu(1);
        long seenByVcpu0 = mm.deref(sptep);
        long seenByVcpu1 = mm.deref(sptep);

        assertTrue(mmu.fast_pf_fix_direct_spte(other, sp, sptep, seenByVcpu1), "vCPU 1 wins");
        assertOnlyPDirty("after the winner");
        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, seenByVcpu0), "vCPU 0 loses, retries");
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
        assertOnlyPDirty("after the loser");

        long[] log = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << (P - 64), log[1]);
        assertArrayEquals(new long[NPAGES / 64], vm.getDirtyLog(SLOT, NPAGES), "reported once");
    }

    /**
     * The MMU write-protected the page for shadowing (rmap_write_protect, pt_protect: W and
     * SPTE_MMU_WRITEABLE cleared, mmu.c 1192-1207) after the vCPU read the spte. A successful
     * exchange here would make a shadowed page writable behind the MMU's back; it must fail.
     */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void staleAfterShadowWriteProtect(boolean ad) {
        setUp(ad);
        boolean[] flush = {false};
        locked(() -> flush[0] = mmu.rmap_write_protect(vm.kvm, BASE_GFN + P));
        assertTrue(flush[0], "a locklessly modifiable spte may have a writable TLB entry: flush owed (mmu.c 577-612)");
        long protectedSpte = mm.deref(sptep);
        assertEquals(s & ~mmu.SPTE_MMU_WRITEABLE, protectedSpte);

        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, s));
        assertEquals(protectedSpte, mm.deref(sptep), "W must not come back on a shadow-protected spte");
        assertFalse(mmu_h.is_writable_pte(mm.deref(sptep)));
        assertLogEmpty("failed exchange");

        // and a fresh fast fault on it goes to the slow path (no SPTE_MMU_WRITEABLE)
        assertFalse(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(protectedSpte, mm.deref(sptep));
        assertLogEmpty("fast path refused");
    }

    /** The spte was zapped (drop_spte under mmu_lock) after the vCPU read it. */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void staleAfterZap(boolean ad) {
        setUp(ad);
        locked(() -> mmu.drop_spte(vm.kvm, sptep));
        assertEquals(0, mm.deref(sptep));

        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, s));
        assertEquals(0, mm.deref(sptep), "a zapped spte stays zapped");
        assertLogEmpty("failed exchange on a zapped spte");

        // the guest retries: a write to a present gfn finds no spte, the fast path says retry
        assertTrue(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(0, mm.deref(sptep));
        assertLogEmpty("fast path on a zapped spte");
        // the next EPT violation is for a not-present page: the slow path maps and logs it
        assertEquals(0, BareVm.fault(vcpu, BASE_GFN + P, true, false));
        assertTrue(mmu_h.is_writable_pte(mm.deref(sptep)));
        assertOnlyPDirty("slow path after the zap");
    }

    /** With EPT A/D bits the CPU may set the accessed bit between the read and the exchange. */
    @Test
    void staleAfterTheCpuSetTheAccessedBit() {
        setUp(true);
        long a = mmu.shadow_accessed_mask;
        assertNotEquals(0, a);
        assertTrue((s & a) != 0, "a non-speculative fault maps with A set");
        long before = s & ~a; // as the vCPU read it, e.g. after the A bit was cleared by aging
        mm.assign(sptep, before);
        long seen = mm.deref(sptep);
        mm.assign(sptep, before | a); // the CPU's page walk sets A

        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, seen));
        assertEquals(before | a, mm.deref(sptep), "nothing written");
        assertLogEmpty("failed exchange after an A-bit update");

        // the retry reads the new value and succeeds
        assertTrue(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(before | a | PT_WRITABLE_MASK, mm.deref(sptep));
        assertOnlyPDirty("retry");
    }

    /**
     * ABA: between the vCPU's read and its exchange, another vCPU made the spte writable and a
     * harvest took the dirty bit and write-protected it again. The value is the one read, so the
     * exchange succeeds and marks the page again; that is right, the write it allows comes after
     * that harvest and belongs to the next one.
     */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void changedAndChangedBackSucceeds(boolean ad) {
        setUp(ad);
        kvm_vcpu other = vm.addVcpu(1);
        long seen = mm.deref(sptep);
        assertTrue(mmu.fast_pf_fix_direct_spte(other, sp, sptep, mm.deref(sptep)));
        long[] h = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << (P - 64), h[1]);
        assertEquals(seen, mm.deref(sptep), "write-protected back to the value vCPU 0 read");

        assertTrue(mmu.fast_pf_fix_direct_spte(vcpu, sp, sptep, seen));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
        assertOnlyPDirty("ABA exchange");
        assertEquals(1L << (P - 64), vm.getDirtyLog(SLOT, NPAGES)[1], "reported by the next harvest");
    }

    // ---------------------------------------------------------------------------------------
    // fast_page_fault's other exits

    /** A write to an spte that is already writable (a stale read-only TLB entry): retry, no mark (mmu.c 2858-2861). */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void spuriousFaultOnWritableSpteReturnsTrueWithoutMarking(boolean ad) {
        setUp(ad);
        mm.assign(sptep, s | PT_WRITABLE_MASK); // made writable by someone whose mark is not ours to count
        assertTrue(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
        assertLogEmpty("spurious fault");
        assertEquals(0, BareVm.fault(vcpu, BASE_GFN + P, true, true), "tdp_page_fault: fast path handled it");
        assertLogEmpty("spurious fault through tdp_page_fault");
    }

    /** Not present: the mapping changed under us, the fast path says retry (mmu.c 2839-2846). */
    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void notPresentSpteReturnsTrueAndChangesNothing(boolean ad) {
        setUp(ad);
        long neighbour = BASE_GFN + P + 1; // its table exists, its spte is 0 (no prefetch in a logged slot)
        long nptep = BareVm.leafSptep(vcpu, neighbour);
        assertNotEquals(0, nptep);
        assertEquals(0, mm.deref(nptep));
        int used = vm.kvm.arch.n_used_mmu_pages;

        assertTrue(fastPageFault(vcpu, neighbour, GOOD_CODE));
        assertEquals(0, mm.deref(nptep));
        // a gfn 1G away: the walk stops at a missing upper-level table
        long far = 0x40000;
        assertEquals(0, BareVm.leafSptep(vcpu, far));
        assertTrue(fastPageFault(vcpu, far, GOOD_CODE));
        assertEquals(0, BareVm.leafSptep(vcpu, far), "the fast path builds no tables");

        assertEquals(s, mm.deref(sptep));
        assertEquals(used, vm.kvm.arch.n_used_mmu_pages);
        assertLogEmpty("not-present fast faults");
    }

    /** Only sptes that dirty logging write-protected may be fixed: both software bits are needed (mmu.c 2867-2868). */
    @ParameterizedTest(name = "without {0}")
    @MethodSource("softwareBits")
    void spteWithoutSoftwareWritableBitGoesToTheSlowPath(String name, long bit) {
        setUp(false);
        mm.assign(sptep, s & ~bit);
        assertFalse(mmu.spte_is_locklessly_modifiable(mm.deref(sptep)));
        assertFalse(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE), "false: the slow path must handle it");
        assertEquals(s & ~bit, mm.deref(sptep), "the fast path wrote nothing");
        assertLogEmpty("refused fast path");
    }

    static Stream<Arguments> softwareBits() {
        return Stream.of(Arguments.of("SPTE_MMU_WRITEABLE", mmu.SPTE_MMU_WRITEABLE),
                Arguments.of("SPTE_HOST_WRITEABLE", mmu.SPTE_HOST_WRITEABLE),
                Arguments.of("both", mmu.SPTE_MMU_WRITEABLE | mmu.SPTE_HOST_WRITEABLE));
    }

    static Stream<Arguments> errorCodes() {
        return Stream.of(
                Arguments.of(0, false),
                Arguments.of(PFERR_PRESENT_MASK, false),
                Arguments.of(PFERR_WRITE_MASK, false),
                Arguments.of(PFERR_WRITE_MASK | PFERR_USER_MASK, false),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_FETCH_MASK, false),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_RSVD_MASK, false),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_RSVD_MASK, false),
                Arguments.of(PFERR_RSVD_MASK, false),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_WRITE_MASK, true),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK, true),
                Arguments.of(PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_FETCH_MASK, true));
    }

    /** page_fault_can_be_fast (mmu.c 2774-2793): a write (W), to a present page (P), not a reserved-bit fault. */
    @ParameterizedTest(name = "error code {0} -> can be fast {1}")
    @MethodSource("errorCodes")
    void errorCodeDecidesWhetherTheFaultCanBeFast(int code, boolean fast) {
        setUp(false);
        assertEquals(fast, mmu.page_fault_can_be_fast(code));
        assertEquals(fast, fastPageFault(vcpu, BASE_GFN + P, code));
        if (fast) {
            assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
            assertOnlyPDirty("fast path taken");
        } else {
            assertEquals(s, mm.deref(sptep), "the fast path did not look at the spte");
            assertLogEmpty("fast path not taken");
        }
    }

    /** A vCPU whose MMU was never loaded has no root: the fast path returns false first (mmu.c 2828-2829). */
    @Test
    void vcpuWithoutRootGoesToTheSlowPath() {
        setUp(false);
        assertEquals(1, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_CREATE_VCPU, 1));
        kvm_vcpu unloaded = vm.kvm.vcpus[1];
        assertEquals(org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.INVALID_PAGE, unloaded.arch.mmu.root_hpa);
        assertFalse(fastPageFault(unloaded, BASE_GFN + P, GOOD_CODE));
        assertEquals(s, mm.deref(sptep));
        assertLogEmpty("no root");
    }

    /** With logging turned off again, the fast path still fixes the leftover read-only sptes; there is no bitmap to mark. */
    @Test
    void fastPathAfterLoggingWasTurnedOff() {
        setUp(false);
        assertEquals(0, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, new kvm_userspace_memory_region(
                SLOT, 0, BASE_GFN << PAGE_SHIFT, (long) NPAGES << PAGE_SHIFT, Vmm.USER_BASE + (BASE_GFN << PAGE_SHIFT))));
        assertNull(slot().dirty_bitmap);
        assertSame(sp, kvm_host_h.page_header(sptep));
        assertEquals(s, mm.deref(sptep), "turning logging off leaves the sptes read-only");
        assertTrue(fastPageFault(vcpu, BASE_GFN + P, GOOD_CODE));
        assertEquals(s | PT_WRITABLE_MASK, mm.deref(sptep));
    }
}
