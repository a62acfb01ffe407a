// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct fault_attr}: when a fault-injection point (failslab, fail_page_alloc) makes its
 * allocation fail. The fields are the debugfs files of the same names: set them to arm the point.
 * A new attr is {@code FAULT_ATTR_INITIALIZER}: probability 0, so it never fails until armed.
 *
 * <p>Model: {@code task_filter} and the stack-trace filter ({@code stacktrace_depth},
 * {@code require_*}, {@code reject_*}) are not ported; the port behaves as with them at their
 * defaults (no task filter, {@code CONFIG_FAULT_INJECTION_STACKTRACE_FILTER=n}).
 */
@KernelSource(file = "include/linux/fault-inject.h", lines = "14-28", name = "struct fault_attr",
        note = "no task_filter or stack-trace filter")
public final class fault_attr {
    /** Percent (0-100) of the calls that get past the other checks and fail; 0 disables. */
    public volatile long probability;
    /** Only every interval-th call may fail (1: every call). */
    public volatile long interval = 1;
    /** How many failures are left; -1: no limit. */
    public final AtomicInteger times = new AtomicInteger(1);
    /** Bytes that are allowed (and subtracted) before a call may fail. */
    public final AtomicInteger space = new AtomicInteger(0);
    /** 1: log each forced failure; 2: with a stack dump too. */
    public volatile long verbose = 2;
    /** Calls counted for {@link #interval}. */
    public long count;

    /** {@code FAULT_ATTR_INITIALIZER} (fault-inject.h 30-36): interval 1, times 1, verbose 2. */
    public fault_attr() {}
}
