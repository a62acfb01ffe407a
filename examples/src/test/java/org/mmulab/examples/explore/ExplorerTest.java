// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

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
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Event;
import org.mmulab.lockdep.explore.JdkCalls;
import org.mmulab.lockdep.explore.Sched;
import org.mmulab.lockdep.explore.Strategy;

/**
 * The explorer and its strategies on small programs that call the scheduler's yield points
 * directly, as woven code does: a lost update found and its replay command printed, a race-free
 * counter explored clean, DFS, an ABBA deadlock reported with each thread's locks, a thread
 * blocked on a monitor reported as a hang, PCT's priorities.
 */
class ExplorerTest {
    /** Two threads each read a counter, yield, and write it back plus one. */
    static final Body LOST_UPDATE = seed -> {
        int[] counter = {0};
        Runnable inc = () -> {
            int v = counter[0];
            Sched.mark("read " + v);
            counter[0] = v + 1;
            Sched.mark("write " + (v + 1));
        };
        Thread a = new Thread(JdkCalls.wrap(inc), "a");
        Thread b = new Thread(JdkCalls.wrap(inc), "b");
        JdkCalls.start(a);
        JdkCalls.start(b);
        JdkCalls.join(a);
        JdkCalls.join(b);
        return counter[0] == 2 ? List.of() : List.of("lost update: counter is " + counter[0]);
    };

    static final Body ATOMIC = seed -> {
        AtomicInteger counter = new AtomicInteger();
        Runnable inc = () -> {
            Sched.mark("before");
            counter.incrementAndGet();
            Sched.mark("after");
        };
        Thread a = new Thread(JdkCalls.wrap(inc), "a");
        Thread b = new Thread(JdkCalls.wrap(inc), "b");
        JdkCalls.start(a);
        JdkCalls.start(b);
        JdkCalls.join(a);
        JdkCalls.join(b);
        return counter.get() == 2 ? List.of() : List.of("counter is " + counter.get());
    };

    /**
     * A spinlock as the port's: a yield point before trying, a spin while taken, one after. The
     * agent's SchedTest has the same toy lock; this copy must stay here, outside the agent's
     * packages, because a deadlock report shows the program's innermost frame and leaves the
     * frames of org.mmulab.lockdep out.
     */
    static void lock(AtomicBoolean l, String name) {
        Sched.lockWait(name);
        while (!l.compareAndSet(false, true)) {
            JdkCalls.onSpinWait();
        }
        Sched.locked(name);
    }

    static void unlock(AtomicBoolean l, String name) {
        l.set(false);
        Sched.unlocked(name);
    }

    /** How a test program takes and drops its toy lock (with or without footprint calls). */
    interface Locking {
        void lock(AtomicBoolean l, String name);

        void unlock(AtomicBoolean l, String name);
    }

    static final Locking PLAIN = new Locking() {
        @Override
        public void lock(AtomicBoolean l, String name) {
            ExplorerTest.lock(l, name);
        }

        @Override
        public void unlock(AtomicBoolean l, String name) {
            ExplorerTest.unlock(l, name);
        }
    };

    static final Body ABBA = abba(PLAIN);

    /** t1 takes A then B, t2 takes B then A. */
    static Body abba(Locking k) {
        return seed -> {
            AtomicBoolean x = new AtomicBoolean();
            AtomicBoolean y = new AtomicBoolean();
            Thread t1 = new Thread(JdkCalls.wrap(() -> {
                k.lock(x, "A");
                k.lock(y, "B");
                k.unlock(y, "B");
                k.unlock(x, "A");
            }), "t1");
            Thread t2 = new Thread(JdkCalls.wrap(() -> {
                k.lock(y, "B");
                k.lock(x, "A");
                k.unlock(x, "A");
                k.unlock(y, "B");
            }), "t2");
            JdkCalls.start(t1);
            JdkCalls.start(t2);
            JdkCalls.join(t1);
            JdkCalls.join(t2);
            return List.of();
        };
    }

    record Explored(int rc, String out) {}

    /** Explorer.explore, with what it printed. */
    static Explored explore(Body body, Explorer.Options o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = Explorer.explore(new Target(body, null), o, new PrintStream(bytes, true, StandardCharsets.UTF_8));
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
            Schedule s1 = Explorer.runOne(LOST_UPDATE, new RandomWalk(seed), seed, o);
            Schedule s2 = Explorer.runOne(LOST_UPDATE, new RandomWalk(seed), seed, o);
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
        Schedule dead = null;
        for (long seed = 1; seed <= 200 && dead == null; seed++) {
            Schedule s = Explorer.runOne(ABBA, new RandomWalk(seed), seed, o);
            if (s.deadlock != null) {
                dead = s;
            }
        }
        assertNotNull(dead, "200 random schedules of ABBA and not one deadlock");
        assertTrue(dead.deadlock.contains("  t1: spins for B (") && dead.deadlock.contains("    holds: A\n"), dead.deadlock);
        assertTrue(dead.deadlock.contains("  t2: spins for A (") && dead.deadlock.contains("    holds: B\n"), dead.deadlock);
        assertTrue(dead.deadlock.contains("  scenario: waits for t1 to end ("), dead.deadlock);
        assertTrue(dead.deadlock.matches("(?s).*    at org\\.mmulab\\.examples\\.explore\\.ExplorerTest\\.lock\\(ExplorerTest\\.java:\\d+\\)\n.*"),
                "the innermost frame of the program, not the scheduler's: " + dead.deadlock);
        assertTrue(dead.found(false));
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
        Body body = seed -> {
            Sched.mark("before");
            synchronized (monitor) { // a monitor: the weaver cannot stand in for it
                Sched.mark("inside");
            }
            return List.of();
        };
        Schedule s = Explorer.runOne(body, new RandomWalk(1), 1, options("random"));
        holder.join();
        assertNotNull(s.hang);
        assertTrue(s.hang.startsWith("scenario is BLOCKED on java.lang.Object@") && s.hang.contains(" held by uncontrolled-holder"),
                s.hang);
        assertTrue(s.found(false));
    }

    /** A thread as a strategy sees it. */
    record Cand(int id, Event.Kind lastKind, boolean justStepped) implements Strategy.Candidate {}

    @Test
    void pctRunsTheHighestPriorityThreadAndDropsItAtAChangePoint() {
        Pct pct = new Pct(7, 2, 10);
        Cand a = new Cand(0, Event.Kind.LOCK, true);
        Cand b = new Cand(1, Event.Kind.LOCK, true);
        pct.created(a);
        pct.created(b);
        List<Cand> both = List.of(a, b);
        Cand top = pct.prio(0) > pct.prio(1) ? a : b;
        Cand other = top == a ? b : a;
        long change = -1;
        for (long step = 1; step <= 10; step++) {
            // each step a synchronization step
            Strategy.Candidate picked = pct.pick(both, top, step, step);
            if (picked != top) {
                change = step;
                break;
            }
        }
        assertNotEquals(-1, change, "depth 2 over 10 synchronization steps has one change point in [1, 10]");
        assertEquals(1, pct.prio(top.id()), "the first change point drops the running thread to priority 1");
        assertSame(other, pct.pick(both, top, change + 1, change + 1));
    }

    @Test
    void aThreadThatWaitsOfItsOwnAccordGoesBehindThoseThatDidNot() {
        Pct pct = new Pct(7, 2, 1000);
        Cand a = new Cand(0, Event.Kind.SCHED, false);
        Cand b = new Cand(1, Event.Kind.SCHED, false);
        pct.created(a);
        pct.created(b);
        Cand top = pct.prio(0) > pct.prio(1) ? a : b;
        Cand other = top == a ? b : a;
        pct.yielded(top);
        assertSame(other, pct.pick(List.of(a, b), top, 1, 0));
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
