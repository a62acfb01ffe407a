// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Footprint;
import org.mmulab.lockdep.explore.JdkCalls;
import org.mmulab.lockdep.explore.Sched;

/**
 * explore --exhaustive on small programs: a race-free program ends with the verified line and exit
 * 0, a budget that runs out first never claims verified and exits 4, a lost update is still found
 * (exit 1), and the number of schedules verified is the number the bound allows.
 */
class ExhaustiveTest {
    private static final Pattern VERIFIED = Pattern.compile(
            "(?m)^verified: K=(\\d+), every schedule with at most \\1 preemption\\(s\\) run or pruned: (\\d+) run, (\\d+) pruned, in \\d+\\.\\d\\d s$");

    private static Explorer.Options exhaustive(int k) {
        Explorer.Options o = ExplorerTest.options("dfs");
        o.exhaustive = true;
        o.preemptions = k;
        o.budget = Integer.MAX_VALUE;
        return o;
    }

    private static int verifiedRun(ExplorerTest.Explored e) {
        Matcher m = VERIFIED.matcher(e.out());
        assertTrue(m.find(), e.out());
        assertTrue(e.out().endsWith(m.group() + "\n"), "the verified line is the last line: " + e.out());
        return Integer.parseInt(m.group(2));
    }

    @Test
    void aRaceFreeProgramIsVerifiedWithExitZeroAndTheVerifiedLineLast() {
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(2));
        assertEquals(0, e.rc(), e.out());
        assertTrue(verifiedRun(e) > 1, e.out());
    }

    @Test
    void moreBoundMeansMoreSchedulesVerified() {
        int k0 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(0)));
        int k1 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(1)));
        int k2 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(2)));
        assertEquals(1, k0, "with no preemption there is one schedule: the round robin");
        assertTrue(k0 < k1 && k1 < k2, k0 + " " + k1 + " " + k2);
    }

    @Test
    void aBudgetThatRunsOutDoesNotClaimVerifiedAndExitsFour() {
        Explorer.Options o = exhaustive(2);
        o.budget = 2;
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, o);
        assertEquals(Explorer.NOT_EXHAUSTED, e.rc(), e.out());
        assertEquals(4, Explorer.NOT_EXHAUSTED);
        assertFalse(e.out().contains("verified:") && !e.out().contains("NOT verified:"), e.out());
        assertFalse(VERIFIED.matcher(e.out()).find(), e.out());
        assertTrue(e.out().matches("(?s).*\nNOT verified: the bound K=2 was not exhausted: 2 schedule\\(s\\) run, \\d+ still to run when the budget ran out, in \\d+\\.\\d\\d s\n"),
                e.out());
    }

    @Test
    void aViolationWithinTheBoundIsFoundWithExitOneAndNoVerifiedLine() {
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.LOST_UPDATE, exhaustive(1));
        assertEquals(1, e.rc(), e.out());
        assertFalse(e.out().contains("verified:"), e.out());
        assertTrue(e.out().matches("(?s).*\nreplay: .* --strategy dfs --seed 1 --schedule \\d+:\\d+\n"), e.out());
    }

    @Test
    void withoutExhaustiveTheEndingIsAsBefore() {
        Explorer.Options o = ExplorerTest.options("dfs");
        o.preemptions = 2;
        o.budget = 1000;
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, o);
        assertEquals(0, e.rc(), e.out());
        assertFalse(e.out().contains("verified"), e.out());
    }

    // ---------------------------------------------------------------- the reduction

    /**
     * {@code n} threads that each do {@code own} steps on a slot of their own (independent of the
     * others'), then add one to a shared counter: read, yield, write when {@code racy}, else with
     * one atomic increment. Every access calls its footprint, as the agent's weaving does.
     */
    static Body counters(int n, int own, boolean racy) {
        return seed -> {
            long[] slots = new long[n];
            int[] counter = {0};
            int[] read = new int[n];
            AtomicInteger atomic = new AtomicInteger();
            Runnable[] bodies = new Runnable[n];
            for (int t = 0; t < n; t++) {
                int me = t;
                bodies[t] = () -> {
                    for (int i = 0; i < own; i++) {
                        Footprint.readElement(slots, me);
                        Footprint.writeElement(slots, me);
                        slots[me]++;
                        Sched.mark("own " + i);
                    }
                    if (racy) {
                        Footprint.readElement(counter, 0);
                        int v = counter[0];
                        read[me] = v;
                        Sched.mark("read " + v);
                        Footprint.writeElement(counter, 0);
                        counter[0] = v + 1;
                        Sched.mark("wrote");
                    } else {
                        Footprint.jdk(atomic, true);
                        atomic.incrementAndGet();
                        Sched.mark("added");
                    }
                };
            }
            Thread[] threads = new Thread[n];
            for (int t = 0; t < n; t++) {
                threads[t] = new Thread(JdkCalls.wrap(bodies[t]), String.valueOf((char) ('a' + t)));
                JdkCalls.start(threads[t]);
            }
            for (Thread t : threads) {
                JdkCalls.join(t);
            }
            int total = racy ? counter[0] : atomic.get();
            OUTCOMES.add("read " + Arrays.toString(read) + ", counter " + total);
            return total == n ? List.of() : List.of("lost update: counter is " + total);
        };
    }

    /**
     * A writer stores 1 to 6 in a shared slot, one step each, while a sleeper twice waits 25 us (two
     * or three steps of virtual time) and then reads the slot: whether it first sees {@code bad}
     * depends on when its timed wait ends against the writer's steps, which the schedule decides. A
     * third thread's steps touch nothing of theirs.
     */
    static Body timed(int bad) {
        return seed -> {
            long[] x = new long[1];
            long[] seen = {-1, -1};
            Thread writer = new Thread(JdkCalls.wrap(() -> {
                for (int i = 1; i <= 6; i++) {
                    Footprint.writeElement(x, 0);
                    x[0] = i;
                    Sched.mark("x=" + i);
                }
            }), "writer");
            Thread sleeper = new Thread(JdkCalls.wrap(() -> {
                for (int i = 0; i < 2; i++) {
                    JdkCalls.parkNanos(25_000);
                    Footprint.readElement(x, 0);
                    seen[i] = x[0];
                    Sched.mark("saw " + seen[i]);
                }
            }), "sleeper");
            long[] own = new long[1];
            Thread other = new Thread(JdkCalls.wrap(() -> {
                for (int i = 0; i < 3; i++) {
                    Footprint.writeElement(own, 0);
                    own[0]++;
                    Sched.mark("own " + i);
                }
            }), "other");
            JdkCalls.start(sleeper);
            JdkCalls.start(writer);
            JdkCalls.start(other);
            JdkCalls.join(writer);
            JdkCalls.join(sleeper);
            JdkCalls.join(other);
            OUTCOMES.add("saw " + seen[0] + " then " + seen[1]);
            return seen[0] == bad ? List.of("the sleeper saw " + bad) : List.of();
        };
    }

    /** What each run of {@link #counters} or {@link #timed} ended with (the tests of this class run one at a time). */
    static final Set<String> OUTCOMES = new ConcurrentSkipListSet<>();

    /** ExplorerTest's ABBA deadlock, with the footprints of its two lock words. */
    static final Body ABBA = ExplorerTest.abba(new ExplorerTest.Locking() {
        @Override
        public void lock(AtomicBoolean l, String name) {
            ExhaustiveTest.lock(l, name);
        }

        @Override
        public void unlock(AtomicBoolean l, String name) {
            ExhaustiveTest.unlock(l, name);
        }
    });

    static void lock(AtomicBoolean l, String name) {
        Sched.lockWait(name);
        while (true) {
            Footprint.jdk(l, true);
            if (l.compareAndSet(false, true)) {
                break;
            }
            JdkCalls.onSpinWait();
        }
        Sched.locked(name);
    }

    static void unlock(AtomicBoolean l, String name) {
        Footprint.jdk(l, true);
        l.set(false);
        Sched.unlocked(name);
    }

    private static final Pattern ENDING = Pattern.compile(
            "(?m)^verified: K=\\d+, every schedule with at most \\d+ preemption\\(s\\) run or pruned: (\\d+) run, (\\d+) pruned, in .*$");
    private static final Pattern EARLY = Pattern.compile("(\\d+) of them stopped early");

    private static ExplorerTest.Explored reduced(Body body, int k, boolean reduction) {
        Explorer.Options o = exhaustive(k);
        o.perThreadClock = true;
        o.footprints = true; // the bodies above call their footprints themselves
        o.reduction = reduction;
        return ExplorerTest.explore(body, o);
    }

    /**
     * The explorer's verdict (the exit status and the kind of report) is the same with the
     * reduction and without it. This catches a reduction that merges states wholesale (a state key
     * that ignores the threads' hashes fails it), not a subtly lost dependency: in programs this
     * small every violation has many schedules, so one survives. {@link #theReductionReachesEveryOutcome}
     * is the sharp test.
     */
    @ParameterizedTest(name = "{0} with K={1}")
    @CsvSource({"racy counters, 1", "racy counters, 2", "atomic counters, 1", "atomic counters, 2", "ABBA, 1", "ABBA, 2",
        "timed wake, 1", "timed wake, 2", "timed wake that cannot break, 2"})
    void theReductionKeepsEveryVerdict(String program, int k) {
        Body body = switch (program) {
            case "racy counters" -> counters(3, 2, true);
            case "atomic counters" -> counters(3, 2, false);
            case "timed wake" -> timed(2);
            case "timed wake that cannot break" -> timed(7);
            default -> ABBA;
        };
        ExplorerTest.Explored on = reduced(body, k, true);
        ExplorerTest.Explored off = reduced(body, k, false);
        assertTrue(on.out().contains("\nreduction: on, per-thread clocks"), on.out());
        assertTrue(off.out().contains("\nreduction: off, per-thread clocks"), off.out());
        assertEquals(off.rc(), on.rc(), "the same verdict with and without the reduction:\n" + on.out() + "\n---\n" + off.out());
        assertEquals(program.equals("atomic counters") || program.endsWith("cannot break") ? 0 : 1, on.rc(), on.out());
        if (on.rc() == 1) {
            assertEquals(on.out().contains("DEADLOCK"), off.out().contains("DEADLOCK"), on.out() + off.out());
            assertEquals(on.out().contains("lost update"), off.out().contains("lost update"), on.out() + off.out());
            assertEquals(on.out().contains("the sleeper saw"), off.out().contains("the sleeper saw"), on.out() + off.out());
        }
    }

    /**
     * Stronger than equal verdicts: the reduction stops a schedule only where everything that
     * could follow was explored before, so the programs below, which never fail, end in exactly
     * the same set of outcomes with it and without it, while it does stop schedules. An outcome is
     * every value every thread read, so each names one order of the conflicting steps; a
     * dependency the footprints lost (a read not ordered against the write it saw, say) merges
     * states that differ and loses outcomes.
     */
    @ParameterizedTest(name = "{0} with K={1}")
    @CsvSource({"racy counters, 2", "racy counters, 3", "timed wake, 2", "timed wake, 3"})
    void theReductionReachesEveryOutcome(String program, int k) {
        Body body = program.equals("timed wake") ? timed(-1) : seed -> {
            counters(3, 2, true).run(seed); // the outcome is recorded; a lost update is one of them here
            return List.of();
        };
        OUTCOMES.clear();
        ExplorerTest.Explored off = reduced(body, k, false);
        Set<String> all = new TreeSet<>(OUTCOMES);
        OUTCOMES.clear();
        ExplorerTest.Explored on = reduced(body, k, true);
        Set<String> reached = new TreeSet<>(OUTCOMES);
        assertEquals(0, off.rc(), off.out());
        assertEquals(0, on.rc(), on.out());
        assertTrue(all.size() > 1, "the program has more than one outcome: " + all);
        Matcher early = EARLY.matcher(on.out());
        assertTrue(early.find() && Long.parseLong(early.group(1)) > 0, "the reduction stopped schedules: " + on.out());
        assertEquals(all, reached, "every outcome without the reduction is reached with it");
    }

    @Test
    void theReductionRunsFewerSchedulesWhereStepsAreIndependentAndSaysSo() {
        ExplorerTest.Explored on = reduced(counters(3, 3, false), 2, true);
        ExplorerTest.Explored off = reduced(counters(3, 3, false), 2, false);
        Matcher mOn = ENDING.matcher(on.out());
        Matcher mOff = ENDING.matcher(off.out());
        assertTrue(mOn.find(), on.out());
        assertTrue(mOff.find(), off.out());
        int runOn = Integer.parseInt(mOn.group(1));
        int runOff = Integer.parseInt(mOff.group(1));
        assertEquals(0, Integer.parseInt(mOff.group(2)), "nothing pruned without the reduction: " + off.out());
        Matcher early = EARLY.matcher(on.out());
        long cut = Long.parseLong(mOn.group(2)) + (early.find() ? Long.parseLong(early.group(1)) : 0);
        assertTrue(cut > 0, "the reduction pruned or stopped schedules: " + on.out());
        assertTrue(runOn < runOff, runOn + " schedules with the reduction, " + runOff + " without:\n" + on.out());
    }

    @Test
    void withoutFootprintsTheReductionIsOffAndTheHeaderSaysWhy() {
        Explorer.Options o = exhaustive(1);
        o.perThreadClock = true;
        o.reduction = true;
        o.footprints = false;
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, o);
        assertEquals(0, e.rc(), e.out());
        assertTrue(e.out().contains("\nreduction: off, because the program's footprints are not recorded"), e.out());
        Matcher m = ENDING.matcher(e.out());
        assertTrue(m.find(), e.out());
        assertEquals("0", m.group(2), e.out());
    }
}
