// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.lib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.fixture.FaultInjection;
import org.mmulab.kernel.linux.fault_attr;
import org.mmulab.kernel.linux.gfp;
import org.mmulab.kernel.linux.slab;
import org.mmulab.kernel.mm.failslab;
import org.mmulab.kernel.mm.page_alloc;
import org.mmulab.kernel.mm.vmalloc;

/**
 * {@code should_fail} (lib/fault-inject.c 102-137) and its two injection points as v3.16 has them:
 * failslab (mm/failslab.c 14-26, reached from slab_alloc, mm/slab.c 3383) and fail_page_alloc
 * (mm/page_alloc.c 1649-1661, reached from __alloc_pages_nodemask, 2743).
 */
class FaultInjectTest {

    @AfterEach
    void disarm() {
        FaultInjection.disarm();
    }

    static fault_attr armed() {
        fault_attr a = new fault_attr();
        a.probability = 100;
        return a;
    }

    static List<Boolean> calls(fault_attr a, long size, int n) {
        List<Boolean> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(fault_inject.should_fail(a, size));
        }
        return r;
    }

    @Test
    void initializerIsDisarmed() {
        fault_attr a = new fault_attr();
        assertEquals(0, a.probability, "FAULT_ATTR_INITIALIZER leaves probability 0");
        assertEquals(1, a.interval);
        assertEquals(1, a.times.get());
        assertEquals(0, a.space.get());
        assertEquals(2, a.verbose);
        assertEquals(List.of(false, false, false), calls(a, 8, 3), "probability 0 never fails");
        assertEquals(1, a.times.get(), "and uses up nothing");
    }

    @Test
    void probability100FailsUntilTimesIsUsedUp() {
        fault_attr a = armed();
        a.times.set(2);
        assertEquals(List.of(true, true, false, false), calls(a, 8, 4), "times = 2: two failures, then none");
        assertEquals(0, a.times.get());
    }

    @Test
    void timesMinusOneNeverRunsOut() {
        fault_attr a = armed();
        a.times.set(-1);
        assertEquals(List.of(true, true, true, true, true), calls(a, 8, 5));
        assertEquals(-1, a.times.get(), "-1 is not decremented");
    }

    @Test
    void spaceLetsThatManyBytesThroughFirst() {
        fault_attr a = armed();
        a.space.set(100);
        assertFalse(fault_inject.should_fail(a, 60), "100 > 60: passes, 40 left");
        assertEquals(40, a.space.get());
        assertFalse(fault_inject.should_fail(a, 39), "40 > 39: passes, 1 left");
        assertEquals(1, a.space.get());
        assertTrue(fault_inject.should_fail(a, 1), "1 is not > 1: this call fails");
        assertEquals(1, a.space.get(), "a failing call does not take from space");
        assertEquals(0, a.times.get());
    }

    @Test
    void spaceEqualToTheSizeDoesNotCoverIt() {
        fault_attr a = armed();
        a.space.set(32);
        assertTrue(fault_inject.should_fail(a, 32), "space must be greater than the size");
    }

    @Test
    void intervalFailsEveryNthCall() {
        fault_attr a = armed();
        a.interval = 3;
        a.times.set(-1);
        assertEquals(List.of(false, false, true, false, false, true, false), calls(a, 8, 7));
        assertEquals(7, a.count);
    }

    @Test
    void timesZeroIsCheckedBeforeIntervalCounts() {
        fault_attr a = armed();
        a.interval = 2;
        a.times.set(0);
        assertEquals(List.of(false, false), calls(a, 8, 2));
        assertEquals(0, a.count, "no call got as far as the interval");
    }

    @Test
    void probability0IsCheckedFirst() {
        fault_attr a = new fault_attr();
        a.space.set(100);
        a.interval = 2;
        calls(a, 10, 3);
        assertEquals(100, a.space.get(), "space untouched");
        assertEquals(0, a.count, "interval not counted");
    }

    @Test
    void probabilityBelow100IsRepeatableFromTheSeed() {
        fault_attr a = armed();
        a.probability = 50;
        a.times.set(-1);
        fault_inject.prandom_seed(fault_inject.PRANDOM_SEED);
        List<Boolean> first = calls(a, 8, 200);
        fault_inject.prandom_seed(fault_inject.PRANDOM_SEED);
        assertEquals(first, calls(a, 8, 200), "the same seed, the same failures");
        long failed = first.stream().filter(b -> b).count();
        assertTrue(failed > 60 && failed < 140, "about half of 200 fail at probability 50: " + failed);
    }

    @Test
    void failslabIgnoresSleepingAllocationsByDefault() {
        failslab.attr.probability = 100;
        failslab.attr.times.set(-1);
        assertTrue(failslab.ignore_gfp_wait, "ignore-gfp-wait is 1 at boot");
        assertFalse(failslab.should_failslab(64, gfp.GFP_KERNEL, 0), "GFP_KERNEL may sleep: ignored");
        assertTrue(failslab.should_failslab(64, gfp.GFP_ATOMIC, 0), "GFP_ATOMIC fails");
        assertFalse(failslab.should_failslab(64, gfp.GFP_ATOMIC | gfp.__GFP_NOFAIL, 0), "__GFP_NOFAIL never fails");
        failslab.cache_filter = true;
        assertFalse(failslab.should_failslab(64, gfp.GFP_ATOMIC, 0), "cache-filter: only SLAB_FAILSLAB caches");
        assertTrue(failslab.should_failslab(64, gfp.GFP_ATOMIC, failslab.SLAB_FAILSLAB));
    }

    @Test
    void kmallocChargesTheKmallocCacheSize() {
        assertEquals(32, slab.kmalloc_size(slab.kmalloc_index(1)));
        assertEquals(32, slab.kmalloc_size(slab.kmalloc_index(32)));
        assertEquals(64, slab.kmalloc_size(slab.kmalloc_index(33)));
        assertEquals(96, slab.kmalloc_size(slab.kmalloc_index(65)));
        assertEquals(128, slab.kmalloc_size(slab.kmalloc_index(97)));
        assertEquals(192, slab.kmalloc_size(slab.kmalloc_index(129)));
        assertEquals(256, slab.kmalloc_size(slab.kmalloc_index(193)));
        assertEquals(4096, slab.kmalloc_size(slab.kmalloc_index(4096)));
        assertEquals(16384, slab.kmalloc_size(slab.kmalloc_index(10504)));
        assertEquals(0, slab.kmalloc_index(0));

        // space 97 covers a 65-byte kzalloc (cache kmalloc-96) and leaves 1: the next one fails
        FaultInjection.failslab(97, 1);
        assertEquals("a", slab.kzalloc(65, gfp.GFP_KERNEL, () -> "a"));
        assertEquals(1, failslab.attr.space.get());
        assertEquals(null, slab.kzalloc(8, gfp.GFP_KERNEL, () -> "b"), "space used up: fails");
        assertEquals("c", slab.kzalloc(8, gfp.GFP_KERNEL, () -> "c"), "times = 1: only once");
    }

    @Test
    void failPageAllocNeedsMinOrderAndHighmemForVzalloc() {
        page_alloc.fail_page_alloc.attr.probability = 100;
        page_alloc.fail_page_alloc.attr.times.set(-1);
        page_alloc.fail_page_alloc.ignore_gfp_wait = false;
        assertEquals("v", vmalloc.vzalloc(3 * 4096, () -> "v"), "min-order 1 and ignore-gfp-highmem at boot: order-0 highmem pages never fail");
        page_alloc.fail_page_alloc.min_order = 0;
        assertEquals("v", vmalloc.vzalloc(3 * 4096, () -> "v"), "still ignoring __GFP_HIGHMEM");
        page_alloc.fail_page_alloc.ignore_gfp_highmem = false;
        assertEquals(null, vmalloc.vzalloc(3 * 4096, () -> "v"));

        // space counts pages (1 << order): 3 pages pass and leave 1, the 4th page fails
        FaultInjection.fail_page_alloc(4, 1);
        assertEquals("v", vmalloc.vzalloc(3 * 4096, () -> "v"), "3 pages out of space 4");
        assertEquals(null, vmalloc.vzalloc(4096 + 1, () -> "w"), "its first page finds space 1, not > 1");
        assertEquals("x", vmalloc.vzalloc(4096 + 1, () -> "x"), "times = 1");
    }
}
