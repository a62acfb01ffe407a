// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The happens-before hashes that the reduction compares: two orders of the same steps give every
 * thread the same hash exactly when every pair of conflicting steps is ordered the same way.
 * Independent writes commute, reads commute with reads, a write and an access to the same field
 * or element do not, a whole-object access (a JDK call) conflicts with its fields and elements,
 * and a view a JDK call handed out stands for its collection. Then a run under per-thread clocks:
 * its clock reads depend on its own steps only.
 */
class FootprintTest {
    /** Steps of two threads a and b, run in a given order on a fresh table; returns {a.h, b.h}. */
    static long[] order(List<String> order, BiConsumer<String, Env> step) {
        Env env = new Env();
        for (String who : order) {
            Ctl c = who.startsWith("a") ? env.a : env.b;
            step.accept(who, env);
            env.table.close(c, 1);
        }
        return new long[] {env.a.h, env.b.h};
    }

    /** Two controlled threads (not running: only their hashes and open steps are used) and a table. */
    static final class Env {
        final Footprint.Table table = new Footprint.Table();
        final Ctl a = new Ctl(null, 0, Thread.currentThread());
        final Ctl b = new Ctl(null, 1, Thread.currentThread());
        // there before the run: the same objects in every order, as in every schedule of an exploration
        final Object x = X;
        final Object y = Y;
        final long[] array = ARRAY;
        final List<Integer> list = LIST;

        Env() {
            a.h = 11;
            b.h = 22;
            table.open(a);
            table.open(b);
        }

        Ctl ctl(String who) {
            return who.startsWith("a") ? a : b;
        }
    }

    static final Object X = new Object();
    static final Object Y = new Object();
    static final long[] ARRAY = new long[8];
    static final List<Integer> LIST = new ArrayList<>();
    static final int F = 1;
    static final int G = 2;

    @Test
    void writesToDifferentObjectsCommute() {
        BiConsumer<String, Env> s = (who, e) -> e.table.field(e.ctl(who), who.equals("a") ? e.x : e.y, F, true);
        assertArrayEquals(order(List.of("a", "b"), s), order(List.of("b", "a"), s));
    }

    @Test
    void writesToDifferentFieldsOfOneObjectCommute() {
        BiConsumer<String, Env> s = (who, e) -> e.table.field(e.ctl(who), e.x, who.equals("a") ? F : G, true);
        assertArrayEquals(order(List.of("a", "b"), s), order(List.of("b", "a"), s));
    }

    @Test
    void aWriteAndARead_ofOneFieldDoNotCommute() {
        BiConsumer<String, Env> s = (who, e) -> e.table.field(e.ctl(who), e.x, F, who.equals("a"));
        assertNotEquals(order(List.of("a", "b"), s)[1], order(List.of("b", "a"), s)[1]);
    }

    @Test
    void readsCommuteWithReadsButNotWithTheWriteAfterThem() {
        BiConsumer<String, Env> reads = (who, e) -> e.table.field(e.ctl(who), e.x, F, false);
        assertArrayEquals(order(List.of("a", "b"), reads), order(List.of("b", "a"), reads));
        // a1 reads, b writes, a2 reads: the write is ordered between a's two reads or before both
        BiConsumer<String, Env> s = (who, e) -> e.table.field(e.ctl(who), e.x, F, who.equals("b"));
        assertNotEquals(order(List.of("a1", "b", "a2"), s)[0], order(List.of("b", "a1", "a2"), s)[0]);
        // and the writer depends on which reads came before it
        assertNotEquals(order(List.of("a1", "b", "a2"), s)[1], order(List.of("a1", "a2", "b"), s)[1]);
    }

    @Test
    void arrayElementsAreLocationsOfTheirOwn() {
        BiConsumer<String, Env> apart = (who, e) -> e.table.element(e.ctl(who), e.array, who.equals("a") ? 0 : 1, true);
        assertArrayEquals(order(List.of("a", "b"), apart), order(List.of("b", "a"), apart));
        BiConsumer<String, Env> same = (who, e) -> e.table.element(e.ctl(who), e.array, 3, true);
        assertNotEquals(order(List.of("a", "b"), same)[1], order(List.of("b", "a"), same)[1]);
    }

    @Test
    void aWholeObjectAccessConflictsWithItsFieldsAndElements() {
        BiConsumer<String, Env> s = (who, e) -> {
            if (who.equals("a")) {
                e.table.whole(e.ctl(who), e.array); // System.arraycopy into it, say
            } else {
                e.table.element(e.ctl(who), e.array, 5, false);
            }
        };
        assertNotEquals(order(List.of("a", "b"), s)[1], order(List.of("b", "a"), s)[1]);
        BiConsumer<String, Env> f = (who, e) -> {
            if (who.equals("a")) {
                e.table.whole(e.ctl(who), e.x);
            } else {
                e.table.field(e.ctl(who), e.x, G, true);
            }
        };
        assertNotEquals(order(List.of("a", "b"), f)[0], order(List.of("b", "a"), f)[0]);
    }

    @Test
    void readOnlyCallsOnAJdkObjectCommuteAndAViewStandsForItsCollection() {
        BiConsumer<String, Env> reads = (who, e) -> e.table.wholeRead(e.ctl(who), e.list);
        assertArrayEquals(order(List.of("a", "b"), reads), order(List.of("b", "a"), reads));
        BiConsumer<String, Env> viaIterator = (who, e) -> {
            if (who.equals("a")) {
                e.table.whole(e.ctl(who), e.list); // list.add
            } else {
                Iterator<Integer> it = e.list.iterator();
                e.table.alias(it, e.list);
                e.table.wholeRead(e.ctl(who), it); // it.next()
            }
        };
        assertNotEquals(order(List.of("a", "b"), viaIterator)[1], order(List.of("b", "a"), viaIterator)[1]);
    }

    /**
     * Thread a reads its clock after thread b has taken 1 or 7 steps (the strategy runs b whenever
     * it can): with per-thread clocks a reads the same time both ways, with the shared clock it
     * does not.
     */
    @Test
    void underPerThreadClocksAThreadReadsItsOwnTimeWhateverTheOthersDid() throws InterruptedException {
        List<Long> perThread = clockReads(true);
        assertEquals(perThread.get(0), perThread.get(1), "a's clock counts a's steps only");
        List<Long> shared = clockReads(false);
        assertNotEquals(shared.get(0), shared.get(1), "the shared clock counts b's steps too");
    }

    static List<Long> clockReads(boolean perThreadClock) throws InterruptedException {
        List<Long> seen = new ArrayList<>();
        for (int bSteps : new int[] {1, 7}) {
            Body body = seed -> {
                long[] read = new long[1];
                Thread b = new Thread(JdkCalls.wrap(() -> {
                    for (int i = 0; i < bSteps; i++) {
                        Sched.mark("b");
                    }
                }), "b");
                Thread a = new Thread(JdkCalls.wrap(() -> {
                    Sched.mark("a1");
                    Sched.mark("a2");
                    read[0] = JdkCalls.nanoTime();
                }), "a");
                JdkCalls.start(b);
                JdkCalls.start(a);
                JdkCalls.join(a);
                JdkCalls.join(b);
                seen.add(read[0]);
                return List.of();
            };
            Strategy bFirst = (enabled, current, step, sync) -> {
                for (Strategy.Candidate c : enabled) {
                    if (c.id() == 1) {
                        return c; // b, the first thread the scenario starts
                    }
                }
                return enabled.get(0);
            };
            Run r = new Run(bFirst, 10_000, 10_000, perThreadClock, perThreadClock);
            r.begin("scenario", body, 1);
            assertTrue(r.await(20_000));
            Outcome o = r.end();
            assertEquals(null, o.abort(), "the run ended by itself");
        }
        assertEquals(2, seen.size());
        return seen;
    }

    static void assertArrayEquals(long[] x, long[] y) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(x, y);
    }
}
