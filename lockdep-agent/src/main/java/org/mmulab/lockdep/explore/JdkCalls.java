// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.concurrent.locks.LockSupport;

/**
 * The blocking and timing calls of the JDK as a controlled thread makes them. With
 * {@code explore=true} an ASM pass (the agent's ExploreWeaver) redirects the calls of the port,
 * the machine and the VMM here: spin waits, park and unpark, sleep, join, isAlive, thread start
 * and {@code System.nanoTime}; {@code new Thread(r, ...)} gets {@link #wrap}. On a thread an active
 * {@link Run} controls, each becomes a wait or a step of the run (on its virtual clock); anywhere
 * else, each is exactly the JDK call it replaces.
 */
public final class JdkCalls {
    private JdkCalls() {}

    /** Thread.onSpinWait (cpu_relax): this thread waits for another to do something. */
    public static void onSpinWait() {
        Ctl c = Sched.me();
        if (c == null) {
            Thread.onSpinWait();
            return;
        }
        c.run.spin(c);
    }

    /** Thread.yield in a wait loop: as {@link #onSpinWait()}. */
    public static void spinYield() {
        Ctl c = Sched.me();
        if (c == null) {
            Thread.yield();
            return;
        }
        c.run.spin(c);
    }

    /** Thread.yield in schedule(): a voluntary reschedule, the thread stays runnable. */
    public static void schedYield() {
        Ctl c = Sched.me();
        if (c == null) {
            Thread.yield();
            return;
        }
        c.run.step(c, Event.Kind.SCHED, new Event.Reschedule(), -1);
    }

    public static void park(Object blocker) {
        Ctl c = Sched.me();
        if (c == null) {
            LockSupport.park(blocker);
            return;
        }
        c.run.park(c, Long.MAX_VALUE);
    }

    public static void park() {
        Ctl c = Sched.me();
        if (c == null) {
            LockSupport.park();
            return;
        }
        c.run.park(c, Long.MAX_VALUE);
    }

    public static void parkNanos(long nanos) {
        Ctl c = Sched.me();
        if (c == null) {
            LockSupport.parkNanos(nanos);
            return;
        }
        c.run.park(c, nanos);
    }

    public static void parkNanos(Object blocker, long nanos) {
        Ctl c = Sched.me();
        if (c == null) {
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        c.run.park(c, nanos);
    }

    public static void unpark(Thread t) {
        Run r = Sched.run;
        Ctl target = r == null ? null : r.ctlOf(t);
        if (target == null) {
            LockSupport.unpark(t);
            return;
        }
        r.unpark(target);
    }

    public static void sleep(long millis) throws InterruptedException {
        Ctl c = Sched.me();
        if (c == null) {
            Thread.sleep(millis);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        c.run.sleep(c, millis * 1_000_000L);
    }

    public static void sleep(long millis, int nanos) throws InterruptedException {
        Ctl c = Sched.me();
        if (c == null) {
            Thread.sleep(millis, nanos);
            return;
        }
        if (millis < 0 || nanos < 0 || nanos > 999_999) {
            throw new IllegalArgumentException("bad sleep time");
        }
        c.run.sleep(c, millis * 1_000_000L + nanos);
    }

    public static void join(Thread t) throws InterruptedException {
        join(t, 0);
    }

    public static void join(Thread t, long millis) throws InterruptedException {
        Ctl c = Sched.me();
        Run r = Sched.run;
        Ctl target = r == null ? null : r.ctlOf(t);
        if (c == null || target == null) {
            t.join(millis);
            return;
        }
        c.run.join(c, target, millis == 0 ? Long.MAX_VALUE : millis * 1_000_000L);
    }

    public static boolean isAlive(Thread t) {
        Run r = Sched.run;
        Ctl target = r == null ? null : r.ctlOf(t);
        if (target == null) {
            return t.isAlive();
        }
        Ctl c = Sched.me();
        return c == null ? target.state != Ctl.State.DONE : !r.done(c, target);
    }

    public static long nanoTime() {
        Ctl c = Sched.me();
        if (c == null) {
            return System.nanoTime();
        }
        return c.run.clockOf(c);
    }

    /** new Thread(runnable, ...): a thread started from controlled code runs controlled from its first instruction. */
    public static Runnable wrap(Runnable r) {
        return Sched.run == null ? r : new Controlled(r);
    }

    public static void start(Thread t) {
        Ctl c = Sched.me();
        if (c == null) {
            t.start();
            return;
        }
        c.run.start(c, t);
    }
}
