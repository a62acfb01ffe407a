// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmulab.kernel.linux.KernelBug;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * spte_write_protect (mmu.c 1192-1207), __rmap_write_protect (1209-1224),
 * kvm_mmu_write_protect_pt_masked (1236-1250) and rmap_write_protect (1252-1268), checked against
 * the two kinds of write protection the mmu.h comment (mmu.h 107-139) describes:
 * <ul>
 * <li>shadowing a guest page table ({@code pt_protect = true}) clears W and SPTE_MMU_WRITEABLE and
 * must learn whether a flush is owed;</li>
 * <li>dirty logging ({@code pt_protect = false}) clears only W and flushes later, outside
 * mmu_lock.</li>
 * </ul>
 * The three starting states: (a) writable, (b) made read-only by dirty logging (W clear, both
 * software bits set), (c) already shadow-protected (W and SPTE_MMU_WRITEABLE clear).
 */
class SpteWriteProtectTest {
    // Bit values worked out from the kernel (see SpteHelpersTest for the derivations).
    static final long P = 0x1L;              // mmu.h 14
    static final long W = 0x2L;              // mmu.h 12, 15
    static final long EPT_X = 0x4L;          // vmx.h 419
    static final long EPT_A = 0x100L;        // vmx.h 421
    static final long EPT_D = 0x200L;        // vmx.h 422
    static final long HOST = 0x400L;         // mmu.c 94, 149
    static final long MMU = 0x800L;          // mmu.c 94, 150
    /**
     * Write-back memory type and ignore-PAT, as vmx_get_mt_mask gives for RAM (vmx.c 7648-7649:
     * MTRR_TYPE_WRBACK = 6, uapi/asm/mtrr.h 113, shifted by VMX_EPT_MT_EPTE_SHIFT = 3, vmx.h 413,
     * plus VMX_EPT_IPAT_BIT = 1 << 6, vmx.h 420).
     */
    static final long EPT_MT_WB = (6L << 3) | (1L << 6);
    static final long PFN_BITS = 0x4_2000L << 12;

    static final int SLOT = 0;
    static final long BASE_GFN = 0x400;
    static final long NPAGES = 128; // two dirty-bitmap words

    private final List<Long> pages = new ArrayList<>();

    @AfterEach
    void freePages() {
        for (long p : pages) {
            mm.free_page(p);
        }
    }

    private long newPage() {
        long p = mm.__get_free_page();
        pages.add(p);
        return p;
    }

    /** The leaf bits every state shares; A (and D) are there only when the format has them. */
    private static long base(boolean ad) {
        return P | EPT_X | EPT_MT_WB | HOST | PFN_BITS | (ad ? EPT_A | EPT_D : 0);
    }

    static long writable(boolean ad) {
        return base(ad) | W | MMU;
    }

    static long dirtyLogged(boolean ad) {
        return base(ad) | MMU;
    }

    static long shadowProtected(boolean ad) {
        return base(ad);
    }

    // ---- spte_write_protect on one word ----

    /** (A/D bits, state name, old spte, pt_protect, expected return, expected new spte). */
    static Stream<Arguments> writeProtectCases() {
        List<Arguments> out = new ArrayList<>();
        for (boolean ad : new boolean[] {false, true}) {
            // (a) writable: both kinds clear W; the old spte had both software bits, so
            // mmu_spte_update reports the flush (mmu.c 599-601) either way.
            out.add(arguments(ad, "(a) writable", writable(ad), true, true, shadowProtected(ad)));
            out.add(arguments(ad, "(a) writable", writable(ad), false, true, dirtyLogged(ad)));
            // (b) dirty-logged: shadowing must still clear SPTE_MMU_WRITEABLE and owe the flush
            // dirty logging may not have done yet (mmu.c 1196-1197, 1202-1203); dirty logging
            // itself finds nothing to do (W already clear).
            out.add(arguments(ad, "(b) dirty-logged", dirtyLogged(ad), true, true, shadowProtected(ad)));
            out.add(arguments(ad, "(b) dirty-logged", dirtyLogged(ad), false, false, dirtyLogged(ad)));
            // (c) shadow-protected: nothing to do, nothing owed.
            out.add(arguments(ad, "(c) shadow-protected", shadowProtected(ad), true, false, shadowProtected(ad)));
            out.add(arguments(ad, "(c) shadow-protected", shadowProtected(ad), false, false, shadowProtected(ad)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "A/D {0}: {1}, pt_protect={3} -> {4}")
    @MethodSource("writeProtectCases")
    void spteWriteProtect(boolean ad, String state, long old_spte, boolean pt_protect, boolean expected,
                          long expected_spte) {
        BareVm vm = BareVm.create(ad);
        long sptep = newPage() + 8 * 300;
        mm.assign(sptep, old_spte);
        long warnings = bug.warningCount();
        long accessed = kvm_main.host_pfn_accessed.get();
        long dirtied = kvm_main.host_pfn_dirtied.get();

        assertEquals(expected, mmu.spte_write_protect(vm.kvm, sptep, pt_protect), state + ": flush owed");

        assertEquals(Long.toHexString(expected_spte), Long.toHexString(mm.deref(sptep)), state + ": resulting spte");
        assertEquals(warnings, bug.warningCount());
        // write protection never touches A/D, so nothing is passed on to the host page
        assertEquals(accessed, kvm_main.host_pfn_accessed.get());
        assertEquals(dirtied, kvm_main.host_pfn_dirtied.get());
        assertEquals(0, (int) vm.tlbFlushes(), "spte_write_protect reports, it does not flush");
        assertEquals(0, vm.kvm.stat.remote_tlb_flush.get());
    }

    // ---- __rmap_write_protect over a hand-built rmap ----

    /** An rmap (spanning two descriptors when it has more than three entries) over the given sptes. */
    /** A vCPU of a VM with a slot (so the MMU has a shadow-page budget); the rmaps below are hand-built. */
    private static kvm_vcpu vcpuOf(BareVm vm) {
        vm.addSlot(SLOT, BASE_GFN, NPAGES, false);
        return vm.addVcpu(0);
    }

    private LongPtr rmapOf(kvm_vcpu vcpu, long... sptes) {
        assertEquals(0, mmu.mmu_topup_memory_caches(vcpu));
        LongPtr head = LongPtr.word();
        for (long s : sptes) {
            mmu.pte_list_add(vcpu, s, head);
        }
        return head;
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void rmapWriteProtectVisitsEverySpteOfAMixedChain(boolean ad) {
        BareVm vm = BareVm.create(ad);
        kvm_vcpu vcpu = vcpuOf(vm);
        long page = newPage();
        long[] sptes = new long[6];
        long[] states = {writable(ad), dirtyLogged(ad), shadowProtected(ad), writable(ad), dirtyLogged(ad),
                         shadowProtected(ad)};
        for (int i = 0; i < sptes.length; i++) {
            sptes[i] = page + 8L * (i * 5 + 1);
            mm.assign(sptes[i], states[i]);
        }

        // pt_protect = false over the whole chain: the writable ones lose W only, and they owe
        LongPtr all = rmapOf(vcpu, sptes);
        assertEquals(1L, all.get() & 1, "six sptes: a descriptor chain");
        assertTrue(mmu.__rmap_write_protect(vm.kvm, all, false));
        for (int i = 0; i < sptes.length; i++) {
            long expected = states[i] == shadowProtected(ad) ? shadowProtected(ad) : dirtyLogged(ad);
            assertEquals(expected, mm.deref(sptes[i]), "dirty-log protect, spte " + i);
        }

        // Now (b),(b),(c),(b),(b),(c): dirty logging has nothing left to do...
        assertFalse(mmu.__rmap_write_protect(vm.kvm, all, false));
        // ...but shadowing does, and owes a flush for every spte dirty logging left MMU-writable
        assertTrue(mmu.__rmap_write_protect(vm.kvm, all, true));
        for (int i = 0; i < sptes.length; i++) {
            assertEquals(shadowProtected(ad), mm.deref(sptes[i]), "shadow protect, spte " + i);
        }
        // and then nothing is owed any more
        assertFalse(mmu.__rmap_write_protect(vm.kvm, all, true));
        assertFalse(mmu.__rmap_write_protect(vm.kvm, all, false));
    }

    @Test
    void rmapWriteProtectOfOnlyShadowProtectedSptesOwesNothing() {
        BareVm vm = BareVm.create(false);
        kvm_vcpu vcpu = vcpuOf(vm);
        long page = newPage();
        long a = page + 8, b = page + 16, c = page + 24, d = page + 32;
        for (long s : new long[] {a, b, c, d}) {
            mm.assign(s, shadowProtected(false));
        }
        LongPtr rmap = rmapOf(vcpu, a, b, c, d);
        assertFalse(mmu.__rmap_write_protect(vm.kvm, rmap, true));
        assertFalse(mmu.__rmap_write_protect(vm.kvm, rmap, false));

        // one dirty-logged spte in the last descriptor is enough for pt_protect to owe a flush
        mm.assign(d, dirtyLogged(false));
        assertFalse(mmu.__rmap_write_protect(vm.kvm, rmap, false));
        assertTrue(mmu.__rmap_write_protect(vm.kvm, rmap, true));
        assertEquals(shadowProtected(false), mm.deref(d));
    }

    @Test
    void rmapWriteProtectOfAnEmptyRmapOwesNothing() {
        BareVm vm = BareVm.create(false);
        assertFalse(mmu.__rmap_write_protect(vm.kvm, LongPtr.word(), true));
        assertFalse(mmu.__rmap_write_protect(vm.kvm, LongPtr.word(), false));
    }

    @Test
    void rmapWriteProtectOfANonPresentSpteIsABug() {
        // mmu.c 1215: every spte on an rmap must have bit 0 set
        BareVm vm = BareVm.create(false);
        kvm_vcpu vcpu = vcpuOf(vm);
        long page = newPage();
        long a = page + 8, b = page + 16;
        mm.assign(a, writable(false));
        mm.assign(b, writable(false) & ~P);
        LongPtr rmap = rmapOf(vcpu, a, b);
        assertThrows(KernelBug.class, () -> mmu.__rmap_write_protect(vm.kvm, rmap, true));
    }

    // ---- Over a real VM ----

    /** A VM with one slot and one vCPU, with the given gfns faulted in by writes. */
    private static kvm_vcpu vmWithWrites(BareVm vm, boolean logging, long... gfns) {
        vm.addSlot(SLOT, BASE_GFN, NPAGES, logging);
        kvm_vcpu vcpu = vm.addVcpu(0);
        for (long g : gfns) {
            assertEquals(0, BareVm.fault(vcpu, g, true, false), "write fault at gfn " + Long.toHexString(g));
            long spte = BareVm.leafSpte(vcpu, g);
            assertEquals(P | W, spte & (P | W), "present and writable after the write fault");
            assertEquals(HOST | MMU, spte & (HOST | MMU), "both software bits (mmu.c 2453-2454, 2472)");
        }
        return vcpu;
    }

    private static boolean rmapWriteProtectLocked(BareVm vm, long gfn) {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            return mmu.rmap_write_protect(vm.kvm, gfn);
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    private static void writeProtectMaskedLocked(BareVm vm, long gfn_offset, long mask) {
        kvm_memory_slot slot = kvm_main.gfn_to_memslot(vm.kvm, BASE_GFN);
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            mmu.kvm_mmu_write_protect_pt_masked(vm.kvm, slot, gfn_offset, mask);
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void rmapWriteProtectOfWritableMappings(boolean ad) {
        BareVm vm = BareVm.create(ad);
        long g1 = BASE_GFN + 3, g2 = BASE_GFN + 17, g3 = BASE_GFN + 40;
        kvm_vcpu vcpu = vmWithWrites(vm, false, g1, g2, g3);
        long before1 = BareVm.leafSpte(vcpu, g1);
        long before2 = BareVm.leafSpte(vcpu, g2);
        long before3 = BareVm.leafSpte(vcpu, g3);
        int flushes = vm.kvm.stat.remote_tlb_flush.get();
        int hwFlushes = (int) vm.tlbFlushes();

        assertTrue(rmapWriteProtectLocked(vm, g2), "a writable spte was made read-only: flush owed");
        long after2 = BareVm.leafSpte(vcpu, g2);
        assertEquals(0L, after2 & (W | MMU), "W and SPTE_MMU_WRITEABLE cleared");
        assertEquals(P | HOST, after2 & (P | HOST), "still present, host-writable kept");
        assertEquals(before2 & ~(W | MMU), after2, "nothing else changed (same pfn, same A/D, same memory type)");
        // the neighbours are untouched
        assertEquals(before1, BareVm.leafSpte(vcpu, g1));
        assertEquals(before3, BareVm.leafSpte(vcpu, g3));
        // rmap_write_protect only reports: the caller (kvm_mmu_get_page, mmu.c 1979-1980) flushes
        assertEquals(flushes, vm.kvm.stat.remote_tlb_flush.get());
        assertEquals(hwFlushes, (int) vm.tlbFlushes());

        // Second time: already shadow-protected, nothing owed, nothing changed.
        assertFalse(rmapWriteProtectLocked(vm, g2));
        assertEquals(after2, BareVm.leafSpte(vcpu, g2));

        // A gfn of the slot that was never mapped: empty rmaps at every level.
        long unmapped = BASE_GFN + 100;
        assertEquals(0L, BareVm.leafSpte(vcpu, unmapped));
        assertFalse(rmapWriteProtectLocked(vm, unmapped));
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void writeProtectPtMaskedClearsOnlyWOfTheMaskedGfns(boolean ad) {
        BareVm vm = BareVm.create(ad);
        long[] offsets = {0, 5, 63, 64, 70, 127, 6, 65};
        long[] gfns = new long[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            gfns[i] = BASE_GFN + offsets[i];
        }
        kvm_vcpu vcpu = vmWithWrites(vm, true, gfns);
        long[] before = new long[gfns.length];
        for (int i = 0; i < gfns.length; i++) {
            before[i] = BareVm.leafSpte(vcpu, gfns[i]);
        }

        // first word: offsets 0, 5, 63 (not 6); second word (gfn_offset 64): 0 and 63, i.e. 64 and 127 (not 65, 70)
        writeProtectMaskedLocked(vm, 0, (1L << 0) | (1L << 5) | (1L << 63));
        writeProtectMaskedLocked(vm, 64, (1L << 0) | (1L << 63));

        for (int i = 0; i < gfns.length; i++) {
            long off = offsets[i];
            boolean masked = off == 0 || off == 5 || off == 63 || off == 64 || off == 127;
            long expected = masked ? before[i] & ~W : before[i];
            assertEquals(Long.toHexString(expected), Long.toHexString(BareVm.leafSpte(vcpu, gfns[i])),
                    "gfn offset " + off + (masked ? " (masked: W cleared, SPTE_MMU_WRITEABLE kept)" : " (untouched)"));
        }
    }

    /**
     * The lesson of the seed commit ("KVM: MMU: flush tlb out of mmu lock when
     * write-protect the sptes"): KVM_GET_DIRTY_LOG may now drop mmu_lock before it flushes, so a
     * spte it made read-only can still have writable TLB entries. A shadow write-protect that
     * runs in that window sees W already clear, yet must report the flush as owed, because it
     * asks SPTE_MMU_WRITEABLE (which dirty logging never clears) rather than W (mmu.h 107-139,
     * mmu.c 1196-1197 and 599-601).
     */
    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("flush out of mmu_lock: rmap_write_protect owes a flush for a spte dirty logging left read-only unflushed")
    void flushOutOfMmuLock_rmapWriteProtectOwesFlushForSpteDirtyLogLeftReadOnlyWithoutFlush(boolean ad) {
        BareVm vm = BareVm.create(ad);
        long gfn = BASE_GFN + 9;
        kvm_vcpu vcpu = vmWithWrites(vm, true, gfn);
        long writableSpte = BareVm.leafSpte(vcpu, gfn);
        int flushes = vm.kvm.stat.remote_tlb_flush.get();
        int hwFlushes = (int) vm.tlbFlushes();

        // The KVM_GET_DIRTY_LOG write protect, under mmu_lock, with the flush not yet done.
        writeProtectMaskedLocked(vm, 0, 1L << 9);
        long logged = BareVm.leafSpte(vcpu, gfn);
        assertEquals(writableSpte & ~W, logged, "dirty logging cleared W only");
        assertEquals(HOST | MMU, logged & (HOST | MMU), "SPTE_MMU_WRITEABLE and SPTE_HOST_WRITEABLE kept");
        assertEquals(flushes, vm.kvm.stat.remote_tlb_flush.get(), "no flush yet");
        assertEquals(hwFlushes, (int) vm.tlbFlushes(), "no flush yet");

        // Shadowing a guest page table in that window: the spte is read-only, but a writable TLB
        // entry may still exist, so a flush is owed.
        assertTrue(rmapWriteProtectLocked(vm, gfn), "rmap_write_protect must report the flush owed");
        long protectedSpte = BareVm.leafSpte(vcpu, gfn);
        assertEquals(logged & ~MMU, protectedSpte, "SPTE_MMU_WRITEABLE cleared, nothing else changed");

        // After that, nothing more is owed.
        assertFalse(rmapWriteProtectLocked(vm, gfn));
    }

    @Test
    void afterAFullDirtyLogHarvestRmapWriteProtectStillReportsAFlush() {
        // KVM_GET_DIRTY_LOG write-protects and then flushes (x86.c 3599-3664); the spte keeps
        // SPTE_MMU_WRITEABLE, and spte_write_protect cannot know the flush already happened, so
        // it conservatively reports one owed (mmu.c 1196-1197).
        BareVm vm = BareVm.create(false);
        long gfn = BASE_GFN + 70;
        kvm_vcpu vcpu = vmWithWrites(vm, true, gfn);
        long[] log = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << 6, log[1], "the written page is reported dirty");
        long spte = BareVm.leafSpte(vcpu, gfn);
        assertEquals(MMU | HOST, spte & (W | MMU | HOST), "read-only, still MMU-writable");

        assertTrue(rmapWriteProtectLocked(vm, gfn));
        assertEquals(0L, BareVm.leafSpte(vcpu, gfn) & (W | MMU));
    }
}
