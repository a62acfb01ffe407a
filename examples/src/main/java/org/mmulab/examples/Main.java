// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import org.mmulab.examples.vmm.Migration;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.RunResult;

/** The {@code mmulab} command line. */
public final class Main {
    private Main() {}

    /** Scenarios this build can run, with a line each. */
    static final List<String[]> SCENARIOS = List.<String[]>of(
            new String[] {"migrate", "pre-copy live migration under load from N vCPUs; checks invariants 1 and 3"});
    /** Variants of the seed commit this build can run. */
    static final List<String[]> VARIANTS = List.<String[]>of(
            new String[] {"v3.16", "the code as the seed commit left it (default)"});

    static final String USAGE = String.join("\n",
            "usage: mmulab <command> [options]",
            "",
            "commands:",
            "  run SCENARIO [--variant V] [--vcpus N] [--memory SIZE] [--rounds R | --seconds S] [--seed N] [--json FILE]",
            "                     run a scenario on the machine (SIZE like 64M or 1G; defaults: 2 vCPUs, 64M, 5 rounds)",
            "  list               the scenarios and variants",
            "  demo [--pages N]   walk through the v3.16 dirty-logging path on the port, single-threaded",
            "  help               this text",
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
        try {
            switch (cmd) {
                case "run":
                    return runScenario(parseRun(args), out, err);
                case "list":
                    out.println("scenarios:");
                    for (String[] s : SCENARIOS) {
                        out.printf("  %-22s %s%n", s[0], s[1]);
                    }
                    out.println("variants:");
                    for (String[] v : VARIANTS) {
                        out.printf("  %-22s %s%n", v[0], v[1]);
                    }
                    return 0;
                case "demo":
                    return new DirtyLogDemo(out, parseDemoPages(args)).run();
                case "help":
                case "--help":
                case "-h":
                    out.print(USAGE);
                    return 0;
                default:
                    throw new UsageError("unknown command '" + cmd + "' (try: run, list, demo, help)");
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
        if (SCENARIOS.stream().noneMatch(s -> s[0].equals(c.scenario))) {
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
                    if (VARIANTS.stream().noneMatch(v -> v[0].equals(val))) {
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
                default:
                    throw new UsageError("run: unknown option '" + opt + "'");
            }
        }
        if (rounds && c.seconds > 0) {
            throw new UsageError("run: give --rounds or --seconds, not both");
        }
        return c;
    }

    private static long number(String opt, String val, long min, long max) throws UsageError {
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
        out.printf("mmulab run %s: variant %s, %d vCPU(s), %d MiB guest RAM (%d pages), %s, seed %d%n", c.scenario,
                c.variant, c.vcpus, c.memoryBytes >> 20, c.pages(),
                c.seconds > 0 ? String.format(Locale.ROOT, "%.1f s of pre-copy", c.seconds) : c.rounds + " round(s)", c.seed);
        RunResult r = new Migration(c, out, System.console() != null).run();
        out.printf("%d rounds, %d pages sent in %.2f s, %d remote TLB flushes; vCPU TLB flushes %s%n",
                r.rounds.size(), r.pagesSent, r.seconds, r.remoteFlushes, java.util.Arrays.toString(r.vcpuFlushes));
        if (r.invariantsHeld()) {
            out.println("invariants held: dirty-log completeness after every harvest; destination equals source.");
        } else {
            for (RunResult.LostPage p : r.lostPages) {
                out.printf("LOST PAGE gfn 0x%x: destination differs from source (last writer vcpu%d)%n", p.gfn(), p.lastWriter());
            }
            out.printf("INVARIANTS BROKEN: %d violation(s), %d lost page(s)%n", r.violations.size(), r.lostPages.size());
        }
        if (c.json != null) {
            try {
                Files.writeString(Paths.get(c.json), r.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("mmulab: cannot write " + c.json + ": " + e.getMessage());
                return 2;
            }
        }
        return r.invariantsHeld() ? 0 : 1;
    }
}
