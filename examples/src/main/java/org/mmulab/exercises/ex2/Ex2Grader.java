// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.fixture.BareVm;
import org.mmulab.exercises.Points;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Grader of exercise 2: a slot of 192 pages at gfn 0x310 (not a multiple of 64), every page
 * written once by the guest so each has one writable spte; then one dirty-bitmap word is
 * write-protected and every page's spte is checked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex2Grader {
    static final long BASE_GFN = 0x310;
    static final int NPAGES = 192;

    private BareVm vm;
    private kvm_memory_slot slot;
    private kvm_vcpu vcpu;

    @BeforeEach
    void setUp() {
        vm = BareVm.create();
        slot = vm.addSlot(0, BASE_GFN, NPAGES, false);
        vcpu = vm.addVcpu(0);
        kvm_main.vcpu_load(vcpu);
        for (long g = 0; g < NPAGES; g++) {
            BareVm.write(vcpu, BASE_GFN + g);
        }
    }

    @AfterEach
    void tearDown() {
        kvm_main.vcpu_put(vcpu);
        vm.close();
    }

    private void protect(kvm_memory_slot s, long gfn_offset, long mask) {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            mmu.kvm_mmu_write_protect_pt_masked(vm.kvm, s, gfn_offset, mask);
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    /** Page offsets (into the slot at BASE_GFN) whose spte is read-only; checks SPTE_MMU_WRITEABLE stayed. */
    private Set<Long> readOnly() {
        Set<Long> out = new TreeSet<>();
        for (long g = 0; g < NPAGES; g++) {
            long p = BareVm.leafSptep(vcpu, BASE_GFN + g);
            long spte = mm.deref(p);
            assertTrue(mmu.is_shadow_present_pte(spte), "page " + g + " is still mapped");
            assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0,
                    "page " + g + ": dirty logging must keep SPTE_MMU_WRITEABLE (pt_protect is false here)");
            if (!mmu_h.is_writable_pte(spte)) {
                out.add(g);
            }
        }
        return out;
    }

    private static Set<Long> offsets(long... gs) {
        Set<Long> s = new TreeSet<>();
        for (long g : gs) {
            s.add(g);
        }
        return s;
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("one bit: exactly that page is write-protected (slot base and offset added)")
    void oneBit() {
        protect(slot, 64, 1L << 5);
        assertEquals(offsets(69), readOnly(), "read-only pages (offsets into the slot) after mask bit 5 at gfn_offset 64");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("several bits, including bit 0 and bit 63 (the sign bit)")
    void severalBits() {
        protect(slot, 128, 1L | (1L << 1) | (1L << 17) | (1L << 40) | (1L << 63));
        assertEquals(offsets(128, 129, 145, 168, 191), readOnly(), "read-only pages after bits 0, 1, 17, 40, 63 at gfn_offset 128");
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("an all-ones word write-protects all 64 pages, and no other")
    void allOnes() {
        protect(slot, 0, -1L);
        Set<Long> want = new TreeSet<>();
        for (long g = 0; g < 64; g++) {
            want.add(g);
        }
        assertEquals(want, readOnly(), "read-only pages after mask ~0 at gfn_offset 0");
    }

    @Test
    @Order(4)
    @Points(1)
    @DisplayName("an empty mask changes nothing")
    void emptyMask() {
        protect(slot, 64, 0);
        assertEquals(offsets(), readOnly(), "no page may be write-protected for mask 0");
    }

    @Test
    @Order(5)
    @Points(2)
    @DisplayName("the slot passed in is the one used (a second slot at gfn 0x1000)")
    void secondSlot() {
        kvm_memory_slot other = vm.addSlot(1, 0x1000, 64, false);
        for (long g = 0; g < 64; g++) {
            BareVm.write(vcpu, 0x1000 + g);
        }
        protect(other, 0, 1L << 3);
        assertEquals(offsets(), readOnly(), "slot 0 must not be touched when slot 1 is passed");
        for (long g = 0; g < 64; g++) {
            boolean w = mmu_h.is_writable_pte(mm.deref(BareVm.leafSptep(vcpu, 0x1000 + g)));
            assertEquals(g != 3, w, "slot 1, gfn 0x" + Long.toHexString(0x1000 + g) + (g == 3 ? " must be read-only" : " must stay writable"));
        }
    }

    @Test
    @Order(6)
    @Points(2)
    @DisplayName("every spte in a gfn's rmap is write-protected (a pte_list_desc chain)")
    void wholeRmap() {
        // Four more sptes mapping page 10 of the slot, and four mapping page 11, as other shadow
        // pages would: the rmaps of those gfns become descriptor chains.
        long page = vm.page();
        List<Long> ten = new ArrayList<>();
        List<Long> eleven = new ArrayList<>();
        long leaf = mm.deref(BareVm.leafSptep(vcpu, BASE_GFN + 10));
        assertEquals(0, mmu.mmu_topup_memory_caches(vcpu), "mmu_topup_memory_caches");
        for (int i = 0; i < 4; i++) {
            long a = page + 8L * (2 * i + 1);
            long b = page + 8L * (2 * i + 2);
            mm.assign(a, leaf);
            mm.assign(b, leaf);
            mmu.pte_list_add(vcpu, a, mmu.__gfn_to_rmap(BASE_GFN + 10, mmu_h.PT_PAGE_TABLE_LEVEL, slot));
            mmu.pte_list_add(vcpu, b, mmu.__gfn_to_rmap(BASE_GFN + 11, mmu_h.PT_PAGE_TABLE_LEVEL, slot));
            ten.add(a);
            eleven.add(b);
        }
        LongPtr rmap = mmu.__gfn_to_rmap(BASE_GFN + 10, mmu_h.PT_PAGE_TABLE_LEVEL, slot);
        assertEquals(1L, rmap.get() & 1, "set-up: gfn 0x31a's rmap is a descriptor chain");
        protect(slot, 0, 1L << 10);
        for (long a : ten) {
            assertTrue(!mmu_h.is_writable_pte(mm.deref(a)), String.format("an spte in gfn 0x31a's rmap chain is still writable (%s)", a));
            assertTrue((mm.deref(a) & mmu.SPTE_MMU_WRITEABLE) != 0, "SPTE_MMU_WRITEABLE kept on every spte of the chain");
        }
        for (long b : eleven) {
            assertTrue(mmu_h.is_writable_pte(mm.deref(b)), "an spte of gfn 0x31b (bit 11, not set) was write-protected");
        }
        assertEquals(offsets(10), readOnly(), "read-only pages in the slot");
    }

    @Test
    @Order(7)
    @Points(1)
    @DisplayName("no TLB flush inside: the caller flushes once, after mmu_lock")
    void noFlushInside() {
        vcpu.requests.set(0);
        int before = vm.kvm.stat.remote_tlb_flush.get();
        protect(slot, 64, 0xF0F0L);
        assertEquals(before, vm.kvm.stat.remote_tlb_flush.get(), "kvm_flush_remote_tlbs must not be called here");
        assertEquals(0L, vcpu.requests.get() & (1L << kvm_host_h.KVM_REQ_TLB_FLUSH),
                "KVM_REQ_TLB_FLUSH was requested: the flush belongs to the caller, after spin_unlock(&kvm->mmu_lock)");
        assertEquals(offsets(68, 69, 70, 71, 76, 77, 78, 79), readOnly(), "read-only pages after mask 0xf0f0 at gfn_offset 64");
    }

    @Test
    @Order(8)
    @Points(1)
    @DisplayName("pages already read-only, and gfns with an empty rmap, are fine")
    void idempotentAndEmpty() {
        protect(slot, 0, 0b1011L);
        protect(slot, 0, 0b1111L);
        assertEquals(offsets(0, 1, 2, 3), readOnly(), "read-only pages after two overlapping words");
        kvm_memory_slot empty = vm.addSlot(2, 0x2000, 64, false); // never written: every rmap is empty
        protect(empty, 0, -1L);
        assertEquals(offsets(0, 1, 2, 3), readOnly(), "an unmapped slot's word changes nothing elsewhere");
    }
}
