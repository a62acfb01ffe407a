// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The controlled scheduler on small programs that call its yield points directly, as woven code
 * does: a lost update, a race-free counter, an ABBA deadlock, sleeps on the virtual clock.
 */
class SchedTest {
    /** Two threads each read a counter, yield, and write it back plus one. */
    static final Explorer.Body LOST_UPDATE = seed -> {
        int[] counter = {0};
        Runnable inc = () -> {
            int v = counter[0];
            Sched.mark("read " + v);
            counter[0] = v + 1;
            Sched.mark("write " + (v + 1));
        };
        Thread a = new Thread(Sched.wrap(inc), "a");
        Thread b = new Thread(Sched.wrap(inc), "b");
        Sched.start(a);
        Sched.start(b);
        Sched.join(a);
        Sched.join(b);
        return counter[0] == 2 ? List.of() : List.of("lost update: counter is " + counter[0]);
    };

    static final Explorer.Body ATOMIC = seed -> {
        AtomicInteger counter = new AtomicInteger();
        Runnable inc = () -> {
            Sched.mark("before");
            counter.incrementAndGet();
            Sched.mark("after");
        };
        Thread a = new Thread(Sched.wrap(inc), "a");
        Thread b = new Thread(Sched.wrap(inc), "b");
        Sched.start(a);
        Sched.start(b);
        Sched.join(a);
        Sched.join(b);
        return counter.get() == 2 ? List.of() : List.of("counter is " + counter.get());
    };

    /** A spinlock as the port's: a yield point before trying, a spin while taken, one after. */
    static void lock(AtomicBoolean l, String name) {
        Sched.lockWait(name);
        while (!l.compareAndSet(false, true)) {
            Sched.onSpinWait();
        }
        Sched.locked(name);
    }

    static void unlock(AtomicBoolean l, String name) {
        l.set(false);
        Sched.unlocked(name);
    }

    static final Explorer.Body ABBA = seed -> {
        AtomicBoolean x = new AtomicBoolean();
        AtomicBoolean y = new AtomicBoolean();
        Thread t1 = new Thread(Sched.wrap(() -> {
            lock(x, "A");
            lock(y, "B");
            unlock(y, "B");
            unlock(x, "A");
        }), "t1");
        Thread t2 = new Thread(Sched.wrap(() -> {
            lock(y, "B");
            lock(x, "A");
            unlock(x, "A");
            unlock(y, "B");
        }), "t2");
        Sched.start(t1);
        Sched.start(t2);
        Sched.join(t1);
        Sched.join(t2);
        return List.of();
    };

    record Explored(int rc, String out) {}

    /** Explorer.explore, with what it printed. */
    static Explored explore(Explorer.Body body, Explorer.Options o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = Explorer.explore(body, o, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Explored(rc, bytes.toString(StandardCharsets.UTF_8));
    }

    static Explorer.Options options(String strategy) {
        Explorer.Options o = new Explorer.Options();
        o.strategy = strategy;
        o.scenario = "test";
        o.hangSeconds = 20;
        return o;
    }

    @Test
    void randomWalkFindsTheLostUpdateAndPrintsTheReplayCommand() {
        Explorer.Options o = options("random");
        o.budget = 200;
        Explored e = explore(LOST_UPDATE, o);
        int rc = e.rc();
        String out = e.out();
        assertEquals(1, rc, out);
        assertTrue(out.contains("INVARIANT BROKEN (1 violation(s)):\n  lost update: counter is 1\n"), out);
        assertTrue(out.matches("(?s).*\nreplay: \\./mmulab replay test --variant v3\\.16 --strategy random --seed \\d+\n"), out);
    }

    @Test
    void pctFindsTheLostUpdate() {
        Explorer.Options o = options("pct");
        o.budget = 200;
        Explored e = explore(LOST_UPDATE, o);
        assertEquals(1, e.rc(), e.out());
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedMayNot() {
        Explorer.Options o = options("random");
        Set<Long> prints = new HashSet<>();
        for (long seed = 1; seed <= 20; seed++) {
            Explorer.Schedule s1 = Explorer.runOne(LOST_UPDATE, new Strategy.RandomWalk(seed), seed, o);
            Explorer.Schedule s2 = Explorer.runOne(LOST_UPDATE, new Strategy.RandomWalk(seed), seed, o);
            assertEquals(s1.events, s2.events, "seed " + seed);
            assertEquals(s1.fingerprint, s2.fingerprint);
            assertEquals(s1.violations, s2.violations);
            prints.add(s1.fingerprint);
        }
        assertTrue(prints.size() > 1, "20 seeds, one interleaving: the strategy is not choosing");
    }

    @Test
    void aRaceFreeProgramExploresCleanAndSaysHowManyDistinctSchedulesItRan() {
        Explorer.Options o = options("random");
        o.budget = 100;
        Explored e = explore(ATOMIC, o);
        int rc = e.rc();
        String out = e.out();
        assertEquals(0, rc, out);
        assertTrue(out.matches("(?s).*explored 100 schedule\\(s\\), \\d+ distinct, .*: no invariant broke, no deadlock\\.\n"), out);
    }

    @Test
    void dfsEnumeratesPreemptionsAndFindsTheLostUpdate() {
        Explorer.Options o = options("dfs");
        o.budget = 100;
        o.preemptions = 1;
        Explored e = explore(LOST_UPDATE, o);
        int rc = e.rc();
        String out = e.out();
        assertEquals(1, rc, out);
        assertTrue(out.matches("(?s).*\nreplay: .* --strategy dfs --seed 1 --schedule \\d+:\\d+\n"), out);
    }

    @Test
    void aDeadlockIsReportedWithEachThreadsHeldLocksInsteadOfHanging() {
        Explorer.Options o = options("random");
        Explorer.Schedule dead = null;
        for (long seed = 1; seed <= 200 && dead == null; seed++) {
            Explorer.Schedule s = Explorer.runOne(ABBA, new Strategy.RandomWalk(seed), seed, o);
            if (s.deadlock != null) {
                dead = s;
            }
        }
        assertNotNull(dead, "200 random schedules of ABBA and not one deadlock");
        assertTrue(dead.deadlock.contains("  t1: spins for B (") && dead.deadlock.contains("    holds: A\n"), dead.deadlock);
        assertTrue(dead.deadlock.contains("  t2: spins for A (") && dead.deadlock.contains("    holds: B\n"), dead.deadlock);
        assertTrue(dead.found(false));
    }

    @Test
    void sleepsRunOnTheVirtualClockWhichJumpsWhenEveryThreadWaits() {
        long[] seen = new long[2];
        Explorer.Body sleeper = seed -> {
            seen[0] = Sched.nanoTime();
            Sched.sleep(60_000); // a minute, virtually
            seen[1] = Sched.nanoTime();
            return List.of();
        };
        Explorer.Schedule s = Explorer.runOne(sleeper, new Strategy.RandomWalk(1), 1, options("random"));
        assertNull(s.failure);
        assertTrue(seen[1] - seen[0] >= 60_000_000_000L, "virtual time moved " + (seen[1] - seen[0]) + " ns");
    }

    @Test
    void parkWaitsForUnparkAndAPermitGivenFirstIsKept() {
        List<String> order = new ArrayList<>();
        Explorer.Body body = seed -> {
            Thread[] parker = new Thread[1];
            parker[0] = new Thread(Sched.wrap(() -> {
                synchronized (order) {
                    order.add("parking");
                }
                Sched.park(this);
                synchronized (order) {
                    order.add("woke");
                }
            }), "parker");
            Sched.start(parker[0]);
            Sched.mark("before unpark");
            synchronized (order) {
                order.add("unpark");
            }
            Sched.unpark(parker[0]);
            Sched.join(parker[0]);
            return List.of();
        };
        Set<List<String>> seen = new HashSet<>();
        for (long seed = 1; seed <= 20; seed++) {
            order.clear();
            Explorer.Schedule s = Explorer.runOne(body, new Strategy.RandomWalk(seed), seed, options("random"));
            assertNull(s.deadlock, "seed " + seed);
            assertNull(s.failure, "seed " + seed);
            assertEquals("woke", order.get(order.size() - 1), "seed " + seed + ": " + order);
            seen.add(List.copyOf(order));
        }
        // parked first and woken by the unpark; unparked first and the permit kept for the park
        assertEquals(Set.of(List.of("parking", "unpark", "woke"), List.of("unpark", "parking", "woke")), seen);
    }

    @Test
    void aThreadBlockedOnAMonitorOutsideTheSchedulersControlIsReportedNotWaitedOnForever() throws Exception {
        Object monitor = new Object();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (monitor) {
                held.countDown();
                try {
                    Thread.sleep(4000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "uncontrolled-holder");
        holder.start();
        held.await();
        Explorer.Body body = seed -> {
            Sched.mark("before");
            synchronized (monitor) { // a monitor: the weaver cannot stand in for it
                Sched.mark("inside");
            }
            return List.of();
        };
        Explorer.Schedule s = Explorer.runOne(body, new Strategy.RandomWalk(1), 1, options("random"));
        holder.join();
        assertNotNull(s.hang);
        assertTrue(s.hang.startsWith("scenario is BLOCKED on java.lang.Object@") && s.hang.contains(" held by uncontrolled-holder"),
                s.hang);
        assertTrue(s.found(false));
    }

    @Test
    void outsideARunEveryEntryPointIsTheJdkCall() throws Exception {
        Runnable r = () -> { };
        assertSame(r, Sched.wrap(r));
        assertFalse(Sched.controlled());
        long t = System.nanoTime();
        long v = Sched.nanoTime();
        assertTrue(Math.abs(v - t) < 1_000_000_000L);
        assertTrue(Sched.isAlive(Thread.currentThread()));
        Thread th = new Thread(r);
        Sched.start(th);
        Sched.join(th);
        assertFalse(Sched.isAlive(th));
        Sched.mark("ignored"); // no run: no event, no yield
        Sched.onSpinWait();
        Sched.parkNanos(1000);
    }

    @Test
    void pctRunsTheHighestPriorityThreadAndDropsItAtAChangePoint() {
        Strategy.Pct pct = new Strategy.Pct(7, 2, 10);
        Sched.Run run = new Sched.Run(pct, 1, 100);
        Sched.Ctl a = run.register(new Thread("a"));
        Sched.Ctl b = run.register(new Thread("b"));
        List<Sched.Ctl> both = List.of(a, b);
        Sched.Ctl top = a.prio > b.prio ? a : b;
        Sched.Ctl other = top == a ? b : a;
        long change = -1;
        top.lastKind = Event.Kind.LOCK;
        top.justStepped = true;
        for (long step = 1; step <= 10; step++) {
            run.syncSteps = step; // each step a synchronization step
            Sched.Ctl picked = pct.pick(both, top, step);
            if (picked != top) {
                change = step;
                break;
            }
        }
        assertNotEquals(-1, change, "depth 2 over 10 synchronization steps has one change point in [1, 10]");
        assertEquals(1, top.prio, "the first change point drops the running thread to priority 1");
        run.syncSteps = change + 1;
        assertSame(other, pct.pick(both, top, change + 1));
    }

    @Test
    void aDfsScheduleTextIsCheckedWhenParsed() {
        long[][] f = Explorer.parseSchedule("12:1,40:2");
        assertEquals(12, f[0][0]);
        assertEquals(2, f[1][1]);
        assertEquals(0, Explorer.parseSchedule("none")[0].length);
        try {
            Explorer.parseSchedule("40:1,12:2");
            throw new AssertionError("decreasing steps accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("must increase"), e.getMessage());
        }
    }
}
