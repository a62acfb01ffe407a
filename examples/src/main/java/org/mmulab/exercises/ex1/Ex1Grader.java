// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Timeout;
import org.mmulab.fixture.BareVm;
import org.mmulab.exercises.Points;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Grader of exercise 1. An spte is in one of three states: (a) writable (W, SPTE_MMU_WRITEABLE
 * and SPTE_HOST_WRITEABLE set), (b) write-protected by dirty logging (W clear, both software bits
 * set), (c) write-protected for shadowing (W and SPTE_MMU_WRITEABLE clear).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex1Grader {
    public Ex1Grader() {}

    public static final long W = mmu_h.PT_WRITABLE_MASK;
    public static final long MMU_W = mmu.SPTE_MMU_WRITEABLE;
    public static final long HOST_W = mmu.SPTE_HOST_WRITEABLE;
    /** Present, executable, write-back memory type with ignore-PAT, a pfn: what every leaf here shares. */
    public static final long BASE = mmu_h.PT_PRESENT_MASK | 0x4L | (6L << 3) | (1L << 6) | (0x4_2000L << 12);
    public static final long WRITABLE = BASE | HOST_W | MMU_W | W;
    public static final long DIRTY_LOGGED = BASE | HOST_W | MMU_W;
    public static final long SHADOWED = BASE | HOST_W;

    BareVm vm;
    long sptep;

    @BeforeEach
    protected void setUp() {
        vm = BareVm.create();
        sptep = vm.page() + 8 * 17;
    }

    /** The fixture, for the hidden tests. */
    public void setUpForHidden() {
        setUp();
    }

    public void tearDownForHidden() {
        tearDown();
    }

    public long sptep() {
        return sptep;
    }

    @AfterEach
    protected void tearDown() {
        vm.close();
    }

    public boolean protect(long old, boolean pt_protect) {
        mm.assign(sptep, old);
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            return mmu.spte_write_protect(vm.kvm, sptep, pt_protect);
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }

    public static String hex(long v) {
        return String.format("0x%016x", v);
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("(a) writable, dirty logging: W cleared, SPTE_MMU_WRITEABLE kept, flush owed")
    void writableForDirtyLogging() {
        boolean owed = protect(WRITABLE, false);
        assertEquals(hex(DIRTY_LOGGED), hex(mm.deref(sptep)), "new spte");
        assertTrue(owed, "a writable spte was write-protected: the caller owes a TLB flush (return true)");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("(a) writable, shadowing: W and SPTE_MMU_WRITEABLE cleared, flush owed")
    void writableForShadowing() {
        boolean owed = protect(WRITABLE, true);
        assertEquals(hex(SHADOWED), hex(mm.deref(sptep)), "new spte");
        assertTrue(owed, "a writable spte was write-protected: the caller owes a TLB flush (return true)");
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("(b) dirty-logged, dirty logging again: nothing to do, no flush")
    void dirtyLoggedForDirtyLogging() {
        boolean owed = protect(DIRTY_LOGGED, false);
        assertEquals(hex(DIRTY_LOGGED), hex(mm.deref(sptep)), "the spte must not change");
        assertFalse(owed, "W was already clear and pt_protect is false: nothing is owed (return false)");
    }

    @Test
    @Order(4)
    @Points(3)
    @DisplayName("(b) dirty-logged, shadowing: SPTE_MMU_WRITEABLE cleared, flush still owed")
    void dirtyLoggedForShadowing() {
        boolean owed = protect(DIRTY_LOGGED, true);
        assertEquals(hex(SHADOWED), hex(mm.deref(sptep)), "new spte: SPTE_MMU_WRITEABLE must go too");
        assertTrue(owed, "W is clear, but SPTE_MMU_WRITEABLE was set: a writable TLB entry may still exist"
                + " (dirty logging flushes late), so the caller owes a flush (return true)");
    }

    @Test
    @Order(5)
    @Points(1)
    @DisplayName("(c) shadow-protected, either kind: nothing to do, no flush")
    void shadowedEitherWay() {
        for (boolean pt_protect : new boolean[] {false, true}) {
            boolean owed = protect(SHADOWED, pt_protect);
            assertEquals(hex(SHADOWED), hex(mm.deref(sptep)), "the spte must not change (pt_protect=" + pt_protect + ")");
            assertFalse(owed, "already shadow-protected: nothing is owed (pt_protect=" + pt_protect + ")");
        }
    }

    @Test
    @Order(8)
    @Points(2)
    @DisplayName("on a real mapping: fast_page_fault may undo dirty logging, never shadowing")
    void realMapping() {
        long gfn = 0x100;
        vm.addSlot(0, gfn, 16, false);
        kvm_vcpu vcpu = vm.addVcpu(0);
        kvm_main.vcpu_load(vcpu);
        try {
            for (boolean pt_protect : new boolean[] {false, true}) {
                BareVm.write(vcpu, gfn);
                long p = BareVm.leafSptep(vcpu, gfn);
                assertNotEquals(0L, p, "the write fault mapped gfn 0x100");
                assertTrue(mmu_h.is_writable_pte(mm.deref(p)), "writable after a write fault");
                boolean owed;
                spinlock_t.spin_lock(vm.kvm.mmu_lock);
                try {
                    owed = mmu.spte_write_protect(vm.kvm, p, pt_protect);
                } finally {
                    spinlock_t.spin_unlock(vm.kvm.mmu_lock);
                }
                assertTrue(owed, "write-protecting a writable mapped spte owes a flush (pt_protect=" + pt_protect + ")");
                assertFalse(mmu_h.is_writable_pte(mm.deref(p)), "read-only now (pt_protect=" + pt_protect + ")");
                boolean fixed = mmu.fast_page_fault(vcpu, gfn << mm.PAGE_SHIFT, mmu_h.PT_PAGE_TABLE_LEVEL,
                        mmu_h.PFERR_WRITE_MASK | mmu_h.PFERR_PRESENT_MASK);
                if (pt_protect) {
                    assertFalse(fixed, "a shadow-protected spte must send the write to the slow path:"
                            + " fast_page_fault looks at SPTE_MMU_WRITEABLE");
                    assertFalse(mmu_h.is_writable_pte(mm.deref(p)), "still read-only after the fast path declined");
                } else {
                    assertTrue(fixed, "a dirty-logged spte keeps SPTE_MMU_WRITEABLE, so the fast path restores W");
                    assertTrue(mmu_h.is_writable_pte(mm.deref(p)), "W restored by the fast path");
                }
            }
        } finally {
            kvm_main.vcpu_put(vcpu);
        }
    }
}
