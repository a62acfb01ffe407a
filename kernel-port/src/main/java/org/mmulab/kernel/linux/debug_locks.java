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

    /**
     * Whether lock debugging is on: the kernel's reads of {@code debug_locks}. The lockdep agent
     * weaves its own switch in (a lockdep report turns the kernel's debug_locks off), so that under
     * the agent this reads false once the runtime reported; without it only an oops turns it off.
     */
    @KernelSource(file = "lib/debug_locks.c", lines = "24", name = "debug_locks",
            note = "a read of the variable; the agent ANDs the runtime's debug_locks into the result")
    public static boolean debug_locks_on() {
        return debug_locks.get() != 0;
    }

    /** Sets {@code debug_locks} (lib/debug_locks.c 24): the self-test's closing {@code debug_locks = 0/1}. */
    public static void debug_locks_set(int on) {
        debug_locks.set(on);
    }

    /** Non-zero: lock-debugging reports are not printed (the locking self-test sets it). */
    @KernelSource(file = "lib/debug_locks.c", lines = "32")
    static volatile int debug_locks_silent;

    /** {@code debug_locks_silent}'s value (lib/debug_locks.c 32). */
    public static int debug_locks_silent() {
        return debug_locks_silent;
    }

    /**
     * {@code debug_locks_silent = silent}. A hook: the lockdep agent weaves the runtime's silence
     * in too (its reports are not printed, only counted, while it is set).
     */
    @KernelSource(file = "lib/debug_locks.c", lines = "32", name = "debug_locks_silent",
            note = "a write of the variable, as a method the agent can weave")
    public static void debug_locks_silent_set(int silent) {
        debug_locks_silent = silent;
    }

    /** Turns lock debugging off; returns whether it was on. */
    @KernelSource(file = "include/linux/debug_locks.h", lines = "14-17")
    static int __debug_locks_off() {
        return debug_locks.getAndSet(0);
    }

    /** The generic "turn off all lock debugging"; returns 1 if this call turned it off. */
    @KernelSource(file = "lib/debug_locks.c", lines = "38-47", note = "no console_verbose")
    public static int debug_locks_off() {
        if (__debug_locks_off() != 0) {
            if (debug_locks_silent == 0) {
                return 1;
            }
        }
        return 0;
    }

    /**
     * DEBUG_LOCKS_WARN_ON(c): when {@code c} holds, turns lock debugging off and WARNs (unless
     * silent, or it was off already); returns {@code c}.
     */
    @KernelSource(file = "include/linux/debug_locks.h", lines = "24-34", name = "DEBUG_LOCKS_WARN_ON",
            note = "no oops_in_progress check (the port's oops never returns to the caller)")
    public static boolean DEBUG_LOCKS_WARN_ON(boolean c) {
        if (c) {
            if (debug_locks_off() != 0 && debug_locks_silent == 0) {
                bug.WARN_ON(true);
            }
            return true;
        }
        return false;
    }

    /**
     * The port's milder DEBUG_LOCKS_WARN_ON, for checks whose WARN the port's own tests count: it
     * WARNs every time (lock debugging stays on), except while {@code debug_locks_silent} is set
     * (the locking self-test), where the kernel's is quiet too. Returns {@code c}. A port variant of
     * {@link #DEBUG_LOCKS_WARN_ON} (include/linux/debug_locks.h 24-34), not a kernel element.
     */
    public static boolean DEBUG_LOCKS_WARN_ON_KEEP(boolean c) {
        if (c) {
            if (debug_locks_silent == 0) {
                bug.WARN_ON(true);
            }
            return true;
        }
        return false;
    }

    /**
     * Checks that the current task holds no lock in the memory being freed or re-initialised
     * ({@code from}: the lock object; the port has no addresses, so the range is that object and
     * {@code len} is ignored). Empty as with CONFIG_LOCKDEP=n (debug_locks.h 64-67); the lockdep
     * agent weaves lockdep.c's body: a held lock there is reported as "held lock freed!".
     */
    @KernelSource(file = "include/linux/debug_locks.h", lines = "53", name = "debug_check_no_locks_freed",
            note = "body empty as the CONFIG_LOCKDEP=n inline at debug_locks.h 64-67; the agent weaves kernel/locking/lockdep.c 4067-4089")
    public static void debug_check_no_locks_freed(Object from, long len) {
        // CONFIG_LOCKDEP=n: nothing to check.
    }
}
