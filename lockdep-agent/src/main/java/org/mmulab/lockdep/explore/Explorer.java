// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;

/**
 * Runs a scenario again and again under the controlled scheduler, one schedule per seed (or per
 * DFS branch), until a schedule breaks an invariant, deadlocks, fails, or (with
 * {@code stopOnLockdep}) makes lockdep report; then prints that schedule's timeline, what broke,
 * and the command that replays it. Lockdep is reset before every schedule and its reports are
 * kept per schedule, so a replay in a fresh JVM prints exactly what the exploration printed.
 */
public final class Explorer {
    private Explorer() {}

    /** One whole scenario run, on the controlled thread; its guest workload seeded with {@code seed}. */
    public interface Body {
        /** The invariant violations the run's checks found (empty: all held). */
        List<String> run(long seed) throws Exception;
    }

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
    }

    /** One schedule's outcome. */
    public static final class Schedule {
        public long seed;
        public String strategy;
        public List<Event> events;
        public List<String> labels = new ArrayList<>();
        public long steps;
        /** Of which at synchronization points. */
        public long syncSteps;
        public long fingerprint;
        public List<String> violations = List.of();
        public Set<Long> violatedGfns = Set.of();
        public String deadlock;
        public String abort;
        public Throwable failure;
        public String hang;
        public int lockdepReports;
        public String lockdepText = "";
        Strategy.Forced forced;

        public boolean found(boolean stopOnLockdep) {
            return !violations.isEmpty() || deadlock != null || failure != null || hang != null
                    || (stopOnLockdep && lockdepReports > 0);
        }
    }

    /** Runs {@code body} once under {@code strategy}. */
    public static Schedule runOne(Body body, Strategy strategy, long seed, Options o) {
        if (Sched.run != null) {
            throw new IllegalStateException("a controlled run is already active");
        }
        LockdepConfig saved = Lockdep.config();
        ByteArrayOutputStream lockdepBytes = new ByteArrayOutputStream();
        Lockdep.reset();
        Lockdep.configure(saved.withOut(new PrintStream(lockdepBytes, true, StandardCharsets.UTF_8)));
        Sched.Run run = new Sched.Run(strategy, o.tickNanos, o.maxSteps);
        Schedule s = new Schedule();
        s.seed = seed;
        int[] reportsAtStop = {-1};
        int[] bytesAtStop = {-1};
        run.onStop = () -> {
            reportsAtStop[0] = Lockdep.reportCount();
            bytesAtStop[0] = lockdepBytes.size();
        };
        Object[] result = new Object[1];
        Thread main = new Thread(new Sched.Controlled(() -> {
            try {
                result[0] = body.run(seed);
            } catch (Sched.Abort a) {
                throw a;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), "scenario");
        main.setDaemon(true);
        Sched.Ctl first = run.register(main);
        run.current = first;
        Sched.run = run;
        try {
            main.start();
            first.turn.release();
            long hangNanos = TimeUnit.SECONDS.toNanos(o.hangSeconds);
            int blockedPolls = 0;
            long blockedStep = -1;
            Sched.Ctl blockedCtl = null;
            while (true) {
                try {
                    if (run.finished.await(200, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    run.stop("interrupted");
                    break;
                }
                Sched.Ctl stuck;
                long step;
                synchronized (run) {
                    stuck = run.current;
                    step = run.step;
                }
                // the running thread waits in the JVM (a monitor, a wait the weaver did not
                // redirect) with no step since: nobody else may run, so say so now, not in 30 s
                Thread.State state = stuck.thread.getState();
                boolean waiting = state == Thread.State.BLOCKED || state == Thread.State.WAITING
                        || state == Thread.State.TIMED_WAITING;
                if (waiting && step == blockedStep && stuck == blockedCtl) {
                    blockedPolls++;
                } else {
                    blockedPolls = 0;
                    blockedStep = step;
                    blockedCtl = stuck;
                }
                boolean blocked = waiting && blockedPolls >= o.blockedPolls;
                if (blocked || System.nanoTime() - run.lastStepReal > hangNanos) {
                    s.hang = describeHang(stuck, blocked ? null : o.hangSeconds);
                    run.stop("hung");
                    break;
                }
            }
            for (Sched.Ctl c : run.ctls) {
                try {
                    c.thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            Sched.run = null;
            Lockdep.configure(saved);
        }
        synchronized (run) {
            s.events = new ArrayList<>(run.events);
            for (Sched.Ctl c : run.ctls) {
                s.labels.add(c.label());
            }
            s.steps = run.step;
            s.syncSteps = run.syncSteps;
            s.fingerprint = run.fingerprint;
            s.deadlock = run.deadlock;
            s.abort = run.abort;
            s.failure = run.failure;
            s.violatedGfns = new LinkedHashSet<>(run.violatedGfns);
            s.violations = new ArrayList<>(run.violations);
        }
        if (result[0] != null) {
            @SuppressWarnings("unchecked")
            List<String> v = (List<String>) result[0];
            for (String x : v) {
                if (!s.violations.contains(x)) {
                    s.violations.add(x);
                }
            }
        }
        if (s.abort != null && s.deadlock == null && s.hang == null && s.failure == null && s.violations.isEmpty()) {
            s.failure = new IllegalStateException(s.abort);
        }
        // what lockdep said up to the stop: the threads' unwinding afterwards (locks dropped by
        // exceptions, ioctls left with locks held) is the explorer's doing, not the program's
        s.lockdepReports = reportsAtStop[0] >= 0 ? reportsAtStop[0] : Lockdep.reportCount();
        byte[] text = lockdepBytes.toByteArray();
        s.lockdepText = new String(text, 0, bytesAtStop[0] >= 0 ? bytesAtStop[0] : text.length, StandardCharsets.UTF_8);
        if (strategy instanceof Strategy.Forced f) {
            s.forced = f;
        }
        return s;
    }

    /** Why the running thread made no step: where it waits, on what, held by whom. */
    static String describeHang(Sched.Ctl stuck, Long seconds) {
        java.lang.management.ThreadInfo info = java.lang.management.ManagementFactory.getThreadMXBean()
                .getThreadInfo(stuck.thread.getId());
        StringBuilder b = new StringBuilder(stuck.label());
        if (seconds != null) {
            b.append(" made no step for ").append(seconds).append(" s");
        } else {
            b.append(" is ").append(info == null ? stuck.thread.getState() : info.getThreadState());
            if (info != null && info.getLockName() != null) {
                b.append(" on ").append(info.getLockName());
                if (info.getLockOwnerName() != null) {
                    b.append(" held by ").append(info.getLockOwnerName());
                }
            }
        }
        b.append(": it waits outside the scheduler's control, at\n");
        for (StackTraceElement e : stuck.thread.getStackTrace()) {
            b.append("    ").append(e).append('\n');
        }
        return b.toString();
    }

    static Strategy strategy(Options o, long seed, long[] k) {
        switch (o.strategy) {
            case "random":
                return new Strategy.RandomWalk(seed);
            case "pct":
                return new Strategy.Pct(seed, o.depth, k[0], k[1]);
            default:
                throw new IllegalArgumentException("unknown strategy '" + o.strategy + "'");
        }
    }

    /**
     * The length PCT draws its change points from: the steps of one schedule with no switches
     * forced, on workload seed 0, so that explore and replay (whatever their seeds) agree on it.
     */
    static long[] calibrate(Body body, Options o) {
        Schedule s = runOne(body, new Strategy.Forced(new long[0], new int[0]), 0, o);
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
        try {
            for (long seed = o.seed; more(o, n, t0); seed++) {
                Lockdep.reset();
                Lockdep.configure(saved.withOut(new PrintStream(java.io.OutputStream.nullOutputStream())));
                List<String> v;
                try {
                    v = body.run(seed);
                } catch (Exception e) {
                    out.println("THE RUN FAILED: " + e);
                    return 1;
                }
                n++;
                if (!v.isEmpty()) {
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
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "ran %d run(s) in %.2f s (%.1f runs/s): no invariant broke.%n", n, secs, n / secs);
        return 0;
    }

    /** Explores; returns 0 when nothing was found within the budget, 1 on a finding, 3 on a hang. */
    public static int explore(Body body, Options o, PrintStream out) {
        if (o.strategy.equals("stress")) {
            return stress(body, o, out);
        }
        out.printf("mmulab explore %s: variant %s, strategy %s, budget %s, first seed %d%n", o.scenario, o.variant,
                describe(o), o.seconds > 0 ? String.format(Locale.ROOT, "%.0f s", o.seconds) : o.budget + " schedules", o.seed);
        long t0 = System.nanoTime();
        Tally tally = new Tally(o);
        if (o.strategy.equals("dfs")) {
            // iterative context bounding: every schedule with p preemptions before any with p + 1
            Deque<long[][]> level = new ArrayDeque<>();
            Deque<long[][]> nextLevel = new ArrayDeque<>();
            level.add(new long[][] {new long[0], new long[0]});
            while (more(o, tally.n, t0) && (!level.isEmpty() || !nextLevel.isEmpty())) {
                if (level.isEmpty()) {
                    Deque<long[][]> t = level;
                    level = nextLevel;
                    nextLevel = t;
                }
                long[][] f = level.poll();
                Schedule s = runOne(body, forced(f), o.seed, o);
                s.strategy = "dfs";
                if (tally.counts(s)) {
                    break;
                }
                children(f, s.forced, o.preemptions, level, nextLevel);
            }
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
        double secs = (System.nanoTime() - t0) / 1e9;
        int n = tally.n;
        Schedule found = tally.found;
        String rate = String.format(Locale.ROOT, "%d schedule(s), %d distinct, %d steps in %.2f s (%.1f schedules/s, %.0f steps/s)",
                n, tally.distinct.size(), tally.steps, secs, n / secs, tally.steps / secs);
        if (found == null) {
            out.println("explored " + rate + ": no invariant broke, no deadlock" + (o.stopOnLockdep ? ", no lockdep report" : "") + ".");
            return 0;
        }
        out.printf("schedule %d of this exploration breaks the scenario after %d steps.%n%n", n, found.steps);
        report(found, o, out);
        out.println();
        out.println("found after " + rate + ".");
        out.println("replay: " + replayCommand(found, o));
        return found.hang != null ? 3 : 1;
    }

    /** Schedules run so far, how many distinct, their steps, and the first that found something. */
    private static final class Tally {
        final Options o;
        final Set<Long> distinct = new HashSet<>();
        int n;
        long steps;
        Schedule found;

        Tally(Options o) {
            this.o = o;
        }

        /** Counts {@code s}; true when it found something (the search stops). */
        boolean counts(Schedule s) {
            n++;
            steps += s.steps;
            distinct.add(s.fingerprint);
            if (s.found(o.stopOnLockdep)) {
                found = s;
                return true;
            }
            return false;
        }
    }

    /** The strategy that follows a forced list {steps, threads}. */
    private static Strategy.Forced forced(long[][] f) {
        int[] threads = new int[f[1].length];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = (int) f[1][i];
        }
        return new Strategy.Forced(f[0], threads);
    }

    private static boolean more(Options o, int n, long t0) {
        return o.seconds > 0 ? System.nanoTime() - t0 < (long) (o.seconds * 1e9) : n < o.budget;
    }

    /**
     * The children of a forced list: one more preemption at a later choice point, if that is
     * within {@code bound}. Where the current thread blocks, the round robin that follows is not
     * branched on (that would make even the schedules without preemptions too many to visit).
     */
    private static void children(long[][] parent, Strategy.Forced run, int bound, Deque<long[][]> same, Deque<long[][]> next) {
        long lastStep = parent[0].length == 0 ? -1 : parent[0][parent[0].length - 1];
        int used = preemptionsOf(parent, run);
        for (Strategy.Forced.Choice c : run.choices) {
            if (c.step() <= lastStep) {
                continue;
            }
            boolean preempt = c.currentEnabled();
            if (!preempt || used + 1 > bound) {
                continue; // where the current thread blocks, the default round robin goes on: not a branch
            }
            for (int t : c.enabled()) {
                if (t == c.taken()) {
                    continue;
                }
                long[] steps = java.util.Arrays.copyOf(parent[0], parent[0].length + 1);
                long[] threads = java.util.Arrays.copyOf(parent[1], parent[1].length + 1);
                steps[steps.length - 1] = c.step();
                threads[threads.length - 1] = t;
                (preempt ? next : same).add(new long[][] {steps, threads});
            }
        }
    }

    private static int preemptionsOf(long[][] forced, Strategy.Forced run) {
        int n = 0;
        for (Strategy.Forced.Choice c : run.choices) {
            for (long s : forced[0]) {
                if (s == c.step() && c.currentEnabled() && c.taken() != c.current()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Replays one schedule: a seed (random, pct) or a forced list (dfs). */
    public static int replay(Body body, Options o, PrintStream out) {
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
        report(s, o, out);
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
                return "dfs (iterative context bounding, at most " + o.preemptions + " preemptions)";
            default:
                return o.strategy;
        }
    }

    /** The timeline, then what broke and lockdep's reports of this schedule. */
    static void report(Schedule s, Options o, PrintStream out) {
        Set<Long> follow = s.violatedGfns.isEmpty() ? Set.of() : Set.of(s.violatedGfns.iterator().next());
        out.println("timeline (one column per thread; spte, guest-access and TLB rows "
                + (o.full ? "for every gfn" : follow.isEmpty() ? "hidden: no gfn broke" : "only for gfn " + hex(follow))
                + (o.full ? "" : "; failed ioctls hidden") + "):");
        Sched.Describer d = Sched.describer;
        if (d != null && d.legend() != null) {
            out.println(d.legend());
        }
        long from = 0;
        if (!o.full && !s.violations.isEmpty()) {
            // from the last check that passed: what came before it did not break anything yet
            for (Event e : s.events) {
                if (e.kind() == Event.Kind.CHECK && e.text().endsWith(": ok")) {
                    from = e.step();
                }
            }
        }
        if (from > 0) {
            out.println("(steps before " + from + ", up to the last check that passed, are not shown; --full shows every step)");
        }
        List<Event> shown = new ArrayList<>();
        for (Event e : s.events) {
            if (e.step() >= from) {
                shown.add(e);
            }
        }
        out.print(Timeline.render(shown, s.labels, follow, o.full));
        out.println();
        if (!s.violations.isEmpty()) {
            out.println("INVARIANT BROKEN (" + s.violations.size() + " violation(s)):");
            for (String v : s.violations) {
                out.println("  " + v);
            }
        }
        if (s.deadlock != null) {
            out.println("DEADLOCK: every thread is blocked, at step " + s.steps + ":");
            out.print(s.deadlock);
        }
        if (s.failure != null) {
            out.println("THE RUN FAILED: " + s.failure);
        }
        if (s.hang != null) {
            out.println("HANG: " + s.hang);
        }
        if (s.violations.isEmpty() && s.deadlock == null && s.failure == null && s.hang == null) {
            out.println("no invariant broke, no deadlock.");
        }
        if (s.lockdepReports > 0) {
            out.println("lockdep: " + s.lockdepReports + " report(s) in this schedule:");
            out.print(o.full ? s.lockdepText : foldRepeatedWarnings(s.lockdepText));
        } else {
            out.println("lockdep: no reports in this schedule.");
        }
    }

    static final String CUT = "------------[ cut here ]------------\n";

    /**
     * A WARN that comes again and again (no-slots-lock's assert in every harvest) is printed once,
     * then counted: "[the same WARN 26 more times]". Blocks are compared without their CPU/PID and
     * taint line. Other reports are printed as they came.
     */
    static String foldRepeatedWarnings(String text) {
        if (!text.contains(CUT)) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        String prevKey = null;
        int repeats = 0;
        int at = 0;
        while (at < text.length()) {
            int cut = text.indexOf(CUT, at);
            int next = cut < 0 ? -1 : text.indexOf(CUT, cut + CUT.length());
            if (cut != at) { // text before the next WARN (another kind of report)
                out.append(repeated(repeats));
                repeats = 0;
                prevKey = null;
                int end = cut < 0 ? text.length() : cut;
                out.append(text, at, end);
                at = end;
                continue;
            }
            int trace = text.indexOf("---[ end trace", at);
            int end = trace >= 0 && (next < 0 || trace < next) ? text.indexOf('\n', trace) + 1 : next < 0 ? text.length() : next;
            if (end <= at) {
                end = text.length();
            }
            String block = text.substring(at, end);
            String key = block.replaceAll("(?m)^CPU: .*$", "").replaceAll("(?m)^WARNING: CPU: \\d+ PID: \\d+ ", "WARNING: ");
            if (key.equals(prevKey)) {
                repeats++;
            } else {
                out.append(repeated(repeats));
                repeats = 0;
                out.append(block);
                prevKey = key;
            }
            at = end;
        }
        out.append(repeated(repeats));
        return out.toString();
    }

    private static String repeated(int n) {
        return n == 0 ? "" : "[the same WARN " + n + " more time" + (n == 1 ? "" : "s") + "; --full prints each]\n";
    }

    static String replayCommand(Schedule s, Options o) {
        StringBuilder b = new StringBuilder("./mmulab replay " + o.scenario + " --variant " + o.variant + o.replayOptions
                + " --strategy " + s.strategy);
        if (s.strategy.equals("pct")) {
            b.append(" --depth ").append(o.depth);
        }
        b.append(" --seed ").append(s.seed);
        if (s.strategy.equals("dfs")) {
            StringBuilder f = new StringBuilder();
            // the forced list is the one the schedule ran with
            long[][] forced = s.forced == null ? new long[][] {new long[0], new long[0]} : s.forced.forcedList();
            for (int i = 0; i < forced[0].length; i++) {
                f.append(i == 0 ? "" : ",").append(forced[0][i]).append(':').append(forced[1][i]);
            }
            b.append(" --schedule ").append(f.length() == 0 ? "none" : f);
        }
        return b.toString();
    }

    private static String hex(Set<Long> gfns) {
        StringBuilder b = new StringBuilder();
        for (long g : gfns) {
            b.append(b.length() == 0 ? "" : ", ").append("0x").append(Long.toHexString(g));
        }
        return b.toString();
    }
}
