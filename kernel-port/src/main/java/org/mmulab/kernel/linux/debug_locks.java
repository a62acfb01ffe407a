// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code lib/debug_locks.c} and {@code include/linux/debug_locks.h}: the switch that turns every
 * lock checker off once the kernel can no longer be trusted, after the first lockdep report or an
 * oops. The lockdep agent weaves its own switch to this one.
 */
@KernelSource(file = "lib/debug_locks.c", lines = "1-48", name = "debug_locks.c")
public final class debug_locks {
    private debug_locks() {}

    /** 1 while lock debugging is on. */
    @KernelSource(file = "lib/debug_locks.c", lines = "24")
    static final AtomicInteger debug_locks = new AtomicInteger(1);

    /** Whether lock debugging is on. */
    public static boolean debug_locks_on() {
        return debug_locks.get() != 0;
    }

    /** Turns lock debugging off; returns whether it was on. */
    @KernelSource(file = "include/linux/debug_locks.h", lines = "14-17")
    static int __debug_locks_off() {
        return debug_locks.getAndSet(0);
    }

    /** The generic "turn off all lock debugging"; returns 1 if this call turned it off. */
    @KernelSource(file = "lib/debug_locks.c", lines = "38-47", note = "no silent mode")
    public static int debug_locks_off() {
        if (__debug_locks_off() != 0) {
            return 1;
        }
        return 0;
    }
}
