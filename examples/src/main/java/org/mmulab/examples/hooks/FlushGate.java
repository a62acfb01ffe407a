// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.hooks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hook woven (by the variant loader) at the entry of {@code kvm_flush_remote_tlbs}: when armed,
 * a flush called from the named thread waits {@code holdMillis} before it starts. That holds the
 * window between a write-protect and its flush open, so a race that plain runs hit only now and
 * then happens on every try. Loaded by the parent loader, so its state is shared with whoever
 * armed it.
 */
public final class FlushGate {
    private static volatile String thread;
    private static volatile long holdNanos;
    private static final AtomicLong held = new AtomicLong();
    private static volatile boolean holding;

    private FlushGate() {}

    public static void arm(String threadName, long holdMillis) {
        holdNanos = TimeUnit.MILLISECONDS.toNanos(holdMillis);
        thread = threadName;
    }

    public static void disarm() {
        thread = null;
    }

    /** How many flushes the gate held so far. */
    public static long held() {
        return held.get();
    }

    /** Whether the gate is armed at all. */
    public static boolean armed() {
        return thread != null;
    }

    /**
     * Waits until the armed thread is being held (its window is open), at most {@code timeoutMillis}.
     * Returns whether it is. Lets the other side of a race act inside the window every time.
     */
    public static boolean awaitHolding(long timeoutMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!holding) {
            if (System.nanoTime() > end || thread == null) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        return true;
    }

    /** Woven into kvm_flush_remote_tlbs: hold the caller if it is the armed thread. */
    public static void beforeFlush() {
        String t = thread;
        if (t != null && Thread.currentThread().getName().equals(t)) {
            held.incrementAndGet();
            holding = true;
            try {
                long end = System.nanoTime() + holdNanos;
                long left;
                while ((left = end - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
            } finally {
                holding = false;
            }
        }
    }
}
