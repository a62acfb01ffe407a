// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.mm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.lib.fault_inject;
import org.mmulab.kernel.linux.fault_attr;
import org.mmulab.kernel.linux.gfp;

/**
 * {@code CONFIG_FAILSLAB=y}: slab allocations (kmalloc, kzalloc, kmemdup) that fail on demand.
 * Off by default ({@link #attr}'s probability is 0). Armed the way
 * {@code /sys/kernel/debug/failslab/} arms it: set {@link #attr}'s fields and, since every
 * allocation the port models may sleep ({@code GFP_KERNEL}), clear {@link #ignore_gfp_wait}.
 */
@KernelSource(file = "mm/failslab.c", lines = "1-60", name = "failslab.c")
public final class failslab {
    private failslab() {}

    /** CONFIG_FAILSLAB=y. */
    public static final boolean CONFIG_FAILSLAB = fault_inject.CONFIG_FAULT_INJECTION;

    /** debugfs failslab/{probability,interval,times,space,verbose}. */
    @KernelSource(file = "mm/failslab.c", lines = "8-12", name = "failslab", note = "the anonymous struct's attr; its other fields are the two flags below")
    public static final fault_attr attr = new fault_attr();
    /** debugfs failslab/ignore-gfp-wait: allocations that may sleep never fail (the default). */
    public static volatile boolean ignore_gfp_wait = true;
    /** debugfs failslab/cache-filter: only caches made with SLAB_FAILSLAB fail (no cache of the port is). */
    public static volatile boolean cache_filter = false;

    /** {@code SLAB_FAILSLAB} (slab.h 85): no cache of the port is created with it. */
    @KernelSource(file = "include/linux/slab.h", lines = "85") public static final long SLAB_FAILSLAB = 0x02000000L;

    @KernelSource(file = "mm/failslab.c", lines = "14-26")
    public static boolean should_failslab(long size, int gfpflags, long cache_flags) {
        if ((gfpflags & gfp.__GFP_NOFAIL) != 0) {
            return false;
        }

        if (ignore_gfp_wait && (gfpflags & gfp.__GFP_WAIT) != 0) {
            return false;
        }

        if (cache_filter && (cache_flags & SLAB_FAILSLAB) == 0) {
            return false;
        }

        return fault_inject.should_fail(attr, size);
    }
}
