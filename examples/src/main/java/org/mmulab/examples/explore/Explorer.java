// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Outcome;
import org.mmulab.lockdep.explore.Run;
import org.mmulab.lockdep.explore.Strategy;

/**
 * Runs a scenario again and again under the controlled scheduler, one schedule per seed (or per
 * DFS branch), until a schedule breaks an invariant, deadlocks, fails, or (with
 * {@code stopOnLockdep}) makes lockdep report; then prints that schedule's timeline, what broke,
 * and the command that replays it. Lockdep is reset before every schedule and its reports are
 * kept per schedule, so a replay in a fresh JVM prints exactly what the exploration printed.
 *
 * <p>Each schedule is one {@link Run} of the agent's scheduler core (the agent wove the yield
 * points in); this class is the policy around it: which strategies, how many schedules, when a
 * run counts as hung, and what is printed ({@link ScheduleReport}).
 */
public final class Explorer {
    private Explorer() {}

    /** What to explore and how. */
    public static final class Options {
        public String scenario = "?";
        public String variant = "v3.16";
        public String strategy = "pct";
        public int depth = 2;
        public long budget = 1000;
        public double seconds = 0;
        public long seed = 1;
        /** DFS: the most preemptions a schedule may have. */
        public int preemptions = 2;
        /**
         * DFS: run until every schedule within the bound was run, then say so ({@code verified:},
         * exit 0), or say that the budget ran out first (exit {@link #NOT_EXHAUSTED}).
         */
        public boolean exhaustive;
        /**
         * With {@link #exhaustive}: prune the schedules that start from a state some schedule
         * already explored from, with at least as many preemptions left (see {@link Explorer#children}).
         */
        public boolean reduction;
        /** Each thread's clock counts its own steps and waits ({@link Run}); the reduction needs it. */
        public boolean perThreadClock;
        /**
         * Whether the program's steps record their footprints: the agent's weaving does that for
         * the port; a test's hand-written program says so itself. Without it nothing is pruned.
         */
        public Boolean footprints;
        /** A DFS schedule to replay: "step:thread,..." */
        public String schedule;
        public long tickNanos = 10_000;
        public long maxSteps = 200_000;
        public boolean full;
        public boolean stopOnLockdep;
        /** Options of the scenario's configuration that the replay command must repeat (" --rounds 3"). */
        public String replayOptions = "";
        /** Real seconds a step may take before the run counts as hung outside the scheduler. */
        public long hangSeconds = 30;
        /** Polls (200 ms apart) the running thread may sit blocked in the JVM before that is a hang. */
        public int blockedPolls = 10;
        /** The line that shows how far the exploration got (on a terminal; off when piped). */
        public Progress progress = Progress.OFF;
    }

    /** The exit status of an {@code --exhaustive} search whose budget ran out before the bound was exhausted. */
    public static final int NOT_EXHAUSTED = 4;

    /** Runs {@code body} once under {@code strategy}. */
    public static Schedule runOne(Body body, Strategy strategy, long seed, Options o) {
        LockdepConfig saved = Lockdep.config();
        ByteArrayOutputStream lockdepBytes = new ByteArrayOutputStream();
        Run run = new Run(strategy, o.tickNanos, o.maxSteps, o.perThreadClock, reducing(o));
        Schedule s = new Schedule();
        s.seed = seed;
        int[] reportsAtStop = {-1};
        int[] bytesAtStop = {-1};
        run.onStop(() -> {
            reportsAtStop[0] = Lockdep.reportCount();
            bytesAtStop[0] = lockdepBytes.size();
        });
        Outcome r;
        Lockdep.reset();
        Lockdep.configure(saved.withOut(new PrintStream(lockdepBytes, true, StandardCharsets.UTF_8)));
        try {
            run.begin("scenario", body, seed);
            s.hang = watch(run, o);
        } finally {
            r = run.end();
            Lockdep.configure(saved);
        }
        s.events = r.events();
        s.labels.addAll(r.labels());
        s.steps = r.steps();
        s.syncSteps = r.syncSteps();
        s.fingerprint = r.fingerprint();
        s.deadlock = r.deadlock() ? ScheduleReport.threads(r.stuck()) : null;
        s.abort = r.abort();
        s.failure = r.failure();
        s.violatedGfns = r.violatedGfns();
        s.violations = r.violations();
        if (r.result() != null) {
            for (String x : r.result()) {
                if (!s.violations.contains(x)) {
                    s.violations.add(x);
                }
            }
        }
        if (s.abort != null && s.abort.equals(Forced.MET_EXPLORED)) {
            s.abort = null; // the reduction stopped it: what it would have run next was run before
        }
        if (s.abort != null && s.deadlock == null && s.hang == null && s.failure == null && s.violations.isEmpty()) {
            // the step bound: the threads as they were then
            s.failure = new IllegalStateException(s.abort + (r.stuck() == null ? "" : "; the threads then:\n"
                    + ScheduleReport.threads(r.stuck())));
        }
        // what lockdep said up to the stop: the threads' unwinding afterwards (locks dropped by
        // exceptions, ioctls left with locks held) is the explorer's doing, not the program's
        s.lockdepReports = reportsAtStop[0] >= 0 ? reportsAtStop[0] : Lockdep.reportCount();
        byte[] text = lockdepBytes.toByteArray();
        s.lockdepText = new String(text, 0, bytesAtStop[0] >= 0 ? bytesAtStop[0] : text.length, StandardCharsets.UTF_8);
        if (strategy instanceof Forced f) {
            s.forced = f;
        }
        return s;
    }

    /**
     * Waits for the run to end. Returns null when it did, or why it hung: the running thread
     * waits in the JVM (a monitor, a wait the weaver did not redirect) with no step for
     * {@code o.blockedPolls} polls, or no thread made a step for {@code o.hangSeconds}; the run
     * is stopped then.
     */
    private static String watch(Run run, Options o) {
        long hangNanos = TimeUnit.SECONDS.toNanos(o.hangSeconds);
        int blockedPolls = 0;
        long blockedStep = -1;
        Thread blockedThread = null;
        while (true) {
            try {
                if (run.await(200)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run.stop("interrupted");
                return null;
            }
            Run.Running stuck = run.running();
            // the running thread waits in the JVM (a monitor, a wait the weaver did not
            // redirect) with no step since: nobody else may run, so say so now, not in 30 s
            Thread.State state = stuck.thread().getState();
            boolean waiting = state == Thread.State.BLOCKED || state == Thread.State.WAITING
                    || state == Thread.State.TIMED_WAITING;
            if (waiting && stuck.step() == blockedStep && stuck.thread() == blockedThread) {
                blockedPolls++;
            } else {
                blockedPolls = 0;
                blockedStep = stuck.step();
                blockedThread = stuck.thread();
            }
            boolean blocked = waiting && blockedPolls >= o.blockedPolls;
            if (blocked || System.nanoTime() - run.lastStepNanos() > hangNanos) {
                String hang = ScheduleReport.hang(stuck, blocked ? null : o.hangSeconds);
                run.stop("hung");
                return hang;
            }
        }
    }

    static Strategy strategy(Options o, long seed, long[] k) {
        switch (o.strategy) {
            case "random":
                return new RandomWalk(seed);
            case "pct":
                return new Pct(seed, o.depth, k[0], k[1]);
            default:
                throw new IllegalArgumentException("unknown strategy '" + o.strategy + "'");
        }
    }

    /**
     * The length PCT draws its change points from: the steps of one schedule with no switches
     * forced, on workload seed 0, so that explore and replay (whatever their seeds) agree on it.
     */
    static long[] calibrate(Body body, Options o) {
        Schedule s = runOne(body, new Forced(new long[0], new int[0]), 0, o);
        return new long[] {Math.max(1, s.syncSteps), Math.max(1, s.steps)};
    }

    /**
     * The baseline the explorer is measured against: the same body, run again and again with its
     * threads uncontrolled (real time, the JVM's scheduling, as {@code mmulab run} does), until a
     * run breaks an invariant or the budget is spent. Nothing here can be replayed.
     */
    static int stress(Body body, Options o, PrintStream out) {
        out.printf("mmulab explore %s: variant %s, plain stress (threads not controlled), budget %s, first seed %d%n",
                o.scenario, o.variant, o.seconds > 0 ? String.format(Locale.ROOT, "%.0f s", o.seconds) : o.budget + " runs", o.seed);
        long t0 = System.nanoTime();
        int n = 0;
        LockdepConfig saved = Lockdep.config();
        o.progress.start();
        try {
            for (long seed = o.seed; more(o, n, t0); seed++) {
                Lockdep.reset();
                Lockdep.configure(saved.withOut(new PrintStream(java.io.OutputStream.nullOutputStream())));
                List<String> v;
                try {
                    v = body.run(seed);
                } catch (Exception e) {
                    o.progress.done();
                    out.println("THE RUN FAILED: " + e);
                    return 1;
                }
                n++;
                o.progress.update("runs", n, o.seconds > 0 ? 0 : o.budget, o.seconds, -1, v.isEmpty() ? 0 : 1, 0);
                if (!v.isEmpty()) {
                    o.progress.done();
                    double secs = (System.nanoTime() - t0) / 1e9;
                    out.println("INVARIANT BROKEN (" + v.size() + " violation(s)) in run " + n + " (seed " + seed + "):");
                    for (String x : v) {
                        out.println("  " + x);
                    }
                    out.printf(Locale.ROOT, "found after %d run(s) in %.2f s (%.1f runs/s); a plain run cannot be replayed.%n",
                            n, secs, n / secs);
                    return 1;
                }
            }
        } finally {
            Lockdep.configure(saved);
        }
        o.progress.done();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "ran %d run(s) in %.2f s (%.1f runs/s): no invariant broke.%n", n, secs, n / secs);
        return 0;
    }

    /** Explores; returns 0 when nothing was found within the budget, 1 on a finding, 3 on a hang. */
    public static int explore(Target target, Options o, PrintStream out) {
        Body body = target.body();
        if (o.strategy.equals("stress")) {
            return stress(body, o, out);
        }
        out.printf("mmulab explore %s: variant %s, strategy %s, budget %s, first seed %d%n", o.scenario, o.variant,
                describe(o), o.seconds > 0 ? String.format(Locale.ROOT, "%.0f s", o.seconds)
                : o.exhaustive && o.budget == Integer.MAX_VALUE ? "none (until the bound is exhausted)" : o.budget + " schedules", o.seed);
        long t0 = System.nanoTime();
        Tally tally = new Tally(o);
        o.progress.start();
        int queued = 0;
        long pruned = 0;
        long stoppedEarly = 0;
        if (o.exhaustive && (o.reduction || o.perThreadClock)) {
            out.println(reductionLine(o));
        }
        if (o.strategy.equals("dfs")) {
            // iterative context bounding: every schedule with p preemptions before any with p + 1
            Deque<long[][]> level = new ArrayDeque<>();
            Deque<long[][]> nextLevel = new ArrayDeque<>();
            level.add(new long[][] {new long[0], new long[0]});
            LongIntMap expanded = reducing(o) ? new LongIntMap() : null;
            while (more(o, tally.n, t0) && (!level.isEmpty() || !nextLevel.isEmpty())) {
                if (level.isEmpty()) {
                    Deque<long[][]> t = level;
                    level = nextLevel;
                    nextLevel = t;
                }
                long[][] f = level.poll();
                Forced strategy = forced(f);
                if (expanded != null) {
                    strategy.pruneAgainst(expanded);
                }
                Schedule s = runOne(body, strategy, o.seed, o);
                s.strategy = "dfs";
                if (strategy.stoppedEarly) {
                    stoppedEarly++;
                }
                if (tally.counts(s)) {
                    break;
                }
                pruned += children(f, s.forced, o.preemptions, level, nextLevel, expanded);
            }
            queued = level.size() + nextLevel.size();
        } else {
            long[] k = o.strategy.equals("pct") ? calibrate(body, o) : new long[] {0, 0};
            if (k[0] > 0) {
                out.printf("PCT: change points drawn from the %d synchronization steps (of %d) of one unforced schedule%n",
                        k[0], k[1]);
            }
            for (long seed = o.seed; more(o, tally.n, t0); seed++) {
                Schedule s = runOne(body, strategy(o, seed, k), seed, o);
                s.strategy = o.strategy;
                if (tally.counts(s)) {
                    break;
                }
            }
        }
        o.progress.done();
        double secs = (System.nanoTime() - t0) / 1e9;
        int n = tally.n;
        Schedule found = tally.found;
        String rate = String.format(Locale.ROOT, "%d schedule(s), %d distinct, %d steps in %.2f s (%.1f schedules/s, %.0f steps/s)",
                n, tally.distinct.size(), tally.steps, secs, n / secs, tally.steps / secs);
        if (found == null) {
            out.println("explored " + rate + ": no invariant broke, no deadlock" + (o.stopOnLockdep ? ", no lockdep report" : "") + "."
                    + (stoppedEarly > 0 ? " " + stoppedEarly + " of them stopped early, where they met a state explored before." : ""));
            if (o.exhaustive) {
                return exhaustiveEnding(o, n, pruned, queued, secs, out);
            }
            return 0;
        }
        out.printf("schedule %d of this exploration breaks the scenario after %d steps.%n%n", n, found.steps);
        ScheduleReport.print(found, o, target.describer(), out);
        out.println();
        out.println("found after " + rate + ".");
        out.println("replay: " + ScheduleReport.replayCommand(found, o));
        return found.hang != null ? 3 : 1;
    }

    /**
     * The last line of an {@code --exhaustive} search that found nothing: {@code verified:} when no
     * schedule within the bound is left to run (exit 0), else that the bound was not exhausted
     * (exit {@link #NOT_EXHAUSTED}); never {@code verified:} then.
     */
    static int exhaustiveEnding(Options o, int run, long pruned, int queued, double secs, PrintStream out) {
        if (queued == 0) {
            out.printf(Locale.ROOT, "verified: K=%d, every schedule with at most %d preemption(s) run or pruned: %d run, %d pruned, in %.2f s%n",
                    o.preemptions, o.preemptions, run, pruned, secs);
            return 0;
        }
        out.printf(Locale.ROOT, "NOT verified: the bound K=%d was not exhausted: %d schedule(s) run, %s%d still to run when the %s ran out, in %.2f s%n",
                o.preemptions, run, reducing(o) ? pruned + " pruned, " : "", queued, o.seconds > 0 ? "time" : "budget", secs);
        return NOT_EXHAUSTED;
    }

    /** Whether this search prunes: --exhaustive, the reduction asked for, and every condition it rests on met. */
    static boolean reducing(Options o) {
        return o.exhaustive && o.reduction && whyNotReducing(o) == null;
    }

    /** Why the reduction asked for cannot be used here, or null. */
    static String whyNotReducing(Options o) {
        if (!o.perThreadClock) {
            return "the clock is shared (every step advances it, so every step depends on every other)";
        }
        if (o.stopOnLockdep) {
            return "--stop-on-lockdep: lockdep's own state is not in the steps' footprints";
        }
        boolean woven = o.footprints != null ? o.footprints : org.mmulab.lockdep.explore.Footprint.woven();
        if (!woven) {
            return "the program's footprints are not recorded (the agent's footprints=on weaving; ./mmulab asks for it with --reduction)";
        }
        String incomplete = org.mmulab.lockdep.explore.Footprint.incompleteBecause();
        if (incomplete != null) {
            return "a class's footprints could not be woven: " + incomplete;
        }
        return null;
    }

    /** What the header of an --exhaustive search says about its clock and its reduction. */
    static String reductionLine(Options o) {
        String clock = o.perThreadClock ? "per-thread clocks" : "one shared clock";
        if (!o.reduction) {
            return "reduction: off, " + clock + ": every schedule within the bound is run";
        }
        String why = whyNotReducing(o);
        if (why != null) {
            return "reduction: off, because " + why + "; " + clock + ": every schedule within the bound is run";
        }
        return "reduction: on, " + clock + ": a schedule is not run when it would start from a state (the happens-before "
                + "hashes of every thread's steps) already explored with as many preemptions left";
    }

    /** Schedules run so far, how many distinct, their steps, and the first that found something. */
    private static final class Tally {
        final Options o;
        final Set<Long> distinct = new HashSet<>();
        int n;
        long steps;
        /** Schedules whose lockdep printed a report (a finding only with --stop-on-lockdep). */
        int lockdep;
        Schedule found;

        Tally(Options o) {
            this.o = o;
        }

        /** Counts {@code s}; true when it found something (the search stops). */
        boolean counts(Schedule s) {
            n++;
            steps += s.steps;
            distinct.add(s.fingerprint);
            if (s.lockdepReports > 0) {
                lockdep++;
            }
            if (s.found(o.stopOnLockdep)) {
                found = s;
            }
            o.progress.update("schedules", n, o.seconds > 0 ? 0 : o.budget, o.seconds, distinct.size(), found == null ? 0 : 1, lockdep);
            return found != null;
        }
    }

    /** The strategy that follows a forced list {steps, threads}. */
    private static Forced forced(long[][] f) {
        int[] threads = new int[f[1].length];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = (int) f[1][i];
        }
        return new Forced(f[0], threads);
    }

    private static boolean more(Options o, int n, long t0) {
        return o.seconds > 0 ? System.nanoTime() - t0 < (long) (o.seconds * 1e9) : n < o.budget;
    }

    /**
     * The children of a forced list: one more preemption at a later choice point, if that is
     * within {@code bound}. Where the current thread blocks, the round robin that follows is not
     * branched on (that would make even the schedules without preemptions too many to visit).
     */
    private static long children(long[][] parent, Forced run, int bound, Deque<long[][]> same, Deque<long[][]> next,
                                 LongIntMap expanded) {
        long lastStep = parent[0].length == 0 ? -1 : parent[0][parent[0].length - 1];
        int used = preemptionsOf(parent, run);
        long pruned = 0;
        boolean cut = false;
        for (Forced.Choice c : run.choices) {
            if (c.step() <= lastStep) {
                continue;
            }
            if (expanded != null && !cut) {
                // The state here was explored before, from a choice point on the default tail of an
                // earlier schedule, with at most as many preemptions used: every schedule that would
                // branch off here or later on this tail has an equivalent there, so none is queued.
                int seen = expanded.get(c.key(), Integer.MAX_VALUE);
                if (seen <= used) {
                    cut = true;
                } else {
                    expanded.put(c.key(), used);
                }
            }
            boolean preempt = c.currentEnabled();
            if (!preempt || used + 1 > bound) {
                continue; // where the current thread blocks, the default round robin goes on: not a branch
            }
            for (int t : c.enabled()) {
                if (t == c.taken()) {
                    continue;
                }
                if (cut) {
                    pruned++;
                    continue;
                }
                long[] steps = java.util.Arrays.copyOf(parent[0], parent[0].length + 1);
                long[] threads = java.util.Arrays.copyOf(parent[1], parent[1].length + 1);
                steps[steps.length - 1] = c.step();
                threads[threads.length - 1] = t;
                (preempt ? next : same).add(new long[][] {steps, threads});
            }
        }
        return pruned;
    }

    private static int preemptionsOf(long[][] forced, Forced run) {
        int n = 0;
        for (Forced.Choice c : run.choices) {
            for (long s : forced[0]) {
                if (s == c.step() && c.currentEnabled() && c.taken() != c.current()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Replays one schedule: a seed (random, pct) or a forced list (dfs). */
    public static int replay(Target target, Options o, PrintStream out) {
        Body body = target.body();
        Schedule s;
        if (o.strategy.equals("dfs")) {
            s = runOne(body, forced(parseSchedule(o.schedule == null ? "" : o.schedule)), o.seed, o);
            s.strategy = "dfs";
        } else {
            long[] k = o.strategy.equals("pct") ? calibrate(body, o) : new long[] {0, 0};
            s = runOne(body, strategy(o, o.seed, k), o.seed, o);
            s.strategy = o.strategy;
        }
        out.printf("mmulab replay %s: variant %s, strategy %s, seed %d%s, %d steps%n%n", o.scenario, o.variant, describe(o), o.seed,
                o.strategy.equals("dfs") ? ", schedule " + o.schedule : "", s.steps);
        ScheduleReport.print(s, o, target.describer(), out);
        return s.found(o.stopOnLockdep) ? (s.hang != null ? 3 : 1) : 0;
    }

    static long[][] parseSchedule(String text) {
        if (text.isBlank() || text.equals("none")) {
            return new long[][] {new long[0], new long[0]};
        }
        String[] parts = text.split(",");
        long[] steps = new long[parts.length];
        long[] threads = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String[] st = parts[i].split(":");
            if (st.length != 2) {
                throw new IllegalArgumentException("a DFS schedule is step:thread,step:thread,... (got '" + parts[i] + "')");
            }
            steps[i] = Long.parseLong(st[0].trim());
            threads[i] = Long.parseLong(st[1].trim());
            if (i > 0 && steps[i] <= steps[i - 1]) {
                throw new IllegalArgumentException("DFS schedule steps must increase (got " + text + ")");
            }
        }
        return new long[][] {steps, threads};
    }

    private static String describe(Options o) {
        switch (o.strategy) {
            case "pct":
                return "pct (depth " + o.depth + ")";
            case "dfs":
                return "dfs (iterative context bounding, at most " + o.preemptions + " preemptions" + (o.exhaustive ? ", exhaustive" : "") + ")";
            default:
                return o.strategy;
        }
    }
}
