// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The scheduler core on small programs that call its yield points directly, as woven code does,
 * driven by a minimal loop (begin, await, end) and a seeded random strategy: the interleaving is
 * a function of the seed, a lost update is found, an ABBA deadlock is stopped with each thread's
 * state kept, sleeps run on the virtual clock, and the events carry values, not text.
 */
class SchedTest {
    /** Picks uniformly among the enabled threads; records what it was shown. */
    static final class Seeded implements Strategy {
        final SplittableRandom rnd;
        final List<Long> syncSteps = new ArrayList<>();

        Seeded(long seed) {
            rnd = new SplittableRandom(seed);
        }

        @Override
        public Candidate pick(List<? extends Candidate> enabled, Candidate current, long step, long sync) {
            syncSteps.add(sync);
            return enabled.get(rnd.nextInt(enabled.size()));
        }
    }

    /** The minimal driver: one run of {@code body}, stopped if it takes more than 20 s. */
    static Outcome run(Body body, Strategy strategy, long seed, long maxSteps) throws InterruptedException {
        Run r = new Run(strategy, 10_000, maxSteps);
        r.begin("scenario", body, seed);
        Outcome o;
        try {
            if (!r.await(20_000)) {
                r.stop("test timeout");
            }
        } finally {
            o = r.end();
        }
        return o;
    }

    static Outcome run(Body body, long seed) throws InterruptedException {
        return run(body, new Seeded(seed), seed, 100_000);
    }

    /** Two threads each read a counter, yield, and write it back plus one. */
    static final Body LOST_UPDATE = seed -> {
        int[] counter = {0};
        Runnable inc = () -> {
            int v = counter[0];
            Sched.mark("read");
            counter[0] = v + 1;
            Sched.markDone("read");
        };
        Thread a = new Thread(JdkCalls.wrap(inc), "a");
        Thread b = new Thread(JdkCalls.wrap(inc), "b");
        JdkCalls.start(a);
        JdkCalls.start(b);
        JdkCalls.join(a);
        JdkCalls.join(b);
        return counter[0] == 2 ? List.of() : List.of("lost update: counter is " + counter[0]);
    };

    /** A spinlock as the port's: a yield point before trying, a spin while taken, one after. */
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

    static final Body ABBA = seed -> {
        AtomicBoolean x = new AtomicBoolean();
        AtomicBoolean y = new AtomicBoolean();
        Thread t1 = new Thread(JdkCalls.wrap(() -> {
            lock(x, "A");
            lock(y, "B");
            unlock(y, "B");
            unlock(x, "A");
        }), "t1");
        Thread t2 = new Thread(JdkCalls.wrap(() -> {
            lock(y, "B");
            lock(x, "A");
            unlock(x, "A");
            unlock(y, "B");
        }), "t2");
        JdkCalls.start(t1);
        JdkCalls.start(t2);
        JdkCalls.join(t1);
        JdkCalls.join(t2);
        return List.of();
    };

    @Test
    void theSeedNamesTheInterleavingAndSomeSeedLosesTheUpdate() throws Exception {
        Set<Long> prints = new HashSet<>();
        boolean lost = false;
        for (long seed = 1; seed <= 30; seed++) {
            Outcome o1 = run(LOST_UPDATE, seed);
            Outcome o2 = run(LOST_UPDATE, seed);
            assertEquals(o1.events(), o2.events(), "seed " + seed);
            assertEquals(o1.fingerprint(), o2.fingerprint());
            assertEquals(o1.result(), o2.result());
            assertNull(o1.abort(), "the run ended by itself");
            assertEquals(List.of("scenario", "a", "b"), o1.labels());
            prints.add(o1.fingerprint());
            lost |= !o1.result().isEmpty();
        }
        assertTrue(prints.size() > 1, "30 seeds, one interleaving: the strategy is not choosing");
        assertTrue(lost, "30 random schedules and the update was never lost");
    }

    @Test
    void aDeadlockStopsTheRunAndKeepsEachThreadsStateHeldLocksAndStack() throws Exception {
        Outcome dead = null;
        for (long seed = 1; seed <= 200 && dead == null; seed++) {
            Outcome o = run(ABBA, seed);
            if (o.deadlock()) {
                dead = o;
            }
        }
        assertNotNull(dead, "200 random schedules of ABBA and not one deadlock");
        assertEquals("deadlock: every thread is blocked", dead.abort());
        List<String> seen = new ArrayList<>();
        for (Outcome.Stuck s : dead.stuck()) {
            seen.add(s.label() + " " + s.state() + " for " + s.waitingFor() + " holding " + s.held() + " joining " + s.joining());
            assertFalse(s.at().isEmpty(), "a stack for " + s.label());
        }
        assertTrue(seen.contains("t1 SPIN for B holding [A] joining null"), seen.toString());
        assertTrue(seen.contains("t2 SPIN for A holding [B] joining null"), seen.toString());
        assertTrue(seen.contains("scenario JOINING for null holding [] joining t1"), seen.toString());
        assertEquals(1, dead.stuck().stream().filter(Outcome.Stuck::running).count(), "one thread had the turn");
    }

    @Test
    void eventsCarryTheValuesAndTheProbeAnswersWhatOnlyTheProgramKnows() throws Exception {
        Sched.probe(new Probe() {
            @Override
            public long read(long addr) {
                return 0x55;
            }

            @Override
            public long gfnOf(long sptep) {
                return sptep == 0x1000 ? 0x100000 : -1;
            }

            @Override
            public boolean tlbWritable(Object entry) {
                return entry.equals("rw");
            }

            @Override
            public long violationGfn(Object violation) {
                return 0x100001;
            }
        });
        try {
            long[] peeked = new long[1];
            Outcome o = run(seed -> {
                peeked[0] = Sched.peek(0x1000);
                Sched.spte(0x1000, peeked[0], 0x77);
                Sched.spte(0x2000, 5, 5); // the value already there: no event
                Sched.spteCasFailed(0x2000);
                Sched.access(0x100000, true);
                Sched.tlbLookup(0x100000, "rw");
                Sched.tlbLookup(0x100000, null);
                Sched.request(1, "vcpu0");
                Sched.ioctl(0xae42);
                Sched.ioctlDone(0xae42, -2);
                Sched.check("1", List.of());
                Sched.check("1", List.of("v"));
                Sched.mark("never reached"); // the broken check stopped the run
                return List.of();
            }, 1);
            assertEquals(0x55, peeked[0]);
            List<Event.Detail> details = new ArrayList<>();
            for (Event e : o.events()) {
                details.add(e.detail());
            }
            assertEquals(List.of(new Event.SpteStore(0x1000, 0x55, 0x77), new Event.SpteCasFailed(0x2000),
                    new Event.Access(true, true, true), new Event.Access(true, false, false), new Event.Request(1, "vcpu0"),
                    new Event.Ioctl(0xae42), new Event.IoctlDone(0xae42, -2), new Event.Check("1", true, -1),
                    new Event.Check("1", false, 0x100001)), details);
            assertEquals(0x100000, o.events().get(0).gfn());
            assertEquals(-1, o.events().get(1).gfn());
            assertEquals(List.of("v"), o.violations());
            assertEquals(Set.of(0x100001L), o.violatedGfns());
            assertEquals("invariant broken", o.abort());
            assertNull(o.result(), "the body was unwound");
        } finally {
            Sched.probe(null);
        }
    }

    @Test
    void theStrategyIsToldTheSynchronizationStepsSoFar() throws Exception {
        Seeded s = new Seeded(3);
        run(seed -> {
            Sched.locked("L"); // a synchronization step
            JdkCalls.schedYield(); // a step, not a synchronization point
            Sched.unlocked("L");
            return List.of();
        }, s, 3, 100);
        assertEquals(List.of(1L, 1L, 2L), s.syncSteps);
    }

    @Test
    void aScheduleThatDoesNotEndIsStoppedAtTheStepBoundWithItsThreadsKept() throws Exception {
        Outcome o = run(seed -> {
            while (true) {
                Sched.mark("again");
            }
        }, new Seeded(1), 1, 50);
        assertEquals("the schedule did not end within 50 steps", o.abort());
        assertFalse(o.deadlock());
        assertEquals(1, o.stuck().size());
        assertEquals(51, o.steps(), "stopped at the first step past the bound");
    }

    @Test
    void sleepsRunOnTheVirtualClockWhichJumpsWhenEveryThreadWaits() throws Exception {
        long[] seen = new long[2];
        Outcome o = run(seed -> {
            seen[0] = JdkCalls.nanoTime();
            JdkCalls.sleep(60_000); // a minute, virtually
            seen[1] = JdkCalls.nanoTime();
            return List.of();
        }, 1);
        assertNull(o.failure());
        assertTrue(seen[1] - seen[0] >= 60_000_000_000L, "virtual time moved " + (seen[1] - seen[0]) + " ns");
        assertEquals(new Event.Sleep(60_000_000_000L), o.events().get(0).detail());
    }

    @Test
    void parkWaitsForUnparkAndAPermitGivenFirstIsKept() throws Exception {
        List<String> order = new ArrayList<>();
        Body body = seed -> {
            Thread parker = new Thread(JdkCalls.wrap(() -> {
                synchronized (order) {
                    order.add("parking");
                }
                JdkCalls.park(this);
                synchronized (order) {
                    order.add("woke");
                }
            }), "parker");
            JdkCalls.start(parker);
            Sched.mark("before unpark");
            synchronized (order) {
                order.add("unpark");
            }
            JdkCalls.unpark(parker);
            JdkCalls.join(parker);
            return List.of();
        };
        Set<List<String>> seen = new HashSet<>();
        for (long seed = 1; seed <= 20; seed++) {
            order.clear();
            Outcome o = run(body, seed);
            assertFalse(o.deadlock(), "seed " + seed);
            assertNull(o.failure(), "seed " + seed);
            assertEquals("woke", order.get(order.size() - 1), "seed " + seed + ": " + order);
            seen.add(List.copyOf(order));
        }
        // parked first and woken by the unpark; unparked first and the permit kept for the park
        assertEquals(Set.of(List.of("parking", "unpark", "woke"), List.of("unpark", "parking", "woke")), seen);
    }

    @Test
    void onlyOneRunIsActiveAtATime() throws Exception {
        Run r = new Run(new Seeded(1), 10_000, 1000);
        Body waits = seed -> {
            JdkCalls.sleep(10);
            return List.of();
        };
        r.begin("scenario", waits, 1);
        try {
            assertThrows(IllegalStateException.class, () -> new Run(new Seeded(2), 10_000, 1000).begin("other", waits, 2));
        } finally {
            r.await(5000);
            r.end();
        }
        assertNull(Sched.run, "ended: no run is active");
    }

    @Test
    void outsideARunEveryEntryPointIsTheJdkCall() throws Exception {
        Runnable r = () -> { };
        assertSame(r, JdkCalls.wrap(r));
        assertFalse(Sched.controlled());
        long t = System.nanoTime();
        long v = JdkCalls.nanoTime();
        assertTrue(Math.abs(v - t) < 1_000_000_000L);
        assertTrue(JdkCalls.isAlive(Thread.currentThread()));
        Thread th = new Thread(r);
        JdkCalls.start(th);
        JdkCalls.join(th);
        assertFalse(JdkCalls.isAlive(th));
        Sched.mark("ignored"); // no run: no event, no yield
        assertEquals(0, Sched.peek(0x1000));
        JdkCalls.onSpinWait();
        JdkCalls.parkNanos(1000);
    }
}
