// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mmulab.examples.hooks.FlushGate;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;

/**
 * The {@code mmulab} command line, in the JVM {@link Launch} chose for the command ({@link Command}):
 * {@code java [-javaagent:lockdep-agent.jar=...] -jar examples.jar COMMAND ...}.
 */
public final class Main {
    private Main() {}

    static final String USAGE = String.join("\n",
            "usage: mmulab <command> [options]",
            "",
            "commands:",
            "  run SCENARIO [--variant V] [--vcpus N] [--memory SIZE] [--rounds R | --seconds S] [--seed N] [--json FILE]",
            "               [--hold-flush MS]",
            "                     run a scenario on the machine (SIZE like 64M or 1G; defaults: 2 vCPUs, 64M, 5 rounds);",
            "                     --hold-flush holds the racing thread's late flush open MS ms (race scenarios)",
            "  explore SCENARIO [--variant V] [--strategy pct|random|dfs|stress] [--budget N | --seconds S] [--seed S]",
            "               [--depth D] [--preemptions P] [--rounds R] [--pages N] [--vcpus N] [--full] [--stop-on-lockdep]",
            "                     run the scenario again and again under a controlled scheduler, one schedule per seed,",
            "                     until an invariant breaks or the threads deadlock; print that schedule's timeline and",
            "                     the replay command (defaults: pct, depth 2, budget 1000, 1 vCPU, 8 pages); stress runs",
            "                     the same scenario with its threads not controlled, for comparison",
            "  replay SCENARIO [--variant V] [--strategy S] --seed S [--schedule LIST] [same options as explore]",
            "                     run exactly the schedule explore printed, and print its timeline again",
            "  list               the scenarios and variants",
            "  demo [--pages N]   walk through the v3.16 dirty-logging path on the port, single-threaded",
            "  lockdep-selftest   the lockdep self-test matrix (AA, ABBA, ... for spinlocks and mutexes)",
            "  grade [N [--reference]]  list the exercises, or grade exercise N (docs/exercises/) and print its score",
            "  docs [--kernel-src DIR] [--out DIR]",
            "                     the side-by-side reading site, C beside Java (docs/README.md; run by ./mmulab, not this jar)",
            "  help               this text",
            "",
            "./mmulab runs under the lockdep agent (lockdep-agent/target/lockdep-agent.jar) unless given --no-lockdep.",
            "");

    /** Bad usage: one line naming the bad argument, exit 2. */
    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String cmd = args.length == 0 ? "help" : args[0];
        Command command = Command.of(cmd);
        try {
            if (command == null) {
                throw new UsageError("unknown command '" + cmd + "' (try: run, explore, replay, list, demo, grade, help)");
            }
            switch (command) {
                case RUN:
                    return runScenario(parseRun(args), out, err);
                case EXPLORE:
                case REPLAY:
                    return ExploreCommand.run(args, out, err);
                case LIST:
                    out.println("scenarios:");
                    for (Scenario s : Scenario.values()) {
                        out.printf("  %-22s %s%n", s.name, s.description);
                    }
                    out.println("variants:");
                    for (Map.Entry<String, String> v : VariantLoader.DESCRIPTIONS.entrySet()) {
                        out.printf("  %-22s %s%n", v.getKey(), v.getValue());
                    }
                    return 0;
                case DEMO: {
                    DirtyLogDemo demo = new DirtyLogDemo(out, parseDemoPages(args));
                    return withLockdepVerdict(demo::run, out);
                }
                case LOCKDEP_SELFTEST:
                    // ./mmulab runs the agent jar's SelfTest; this is the same table under -javaagent
                    try {
                        Class<?> st = Class.forName("org.mmulab.lockdep.SelfTest", true, ClassLoader.getSystemClassLoader());
                        int[] failed = {0};
                        out.print(st.getMethod("table", int[].class).invoke(null, (Object) failed));
                        return failed[0] == 0 ? 0 : 1;
                    } catch (ReflectiveOperationException | LinkageError e) {
                        throw new UsageError("lockdep-selftest needs the lockdep agent: run it as ./mmulab lockdep-selftest");
                    }
                case GRADE:
                    try {
                        return org.mmulab.exercises.GradeCommand.run(args, out);
                    } catch (org.mmulab.exercises.GradeCommand.BadUsage e) {
                        throw new UsageError(e.getMessage());
                    }
                case HELP:
                    out.print(USAGE);
                    return 0;
                case DOCS:
                    throw new UsageError("docs is the docs module's generator: run it as ./mmulab docs (docs/target/docs.jar)");
                default:
                    throw new IllegalStateException("no handler for " + command);
            }
        } catch (UsageError e) {
            err.println("mmulab: " + e.getMessage());
            return 2;
        }
    }

    static long parseDemoPages(String[] args) throws UsageError {
        long pages = 128;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--pages") && i + 1 < args.length) {
                try {
                    pages = Long.parseLong(args[++i]);
                } catch (NumberFormatException e) {
                    throw new UsageError("demo: --pages needs a number, got '" + args[i] + "'");
                }
                if (pages < 8 || pages > 1 << 20) {
                    throw new UsageError("demo: --pages must be between 8 and 1048576");
                }
            } else {
                throw new UsageError("demo: unknown option '" + args[i] + "'");
            }
        }
        return pages;
    }

    static RunConfig parseRun(String[] args) throws UsageError {
        if (args.length < 2 || args[1].startsWith("--")) {
            throw new UsageError("run: which scenario? (see: mmulab list)");
        }
        RunConfig c = new RunConfig();
        c.scenario = args[1];
        Scenario scenario = Scenario.named(c.scenario);
        if (scenario == null) {
            throw new UsageError("run: unknown scenario '" + c.scenario + "' (see: mmulab list)");
        }
        boolean rounds = false;
        for (int i = 2; i < args.length; i++) {
            String opt = args[i];
            if (!opt.startsWith("--") || i + 1 >= args.length) {
                throw new UsageError("run: '" + opt + "' needs the form --option value");
            }
            String val = args[++i];
            switch (opt) {
                case "--variant":
                    c.variant = val;
                    if (!VariantLoader.DESCRIPTIONS.containsKey(val)) {
                        throw new UsageError("run: unknown variant '" + val + "' (see: mmulab list)");
                    }
                    break;
                case "--vcpus":
                    c.vcpus = (int) number(opt, val, 1, 64);
                    break;
                case "--memory":
                    c.memoryBytes = size(val);
                    break;
                case "--rounds":
                    c.rounds = (int) number(opt, val, 1, 1_000_000);
                    rounds = true;
                    break;
                case "--seconds":
                    try {
                        c.seconds = Double.parseDouble(val);
                    } catch (NumberFormatException e) {
                        throw new UsageError("run: --seconds needs a number, got '" + val + "'");
                    }
                    if (!(c.seconds > 0 && c.seconds <= 3600)) {
                        throw new UsageError("run: --seconds must be in (0, 3600], got '" + val + "'");
                    }
                    break;
                case "--seed":
                    c.seed = number(opt, val, Long.MIN_VALUE, Long.MAX_VALUE);
                    break;
                case "--json":
                    c.json = val;
                    break;
                case "--hold-flush":
                    c.holdFlushMillis = number(opt, val, 0, 10_000);
                    break;
                default:
                    throw new UsageError("run: unknown option '" + opt + "'");
            }
        }
        if (rounds && c.seconds > 0) {
            throw new UsageError("run: give --rounds or --seconds, not both");
        }
        if (c.holdFlushMillis > 0 && scenario.flushHolder == null) {
            throw new UsageError("run: --hold-flush is for the race scenarios (" + String.join(", ", Scenario.races()) + ")");
        }
        return c;
    }

    static long number(String opt, String val, long min, long max) throws UsageError {
        long n;
        try {
            n = Long.parseLong(val);
        } catch (NumberFormatException e) {
            throw new UsageError("run: " + opt + " needs a whole number, got '" + val + "'");
        }
        if (n < min || n > max) {
            throw new UsageError("run: " + opt + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** "64M", "1G", "4096K" or bytes; a multiple of 4 KiB between 64 KiB and 1 GiB. */
    static long size(String val) throws UsageError {
        String v = val.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
            mult = v.endsWith("K") ? 1L << 10 : v.endsWith("M") ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageError("run: --memory needs a size like 64M or 1G, got '" + val + "'");
        }
        if (n <= 0 || n > (1L << 30) / mult) {
            throw new UsageError("run: --memory must be between 64K and 1G, got '" + val + "'");
        }
        long bytes = n * mult;
        if (bytes < (64L << 10) || bytes % 4096 != 0) {
            throw new UsageError("run: --memory must be a multiple of 4K and at least 64K, got '" + val + "'");
        }
        return bytes;
    }

    static int runScenario(RunConfig c, PrintStream out, PrintStream err) {
        return withLockdepVerdict(() -> runScenarioInLoader(c, out, err), out);
    }

    /** Runs a command; under the agent, says how many lockdep reports it caused, and any makes it exit 1. */
    static int withLockdepVerdict(java.util.function.IntSupplier command, PrintStream out) {
        int before = LockdepReports.count();
        int rc = command.getAsInt();
        int after = LockdepReports.count();
        if (after >= 0) {
            int n = after - Math.max(before, 0);
            out.println(n == 0 ? "lockdep: no reports." : "lockdep: " + n + " report(s); a run with a lockdep report exits 1.");
            if (n > 0 && rc == 0) {
                rc = 1;
            }
        }
        return rc;
    }

    /**
     * Runs the scenario in a fresh variant loader: the port, the machine and the VMM are loaded
     * anew with the variant's methods swapped in (and the flush hook, with --hold-flush).
     */
    static int runScenarioInLoader(RunConfig c, PrintStream out, PrintStream err) {
        List<VariantLoader.Swap> hooks = new java.util.ArrayList<>();
        if (c.holdFlushMillis > 0) {
            hooks.add(VariantLoader.Swap.before("org/mmulab/kernel/virt/kvm/kvm_main", "kvm_flush_remote_tlbs",
                    "(Lorg/mmulab/kernel/linux/kvm;)V", "org/mmulab/examples/hooks/FlushGate", "beforeFlush"));
            FlushGate.arm(Scenario.named(c.scenario).flushHolder, c.holdFlushMillis);
        }
        try {
            VariantLoader loader = new VariantLoader(c.variant, Main.class.getClassLoader(), hooks);
            Class<?> scenarios = loader.loadClass("org.mmulab.examples.vmm.Scenarios");
            Object r = scenarios.getMethod("run", Map.class, PrintStream.class, PrintStream.class, boolean.class)
                    .invoke(null, c.toMap(), out, err, System.console() != null);
            return (Integer) r;
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            err.println("mmulab: the run failed: " + t);
            t.printStackTrace(err);
            return 1;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the scenario", e);
        } finally {
            FlushGate.disarm();
        }
    }
}
