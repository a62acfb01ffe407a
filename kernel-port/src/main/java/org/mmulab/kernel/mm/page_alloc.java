// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.mm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.lib.fault_inject;
import org.mmulab.kernel.linux.fault_attr;
import org.mmulab.kernel.linux.gfp;

/**
 * The page allocator's fault injection ({@code CONFIG_FAIL_PAGE_ALLOC=y}). The pages the port
 * allocates behind vzalloc ({@link vmalloc}) pass {@link #should_fail_alloc_page} as
 * {@code __alloc_pages_nodemask} has them do.
 */
@KernelSource(file = "mm/page_alloc.c", lines = "1628-1703", name = "CONFIG_FAIL_PAGE_ALLOC",
        note = "fail_page_alloc and should_fail_alloc_page only")
public final class page_alloc {
    private page_alloc() {}

    /** CONFIG_FAIL_PAGE_ALLOC=y. */
    public static final boolean CONFIG_FAIL_PAGE_ALLOC = fault_inject.CONFIG_FAULT_INJECTION;

    /**
     * {@code fail_page_alloc}: off by default. Armed the way
     * {@code /sys/kernel/debug/fail_page_alloc/} arms it: set {@link #attr}'s fields; vzalloc's
     * pages are order 0, {@code GFP_KERNEL | __GFP_HIGHMEM}, so also set {@link #min_order} to 0
     * and clear {@link #ignore_gfp_wait} and {@link #ignore_gfp_highmem}.
     */
    @KernelSource(file = "mm/page_alloc.c", lines = "1636-1641", name = "fail_page_alloc", note = "the anonymous struct of lines 1630-1635 as static fields")
    public static final class fail_page_alloc {
        private fail_page_alloc() {}

        /** debugfs fail_page_alloc/{probability,interval,times,space,verbose}. */
        public static final fault_attr attr = new fault_attr();
        /** debugfs fail_page_alloc/ignore-gfp-highmem. */
        public static volatile boolean ignore_gfp_highmem = true;
        /** debugfs fail_page_alloc/ignore-gfp-wait. */
        public static volatile boolean ignore_gfp_wait = true;
        /** debugfs fail_page_alloc/min-order. */
        public static volatile int min_order = 1;
    }

    @KernelSource(file = "mm/page_alloc.c", lines = "1649-1661")
    public static boolean should_fail_alloc_page(int gfp_mask, int order) {
        if (order < fail_page_alloc.min_order) {
            return false;
        }
        if ((gfp_mask & gfp.__GFP_NOFAIL) != 0) {
            return false;
        }
        if (fail_page_alloc.ignore_gfp_highmem && (gfp_mask & gfp.__GFP_HIGHMEM) != 0) {
            return false;
        }
        if (fail_page_alloc.ignore_gfp_wait && (gfp_mask & gfp.__GFP_WAIT) != 0) {
            return false;
        }

        return fault_inject.should_fail(fail_page_alloc.attr, 1L << order);
    }
}
