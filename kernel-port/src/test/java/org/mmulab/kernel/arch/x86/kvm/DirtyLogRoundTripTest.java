// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.uapi.linux.kvm_h;

/**
 * The whole dirty-logging cycle through the ported ioctls: enable logging, fault pages writable
 * through tdp_page_fault, harvest with KVM_GET_DIRTY_LOG, see exactly the written pages and their
 * sptes read-only with SPTE_MMU_WRITEABLE still set, then write again through fast_page_fault.
 */
class DirtyLogRoundTripTest {
    static final int SLOT = 0;
    static final long BASE_GFN = 0x100;
    static final long NPAGES = 200; // more than three bitmap words

    @ParameterizedTest(name = "EPT A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void harvestReturnsExactlyTheWrittenPagesAndFastPathRelogs(boolean ad) {
        BareVm vm = BareVm.create(ad);
        vm.addSlot(SLOT, BASE_GFN, NPAGES, false);
        kvm_vcpu vcpu = vm.addVcpu(0);

        // Map every page writable before logging starts.
        for (long g = 0; g < NPAGES; g++) {
            assertEquals(0, BareVm.fault(vcpu, BASE_GFN + g, true, false));
            long spte = BareVm.leafSpte(vcpu, BASE_GFN + g);
            assertTrue(mmu_h.is_writable_pte(spte), "writable after a write fault");
        }

        // KVM_MEM_LOG_DIRTY_PAGES: the commit write-protects the whole slot.
        int flushesBefore = vm.kvm.stat.remote_tlb_flush.get();
        assertEquals(0, vm.setRegion(SLOT, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, BASE_GFN, NPAGES));
        for (long g = 0; g < NPAGES; g++) {
            long spte = BareVm.leafSpte(vcpu, BASE_GFN + g);
            assertFalse(mmu_h.is_writable_pte(spte), "W cleared by kvm_mmu_slot_remove_write_access");
            assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0, "SPTE_MMU_WRITEABLE kept by dirty logging");
        }
        // nothing is dirty yet
        long[] first = vm.getDirtyLog(SLOT, NPAGES);
        for (long w : first) {
            assertEquals(0, w);
        }

        // Write a known set of pages: each write faults and is fixed by the fast path.
        long[] written = {0, 1, 63, 64, 65, 127, 128, 199};
        for (long g : written) {
            long before = BareVm.leafSpte(vcpu, BASE_GFN + g);
            assertTrue(mmu.spte_is_locklessly_modifiable(before));
            assertTrue(mmu.fast_page_fault(vcpu, (BASE_GFN + g) << 12, mmu_h.PT_PAGE_TABLE_LEVEL,
                    mmu_h.PFERR_WRITE_MASK | mmu_h.PFERR_PRESENT_MASK), "fast path fixes a dirty-log fault");
            assertEquals(before | mmu_h.PT_WRITABLE_MASK, BareVm.leafSpte(vcpu, BASE_GFN + g), "only W changed");
        }

        long[] log = vm.getDirtyLog(SLOT, NPAGES);
        for (long g = 0; g < NPAGES; g++) {
            boolean expected = false;
            for (long w : written) {
                expected |= w == g;
            }
            boolean got = (log[(int) (g / 64)] & (1L << (g % 64))) != 0;
            assertEquals(expected, got, "dirty bit of page " + g);
            long spte = BareVm.leafSpte(vcpu, BASE_GFN + g);
            assertFalse(mmu_h.is_writable_pte(spte), "read-only again after the harvest, page " + g);
            assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0);
        }
        assertTrue(vm.kvm.stat.remote_tlb_flush.get() >= flushesBefore, "remote flush count never goes down");

        // The next write goes through fast_page_fault again and is logged for the next round.
        assertEquals(0, BareVm.fault(vcpu, BASE_GFN + 5, true, true));
        assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, BASE_GFN + 5)));
        long[] next = vm.getDirtyLog(SLOT, NPAGES);
        assertEquals(1L << 5, next[0]);
        assertEquals(0, next[1] | next[2] | next[3]);
        assertNotEquals(0, vm.kvm.arch.n_used_mmu_pages);
    }
}
