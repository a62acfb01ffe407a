// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
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
import org.mmulab.kernel.linux.KernelBug;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * Grader of exercise 5. Rmaps are built with the port's {@code pte_list_add}, so the shapes are
 * the kernel's: a chain fills its last descriptor first, three sptes per descriptor. Sptes here
 * are distinct 8-aligned addresses in one page ({@code s(1)}, {@code s(2)}, ...); the list code
 * never dereferences them. Shapes are written [1,2,3]->[4]: one bracket per descriptor.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex5Grader {
    private BareVm vm;
    private kvm_vcpu vcpu;
    private long page;
    private long baseline;

    @BeforeEach
    void setUp() {
        vm = BareVm.create();
        vm.addSlot(0, 0x100, 16, false);
        vcpu = vm.addVcpu(0);
        page = vm.page();
        assertEquals(0, mmu.mmu_topup_memory_caches(vcpu), "mmu_topup_memory_caches");
        baseline = descsHeld();
    }

    @AfterEach
    void tearDown() {
        vm.close();
    }

    /** Descriptors taken from pte_list_desc_cache and not sitting in the vCPU's memory cache. */
    private long descsHeld() {
        return mmu.pte_list_desc_cache.live_objects() - vcpu.arch.mmu_pte_list_desc_cache.nobjs;
    }

    private long descsInUse() {
        return descsHeld() - baseline;
    }

    private long s(int i) {
        return page + 8L * i;
    }

    private int n(long spte) {
        return (int) ((spte - page) / 8);
    }

    /** A head holding s(from) .. s(to), added in that order with the port's pte_list_add. */
    private LongPtr head(int from, int to) {
        assertEquals(0, mmu.mmu_topup_memory_caches(vcpu), "mmu_topup_memory_caches");
        LongPtr h = LongPtr.word();
        for (int i = from; i <= to; i++) {
            mmu.pte_list_add(vcpu, s(i), h);
        }
        return h;
    }

    /** The head's shape: "empty", "single 4", or "[1,2,3]->[4]"; checks the chain's rules on the way. */
    private String shape(LongPtr head) {
        long h = head.get();
        if (h == 0) {
            return "empty";
        }
        if ((h & 1) == 0) {
            return "single " + n(h);
        }
        StringBuilder b = new StringBuilder();
        IdentityHashMap<mmu.pte_list_desc, Boolean> seen = new IdentityHashMap<>();
        for (mmu.pte_list_desc d = mmu.pte_list_desc_cache.lookup(h & ~1L); d != null; d = d.more) {
            assertNull(seen.put(d, true), "a cycle in the descriptor chain");
            assertEquals(d, mmu.pte_list_desc_cache.lookup(d.addr), "a chained descriptor was freed");
            assertNotEquals(0L, d.sptes[0], "an empty descriptor was left in the chain: " + Arrays.toString(d.sptes));
            boolean hole = false;
            List<String> entries = new ArrayList<>();
            for (long e : d.sptes) {
                if (e == 0) {
                    hole = true;
                } else {
                    assertTrue(!hole, "a descriptor must be packed (no entry after a hole): " + Arrays.toString(d.sptes));
                    entries.add(Integer.toString(n(e)));
                }
            }
            b.append(b.length() == 0 ? "" : "->").append('[').append(String.join(",", entries)).append(']');
        }
        return b.toString();
    }

    private void remove(LongPtr head, int... which) {
        for (int i : which) {
            mmu.pte_list_remove(s(i), head);
        }
    }

    @Test
    @Order(1)
    @Points(1)
    @DisplayName("single spte: removing it empties the head")
    void single() {
        LongPtr h = head(1, 1);
        assertEquals("single 1", shape(h), "set-up");
        remove(h, 1);
        assertEquals("empty", shape(h), "head after removing the only spte");
        assertEquals(0L, h.get(), "an empty rmap head is 0");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("one descriptor, two sptes: remove one, then the other (descriptor freed)")
    void twoInOne() {
        LongPtr h = head(1, 2);
        assertEquals("[1,2]", shape(h), "set-up");
        assertEquals(1, descsInUse(), "set-up: one descriptor");
        remove(h, 1);
        assertEquals("[2]", shape(h), "the kernel keeps a one-entry descriptor; it does not turn the head back into a single spte");
        remove(h, 2);
        assertEquals("empty", shape(h), "after removing both");
        assertEquals(0, descsInUse(), "the emptied descriptor must be freed (kmem_cache_free)");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("full descriptor: removing first, middle or last fills the hole with the last entry")
    void firstMiddleLast() {
        LongPtr h = head(1, 3);
        assertEquals("[1,2,3]", shape(h), "set-up");
        remove(h, 1);
        assertEquals("[3,2]", shape(h), "remove the first of [1,2,3]");
        h = head(1, 3);
        remove(h, 2);
        assertEquals("[1,3]", shape(h), "remove the middle of [1,2,3]");
        h = head(1, 3);
        remove(h, 3);
        assertEquals("[1,2]", shape(h), "remove the last of [1,2,3]");
    }

    @Test
    @Order(4)
    @Points(2)
    @DisplayName("two descriptors: emptying the last one unlinks and frees it")
    void lastDescEmptied() {
        LongPtr h = head(1, 4);
        assertEquals("[1,2,3]->[4]", shape(h), "set-up");
        long before = descsInUse();
        remove(h, 4);
        assertEquals("[1,2,3]", shape(h), "after removing 4");
        assertEquals(before - 1, descsInUse(), "the emptied descriptor must be freed");
        remove(h, 2);
        assertEquals("[1,3]", shape(h), "after removing 2 as well");
    }

    @Test
    @Order(5)
    @Points(2)
    @DisplayName("emptying the first descriptor: the head moves to the next one")
    void firstDescEmptied() {
        LongPtr h = head(1, 7);
        assertEquals("[1,2,3]->[4,5,6]->[7]", shape(h), "set-up");
        long before = descsInUse();
        remove(h, 1, 2);
        assertEquals("[3]->[4,5,6]->[7]", shape(h), "after removing 1 and 2");
        remove(h, 3);
        assertEquals("[4,5,6]->[7]", shape(h), "after emptying the first descriptor, the head must point at the second (bit 0 set)");
        assertEquals(1L, h.get() & 1, "the head is still a tagged descriptor pointer");
        assertEquals(before - 1, descsInUse(), "the emptied descriptor must be freed");
    }

    @Test
    @Order(6)
    @Points(2)
    @DisplayName("emptying a middle descriptor: its predecessor skips it")
    void middleDescEmptied() {
        LongPtr h = head(1, 10);
        assertEquals("[1,2,3]->[4,5,6]->[7,8,9]->[10]", shape(h), "set-up");
        long before = descsInUse();
        remove(h, 5, 4);
        assertEquals("[1,2,3]->[6]->[7,8,9]->[10]", shape(h), "after removing 5 and 4");
        remove(h, 6);
        assertEquals("[1,2,3]->[7,8,9]->[10]", shape(h), "after emptying the second descriptor");
        assertEquals(before - 1, descsInUse(), "the emptied descriptor must be freed");
        remove(h, 10, 9, 8, 7, 3, 2, 1);
        assertEquals("empty", shape(h), "after removing everything");
        assertEquals(0, descsInUse(), "every descriptor freed");
    }

    @Test
    @Order(7)
    @Points(1)
    @DisplayName("removing an spte that is not there is a kernel BUG, in every shape")
    void missingIsBug() {
        LongPtr empty = LongPtr.word();
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(9), empty), "empty head: BUG()");
        LongPtr one = head(1, 1);
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(9), one), "single spte that differs: BUG()");
        assertEquals("single 1", shape(one), "a failed removal leaves the head alone");
        LongPtr many = head(1, 5);
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(9), many), "chain without it: BUG()");
        assertEquals("[1,2,3]->[4,5]", shape(many), "a failed removal leaves the chain alone");
        // 0 is what an empty head and an empty descriptor slot hold, never an spte
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(0L, empty),
                "removing 0 from an empty head: BUG() (an empty head is its own case, not a single spte that differs)");
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(0L, many),
                "removing 0 from [1,2,3]->[4,5]: BUG() (the scan of a descriptor stops at its first empty slot;"
                        + " an empty slot is not an entry)");
        assertEquals("[1,2,3]->[4,5]", shape(many), "a failed removal leaves the chain alone");
    }

    @Test
    @Order(8)
    @Points(2)
    @DisplayName("500 random adds and removes against a model set; nothing leaks")
    void random() {
        Random r = new Random(3160);
        LongPtr h = head(1, 0);
        Set<Integer> model = new TreeSet<>();
        for (int step = 0; step < 500; step++) {
            int i = 1 + r.nextInt(40);
            if (model.contains(i)) {
                mmu.pte_list_remove(s(i), h);
                model.remove(i);
            } else {
                assertEquals(0, mmu.mmu_topup_memory_caches(vcpu), "mmu_topup_memory_caches");
                mmu.pte_list_add(vcpu, s(i), h);
                model.add(i);
            }
            shape(h); // the chain's rules hold after every step
            Set<Integer> walked = new TreeSet<>();
            mmu.pte_list_walk(h, spte -> assertTrue(walked.add(n(spte)), "spte " + n(spte) + " is in the rmap twice"));
            assertEquals(model, walked, "the rmap's sptes after step " + step);
            if ((h.get() & 1) == 0) {
                assertEquals(0, descsInUse(), "a head without a chain holds no descriptor (step " + step + ")");
            }
        }
        for (int i : new ArrayList<>(model)) {
            mmu.pte_list_remove(s(i), h);
        }
        assertEquals("empty", shape(h), "after removing everything");
        assertEquals(0, descsInUse(), "every descriptor freed");
    }
}
