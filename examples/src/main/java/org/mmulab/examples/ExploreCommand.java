// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.explore.Describer;
import org.mmulab.examples.explore.Explorer;
import org.mmulab.examples.explore.Progress;
import org.mmulab.examples.explore.Target;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Sched;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mmulab explore} and {@code mmulab replay}: a scenario under the controlled scheduler of
 * the lockdep agent (woven with {@code explore=true}, which {@link Command} asks for these
 * commands). The explorer ({@link Explorer}) drives the scheduler core the agent wove in. The
 * options both take are here; {@link Explore} and {@link Replay} add their own.
 */
abstract class ExploreCommand implements Main.Action {
    static final int DEPTH_MAX = 10;
    static final int ROUNDS_MAX = 1000;
    static final int PAGES_MAX = 4096;
    static final int VCPUS_MAX = 8;
    static final long SEED_MAX = Long.MAX_VALUE / 2;
    static final String SEED_RANGE = "0 to 2^62-1";

    final Main.Io io;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", completionCandidates = Candidates.ExploreScenarios.class,
            description = "One of ${COMPLETION-CANDIDATES}.")
    String scenario;

    @Option(names = "--variant", paramLabel = "V", order = 1, completionCandidates = Candidates.Variants.class,
            description = "The seed commit's version: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String variant = "v3.16";

    @Option(names = "--depth", paramLabel = "D", order = 4,
            description = "pct: the bug depth, its change points per schedule plus one, 1-" + DEPTH_MAX + " (default: ${DEFAULT-VALUE}).")
    int depth = 2;

    @Option(names = "--rounds", paramLabel = "R", order = 7,
            description = "Harvests in one schedule, 1-" + ROUNDS_MAX + " (default: the scenario's, 2 or 4).")
    Integer rounds;

    @Option(names = "--pages", paramLabel = "N", order = 8, description = "Guest RAM in 4K pages, 1-" + PAGES_MAX + " (default: 8).")
    Integer pages;

    @Option(names = "--vcpus", paramLabel = "N", order = 9, description = "vCPU threads, 1-" + VCPUS_MAX + " (default: 1).")
    Integer vcpus;

    @Option(names = "--full", order = 10, description = "Print every lockdep report in full (repeated WARNs are folded otherwise).")
    boolean full;

    @Option(names = "--html", paramLabel = "FILE", order = 12,
            description = "Also write a report page to FILE: the timeline with each step linked to the side-by-side row of "
                    + "the code it ran, and the lockdep reports with their frames linked.")
    Path html;

    @Option(names = "--site", paramLabel = "DIR", order = 13,
            description = "Where the side-by-side site is, for --html's links (default: docs/target/site in the repository).")
    Path site;

    @Option(names = "--stop-on-lockdep", order = 11, description = "A lockdep report is a finding too: stop at the first.")
    boolean stopOnLockdep;

    @Option(names = "--clock", paramLabel = "C", order = 11,
            description = "shared (default): System.nanoTime reads the virtual clock that every step advances; per-thread: "
                    + "it reads the thread's own (its steps and the waits it timed out of); timed waits end on the shared "
                    + "clock either way. --reduction needs per-thread.")
    String clock;

    @Mixin
    StandardOptions standard;

    ExploreCommand(Main.Io io) {
        this.io = io;
    }

    abstract boolean replay();

    abstract String strategy();

    /** Sets what only this command takes (budget, schedule) on {@code o}, checked. */
    abstract void own(Explorer.Options o);

    @Override
    public int call() {
        String cmd = spec.name();
        String needsAgent = "needs the lockdep agent with explore=true: run it as ./mmulab " + cmd + " ...";
        try {
            // the agent's classes are on the class path only under -javaagent (they are not in lib/)
            Class.forName("org.mmulab.lockdep.explore.Sched", false, ExploreCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw Main.usage(spec, needsAgent);
        }
        RunConfig c = new RunConfig();
        c.scenario = scenario;
        Scenario s = Scenario.named(scenario);
        if (s == null) {
            throw Main.usage(spec, "unknown scenario '" + scenario + "' (one of " + Scenario.exploreNames() + ")");
        }
        s.exploreDefaults(c);
        if (!Candidates.variants().contains(variant)) {
            throw Main.usage(spec, "unknown variant '" + variant + "' (see: mmulab list)");
        }
        c.variant = variant;
        Explorer.Options o = new Explorer.Options();
        o.scenario = scenario;
        o.variant = variant;
        o.strategy = strategy();
        o.depth = (int) Main.inRange(spec, "--depth", depth, 1, DEPTH_MAX);
        o.full = full;
        o.stopOnLockdep = stopOnLockdep;
        // the options of the scenario's configuration that the printed replay command repeats
        StringBuilder extra = new StringBuilder();
        if (stopOnLockdep) {
            extra.append(" --stop-on-lockdep");
        }
        if (rounds != null) {
            c.rounds = (int) Main.inRange(spec, "--rounds", rounds, 1, ROUNDS_MAX);
            extra.append(" --rounds ").append(rounds);
        }
        if (pages != null) {
            c.memoryBytes = Main.inRange(spec, "--pages", pages, 1, PAGES_MAX) * 4096;
            extra.append(" --pages ").append(pages);
        }
        if (vcpus != null) {
            c.vcpus = (int) Main.inRange(spec, "--vcpus", vcpus, 1, VCPUS_MAX);
            extra.append(" --vcpus ").append(vcpus);
        }
        own(o);
        if (clock != null && !clock.equals("shared") && !clock.equals("per-thread")) {
            throw Main.usage(spec, "--clock is shared or per-thread, got '" + clock + "'");
        }
        o.perThreadClock = "per-thread".equals(clock);
        if (o.perThreadClock) {
            extra.append(" --clock per-thread");
        }
        if (o.reduction && !o.perThreadClock) {
            throw Main.usage(spec, "--reduction needs --clock per-thread (with a shared clock every step depends on every other)");
        }
        o.replayOptions = extra.toString();
        if (html != null) {
            String why = RunCommand.cannotWrite(html);
            if (why != null) {
                throw Main.usage(spec, "--html " + html + ": " + why);
            }
        } else if (site != null) {
            throw Main.usage(spec, "--site is for the links of --html FILE");
        }
        try {
            if (!Sched.woven()) {
                throw Main.usage(spec, needsAgent);
            }
        } catch (LinkageError e) {
            throw Main.usage(spec, needsAgent);
        }
        Target target;
        try {
            VariantLoader loader = new VariantLoader(c.variant, Main.class.getClassLoader(), List.of(),
                    org.mmulab.course.Kit.MACHINE_CALLS);
            Class<?> exploration = loader.loadClass("org.mmulab.examples.vmm.Exploration");
            target = new Target((Body) exploration.getMethod("body", Map.class).invoke(null, c.toMap()),
                    (Describer) exploration.getMethod("describer").invoke(null));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the scenario", e);
        }
        RunReport.Tee tee = html == null ? null : new RunReport.Tee(io.out());
        java.io.PrintStream out = tee == null ? io.out() : new java.io.PrintStream(tee, true, java.nio.charset.StandardCharsets.UTF_8);
        int rc;
        if (replay()) {
            rc = Explorer.replay(target, o, out);
        } else {
            // on a terminal: schedules done, distinct, found so far and the rate, on one line of stderr
            o.progress = io.terminal() ? Progress.to(io.err()) : Progress.OFF;
            rc = Explorer.explore(target, o, out);
        }
        if (tee != null) {
            out.flush();
            Path siteDir = site != null ? site : RunReport.defaultSite();
            String title = "mmulab " + spec.name() + " " + scenario + " (variant " + variant + ")";
            try {
                page(title, tee.text(), html, siteDir).write(html);
            } catch (java.io.IOException e) {
                io.err().println("mmulab: cannot write " + html + ": " + org.mmulab.examples.vmm.Scenarios.why(e));
                return 2;
            }
            io.out().println("report page: " + html);
        }
        return rc;
    }

    /** The report page of what explore (or replay) printed: the timeline's steps linked to the code they ran. */
    static org.mmulab.examples.report.ReportPage page(String title, String printed, Path html, Path siteDir) {
        org.mmulab.examples.report.CodeLinks links = new org.mmulab.examples.report.CodeLinks(
                org.mmulab.examples.report.CodeLinks.relative(html, siteDir), Main.class.getClassLoader());
        org.mmulab.examples.report.StepLinks steps = new org.mmulab.examples.report.StepLinks(links);
        org.mmulab.examples.report.ReportPage page = new org.mmulab.examples.report.ReportPage(title);
        page.note("Links into the code go to the side-by-side site at " + siteDir.toAbsolutePath().normalize() + " ("
                + (links.siteHref().isEmpty() ? "this directory" : links.siteHref()) + " from this page): write it with "
                + "./mmulab docs --kernel-src DIR, or give --site DIR where it is. A timeline row links the step to the "
                + "function that ran it: an ioctl to its handler, a marked function, a flush, a kick.");
        page.pre("Timeline and findings", "timeline", steps.link(printed));
        return page;
    }

    /** {@code mmulab explore}. */
    @Command(name = "explore", sortOptions = false, sortSynopsis = false,
            descriptionHeading = "%n",
            description = {
                "Look for a schedule that breaks the scenario, under a controlled scheduler.",
                "",
                "Runs SCENARIO again and again under the controlled scheduler the lockdep agent wove in (explore=true), one "
                        + "schedule per seed, until an invariant breaks or the threads deadlock; then prints that "
                        + "schedule's timeline, what broke, and the replay command that runs it again. On a terminal a "
                        + "line on stderr shows the schedules run, how many were distinct, what was found so far and the rate.",
                "",
                "Strategies: pct (probabilistic concurrency testing: D-1 random change points), random (a random walk), "
                        + "dfs (every schedule with at most P preemptions), stress (the threads not controlled, as run "
                        + "does: a baseline, not replayable)."},
            parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {
                "0:nothing found within the budget",
                "1:a schedule broke an invariant, deadlocked, failed, or (--stop-on-lockdep) made lockdep report",
                "2:bad usage (one line on stderr, nothing run)",
                "3:a schedule hung outside the scheduler",
                "4:--exhaustive: the budget or time ran out before every schedule within the bound was run (not verified)"})
    static final class Explore extends ExploreCommand {
        static final long BUDGET_MAX = 100_000_000;
        static final long SECONDS_MAX = 86_400;
        static final int PREEMPTIONS_MAX = 10;

        @Option(names = "--strategy", paramLabel = "S", order = 2, completionCandidates = Candidates.ExploreStrategies.class,
                description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        String strategy = "pct";

        @Option(names = "--seed", paramLabel = "N", order = 3,
                description = "The first seed; each schedule takes the next, " + SEED_RANGE + " (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Option(names = "--preemptions", paramLabel = "P", order = 5,
                description = "dfs: the most preemptions in one schedule, 0-" + PREEMPTIONS_MAX + " (default: ${DEFAULT-VALUE}).")
        int preemptions = 2;

        @Option(names = "--exhaustive", order = 5,
                description = "dfs: run every schedule within --preemptions (no budget unless one is given) and end with a "
                        + "'verified:' line (exit 0), or exit 4 if the budget or time ran out first.")
        boolean exhaustive;

        @Option(names = "--reduction", order = 5,
                description = "--exhaustive with --clock per-thread: do not run a schedule from a state (every thread's "
                        + "happens-before hash) that an earlier schedule explored with as many preemptions left.")
        boolean reduction;

        @Option(names = "--budget", paramLabel = "N", order = 6,
                description = "Schedules to run at most, 1-" + BUDGET_MAX + " (default: 1000; with --exhaustive: no limit).")
        Long budget;

        @Option(names = "--seconds", paramLabel = "S", order = 6,
                description = "Explore for S seconds instead of a budget, 1-" + SECONDS_MAX + ".")
        Long seconds;

        Explore(Main.Io io) {
            super(io);
        }

        @Override
        boolean replay() {
            return false;
        }

        @Override
        String strategy() {
            if (!Candidates.ExploreStrategies.ALL.contains(strategy)) {
                throw Main.usage(spec, "--strategy is pct, random, dfs or stress, got '" + strategy + "'");
            }
            return strategy;
        }

        @Override
        void own(Explorer.Options o) {
            o.seed = Main.inRange(spec, "--seed", seed, 0, SEED_MAX);
            o.preemptions = (int) Main.inRange(spec, "--preemptions", preemptions, 0, PREEMPTIONS_MAX);
            if (budget != null) {
                o.budget = Main.inRange(spec, "--budget", budget, 1, BUDGET_MAX);
            }
            if (seconds != null) {
                o.seconds = Main.inRange(spec, "--seconds", seconds, 1, SECONDS_MAX);
            }
            if (budget != null && seconds != null) {
                throw Main.usage(spec, "give --budget or --seconds, not both");
            }
            if (exhaustive) {
                if (!strategy.equals("dfs")) {
                    throw Main.usage(spec, "--exhaustive needs --strategy dfs");
                }
                o.exhaustive = true;
                o.reduction = reduction;
                if (budget == null && seconds == null) {
                    o.budget = Integer.MAX_VALUE;
                }
            } else if (reduction) {
                throw Main.usage(spec, "--reduction is for --exhaustive");
            }
        }
    }

    /** {@code mmulab replay}. */
    @Command(name = "replay", sortOptions = false, sortSynopsis = false,
            descriptionHeading = "%n",
            description = {
                "Run again exactly the schedule explore printed.",
                "",
                "Runs the one schedule that explore's replay line names (its seed, or for dfs its --schedule) and prints "
                        + "its timeline again, the same byte for byte: copy the line explore printed."},
            parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {
                "0:the schedule broke nothing",
                "1:it broke an invariant, deadlocked, failed, or (--stop-on-lockdep) made lockdep report",
                "2:bad usage (one line on stderr, nothing run)",
                "3:it hung outside the scheduler"})
    static final class Replay extends ExploreCommand {
        @Option(names = "--strategy", paramLabel = "S", order = 2, completionCandidates = Candidates.ReplayStrategies.class,
                description = "The strategy explore used: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        String strategy = "pct";

        @Option(names = "--seed", paramLabel = "N", order = 3,
                description = "The schedule's seed as explore printed it, " + SEED_RANGE + " (pct and random need it).")
        Long seed;

        @Option(names = "--schedule", paramLabel = "LIST", order = 5,
                description = "dfs: the forced switches explore printed, step:thread,step:thread,... or none.")
        String schedule;

        Replay(Main.Io io) {
            super(io);
        }

        @Override
        boolean replay() {
            return true;
        }

        @Override
        String strategy() {
            if (strategy.equals("stress")) {
                throw Main.usage(spec, "a stress run (threads not controlled) cannot be replayed");
            }
            if (!Candidates.ReplayStrategies.ALL.contains(strategy)) {
                throw Main.usage(spec, "--strategy is pct, random or dfs, got '" + strategy + "'");
            }
            return strategy;
        }

        @Override
        void own(Explorer.Options o) {
            if (seed != null) {
                o.seed = Main.inRange(spec, "--seed", seed, 0, SEED_MAX);
            }
            if (schedule != null) {
                if (!schedule.equals("none") && !schedule.matches("\\d+:\\d+(,\\d+:\\d+)*")) {
                    throw Main.usage(spec, "--schedule is step:thread,step:thread,... or none, got '" + schedule + "'");
                }
                o.schedule = schedule;
            }
            if (seed == null && !o.strategy.equals("dfs")) {
                throw Main.usage(spec, "which schedule? give the --seed that explore printed");
            }
            if (o.strategy.equals("dfs") && o.schedule == null) {
                throw Main.usage(spec, "a dfs schedule needs the --schedule that explore printed");
            }
        }
    }
}
