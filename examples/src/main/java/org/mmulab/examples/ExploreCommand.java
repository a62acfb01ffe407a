// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.explore.Describer;
import org.mmulab.examples.explore.Explorer;
import org.mmulab.examples.explore.Target;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Sched;

/**
 * {@code mmulab explore} and {@code mmulab replay}: a scenario under the controlled scheduler of
 * the lockdep agent (woven with {@code explore=true}, which {@link Command} asks for these
 * commands). The explorer ({@link Explorer}) drives the scheduler core the agent wove in.
 */
final class ExploreCommand {
    private ExploreCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws Main.UsageError {
        String cmd = args[0];
        try {
            // the agent's classes are on the class path only under -javaagent (they are not in lib/)
            Class.forName("org.mmulab.lockdep.explore.Sched", false, ExploreCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new Main.UsageError(cmd + " needs the lockdep agent with explore=true: run it as ./mmulab " + cmd + " ...");
        }
        boolean replay = cmd.equals("replay");
        if (args.length < 2 || args[1].startsWith("--")) {
            throw new Main.UsageError(cmd + ": which scenario? (one of " + Scenario.exploreNames() + ")");
        }
        RunConfig c = new RunConfig();
        c.scenario = args[1];
        Scenario scenario = Scenario.named(c.scenario);
        if (scenario == null) {
            throw new Main.UsageError(cmd + ": unknown scenario '" + c.scenario + "' (one of " + Scenario.exploreNames() + ")");
        }
        scenario.exploreDefaults(c);
        Explorer.Options o = new Explorer.Options();
        o.scenario = c.scenario;
        boolean seedGiven = false;
        boolean budgetGiven = false;
        StringBuilder extra = new StringBuilder();
        for (int i = 2; i < args.length; i++) {
            String opt = args[i];
            if (opt.equals("--full")) {
                o.full = true;
                continue;
            }
            if (opt.equals("--stop-on-lockdep")) {
                o.stopOnLockdep = true;
                extra.append(" --stop-on-lockdep");
                continue;
            }
            if (!opt.startsWith("--") || i + 1 >= args.length) {
                throw new Main.UsageError(cmd + ": '" + opt + "' needs the form --option value");
            }
            String val = args[++i];
            switch (opt) {
                case "--variant":
                    if (!VariantLoader.DESCRIPTIONS.containsKey(val)) {
                        throw new Main.UsageError(cmd + ": unknown variant '" + val + "' (see: mmulab list)");
                    }
                    c.variant = val;
                    break;
                case "--strategy":
                    if (!List.of("pct", "random", "dfs", "stress").contains(val)) {
                        throw new Main.UsageError(cmd + ": --strategy is pct, random, dfs or stress, got '" + val + "'");
                    }
                    if (replay && val.equals("stress")) {
                        throw new Main.UsageError("replay: a stress run (threads not controlled) cannot be replayed");
                    }
                    o.strategy = val;
                    break;
                case "--budget":
                    o.budget = num(cmd, opt, val, 1, 100_000_000);
                    budgetGiven = true;
                    break;
                case "--seconds":
                    o.seconds = num(cmd, opt, val, 1, 86_400);
                    break;
                case "--seed":
                    o.seed = num(cmd, opt, val, 0, Long.MAX_VALUE / 2);
                    seedGiven = true;
                    break;
                case "--depth":
                    o.depth = (int) num(cmd, opt, val, 1, 10);
                    break;
                case "--preemptions":
                    o.preemptions = (int) num(cmd, opt, val, 0, 10);
                    break;
                case "--schedule":
                    try {
                        o.schedule = val;
                        checkSchedule(val);
                    } catch (IllegalArgumentException e) {
                        throw new Main.UsageError(cmd + ": " + e.getMessage());
                    }
                    break;
                case "--rounds":
                    c.rounds = (int) num(cmd, opt, val, 1, 1000);
                    extra.append(" --rounds ").append(val);
                    break;
                case "--pages":
                    c.memoryBytes = num(cmd, opt, val, 1, 4096) * 4096;
                    extra.append(" --pages ").append(val);
                    break;
                case "--vcpus":
                    c.vcpus = (int) num(cmd, opt, val, 1, 8);
                    extra.append(" --vcpus ").append(val);
                    break;
                default:
                    throw new Main.UsageError(cmd + ": unknown option '" + opt + "'");
            }
        }
        if (budgetGiven && o.seconds > 0) {
            throw new Main.UsageError(cmd + ": give --budget or --seconds, not both");
        }
        if (replay && !seedGiven && !o.strategy.equals("dfs")) {
            throw new Main.UsageError("replay: which schedule? give the --seed that explore printed");
        }
        if (replay && o.strategy.equals("dfs") && o.schedule == null) {
            throw new Main.UsageError("replay: a dfs schedule needs the --schedule that explore printed");
        }
        o.variant = c.variant;
        o.replayOptions = extra.toString();
        try {
            if (!Sched.woven()) {
                throw new Main.UsageError(cmd + " needs the lockdep agent with explore=true: run it as ./mmulab " + cmd + " ...");
            }
        } catch (LinkageError e) {
            throw new Main.UsageError(cmd + " needs the lockdep agent with explore=true: run it as ./mmulab " + cmd + " ...");
        }
        Target target;
        try {
            VariantLoader loader = new VariantLoader(c.variant, Main.class.getClassLoader(), List.of());
            Class<?> exploration = loader.loadClass("org.mmulab.examples.vmm.Exploration");
            target = new Target((Body) exploration.getMethod("body", Map.class).invoke(null, c.toMap()),
                    (Describer) exploration.getMethod("describer").invoke(null));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the scenario", e);
        }
        return replay ? Explorer.replay(target, o, out) : Explorer.explore(target, o, out);
    }

    /** A whole number in range; the message names this command, not run. */
    private static long num(String cmd, String opt, String val, long min, long max) throws Main.UsageError {
        try {
            return Main.number(opt, val, min, max);
        } catch (Main.UsageError e) {
            throw new Main.UsageError(cmd + e.getMessage().substring(e.getMessage().indexOf(':')));
        }
    }

    private static void checkSchedule(String val) {
        if (!val.equals("none") && !val.matches("\\d+:\\d+(,\\d+:\\d+)*")) {
            throw new IllegalArgumentException("--schedule is step:thread,step:thread,... or none, got '" + val + "'");
        }
    }
}
