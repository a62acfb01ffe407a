// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mmulab.examples.hooks.FlushGate;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code mmulab} command line, in the JVM {@link Launch} chose for the command ({@link Command}):
 * {@code java [-javaagent:lockdep-agent.jar=...] -jar examples.jar COMMAND ...}. Parsing, help,
 * {@code --version} and the completion script are picocli's; the commands ({@link MmulabCommand}
 * and its subcommands, each an {@link Action}) run here. Exit status: 0 held, 1 broke or
 * reported, 2 bad usage (one line on stderr).
 */
public final class Main {
    private Main() {}

    /** Help text width: fixed, so that the quoted help in the docs is the same on every terminal. */
    static final int WIDTH = 100;

    /** Where a command prints, and whether a person watches (progress lines only then). */
    record Io(PrintStream out, PrintStream err, boolean terminal) {}

    /**
     * A command: what it does once picocli has parsed its options. Main calls it in its own frame
     * (not through picocli's execute), so a lockdep report's call trace goes from the command to
     * {@code Main.run} and {@code Main.main}, without the parser's frames. It returns the exit
     * status, or throws a usage error ({@link #usage}).
     */
    public interface Action {
        int call();
    }

    public static void main(String[] args) {
        // on a terminal (not piped): explore's progress line, the ticker of run migrate --seconds
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, false);
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        CommandLine cl = commandLine(new Io(out, err, terminal));
        try {
            CommandLine.ParseResult parsed = cl.parseArgs(args);
            Integer help = CommandLine.executeHelpRequest(parsed); // --help, --version, help COMMAND
            if (help != null) {
                return help;
            }
            List<CommandLine> chain = parsed.asCommandLineList();
            return ((Action) chain.get(chain.size() - 1).getCommand()).call();
        } catch (ParameterException e) {
            cl.getErr().println("mmulab: " + problem(e));
            return CommandLine.ExitCode.USAGE;
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
            out.flush();
            err.flush();
        }
    }

    /** The whole command line: the top command, its subcommands in the order the help lists them. */
    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new MmulabCommand(io));
        cl.addSubcommand(new RunCommand(io));
        cl.addSubcommand(new ExploreCommand.Explore(io));
        cl.addSubcommand(new ExploreCommand.Replay(io));
        cl.addSubcommand(new PlotCommand(io));
        cl.addSubcommand(new MmulabCommand.ListScenarios(io));
        cl.addSubcommand(new MmulabCommand.Demo(io));
        cl.addSubcommand(new MmulabCommand.SelfTest(io));
        cl.addSubcommand(new org.mmulab.exercises.GradeCommand(io.out()));
        cl.addSubcommand(org.mmulab.course.CourseCommand.commandLine(io.out()));
        cl.addSubcommand(new MmulabCommand.Docs());
        cl.addSubcommand(new MmulabCommand.Completion(io));
        cl.addSubcommand(new CommandLine.HelpCommand());
        // picocli's help command, in the style of the others: the usage first
        cl.getSubcommands().get("help").getCommandSpec().usageMessage()
                .header(new String[0])
                .synopsisHeading("Usage: ")
                .descriptionHeading("%n")
                .description("Show the help of COMMAND (mmulab COMMAND --help), or this help without one.")
                .parameterListHeading("%n");
        apply(cl, io);
        return cl;
    }

    private static void apply(CommandLine cl, Io io) {
        cl.setOut(new PrintWriter(new OutputStreamWriter(io.out(), StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(io.err(), StandardCharsets.UTF_8), true));
        cl.setUsageHelpWidth(WIDTH);
    }

    /** A subcommand's words after {@code mmulab}: "grade", "course export". */
    static String qualifiedName(CommandLine c) {
        String name = c.getCommandName();
        for (CommandLine p = c.getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            name = p.getCommandName() + " " + name;
        }
        return name;
    }

    /** A usage error of the command {@code spec}: one line, exit 2, nothing run. */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * The one line of a usage error, after {@code mmulab: }: the command, then the problem in
     * the words of this CLI (picocli's own messages where they already say it plainly).
     */
    static String problem(ParameterException e) {
        CommandLine where = e.getCommandLine();
        boolean top = where == null || where.getParent() == null;
        String name = top ? "" : qualifiedName(where);
        String command = top ? "" : name + ": ";
        String see = top ? "mmulab --help" : "mmulab " + name + " --help";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            if (top && !arg.startsWith("-")) {
                return unknownCommand(where, arg);
            }
            if (arg.startsWith("-")) {
                String option = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                return command + "unknown option '" + option + "' (see: " + see + ")";
            }
            return command + "unexpected argument '" + arg + "' (see: " + see + ")";
        }
        if (e instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && !e.getMessage().startsWith("Expected parameter")) {
            ArgSpec missing = m.getMissing().get(0);
            if (missing instanceof OptionSpec o) {
                return command + o.longestName() + " needs a value (" + o.paramLabel() + ")";
            }
            // a required positional: which SCENARIO?
            List<String> values = new ArrayList<>();
            if (missing.completionCandidates() != null) {
                missing.completionCandidates().forEach(values::add);
            }
            return command + "which " + missing.paramLabel().toLowerCase(Locale.ROOT) + "?"
                    + (values.isEmpty() ? "" : " (one of " + String.join(", ", values) + ")");
        }
        String line = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        if (line.startsWith("Error: ")) {
            line = line.substring("Error: ".length());
        }
        Matcher help = Pattern.compile("Unknown subcommand '(.*)'\\.").matcher(line);
        if (top && help.matches()) { // mmulab help NOPE
            return "help: " + unknownCommand(where, help.group(1));
        }
        Matcher number = Pattern.compile("Invalid value for option '(.*)': '(.*)' is not an? (int|long|double)").matcher(line);
        if (number.matches()) {
            return command + number.group(1) + " needs " + (number.group(3).equals("double") ? "a number" : "a whole number")
                    + ", got '" + number.group(2) + "'";
        }
        if (!line.isEmpty() && Character.isUpperCase(line.charAt(0)) && (line.length() == 1 || !Character.isUpperCase(line.charAt(1)))) {
            line = Character.toLowerCase(line.charAt(0)) + line.substring(1);
        }
        return command + line;
    }

    /** "unknown command 'x'", the closest command when one is a slip away, and the list. */
    static String unknownCommand(CommandLine top, String word) {
        String closest = null;
        int best = 3; // at most two edits: a typo, not a guess
        for (String c : top.getSubcommands().keySet()) {
            int d = editDistance(word, c);
            if (d < best) {
                best = d;
                closest = c;
            }
        }
        return "unknown command '" + word + "'" + (closest == null ? "" : "; did you mean " + closest + "?")
                + " (commands: " + String.join(", ", top.getSubcommands().keySet()) + ")";
    }

    /** Levenshtein distance, with a swap of two neighbours as one edit. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** A whole number within [min, max], or a usage error naming the option and the range. */
    static long inRange(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw usage(spec, option + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** "64M", "1G", "4096K" or bytes; a multiple of 4 KiB between 64 KiB and 1 GiB. */
    static long size(CommandSpec spec, String val) {
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
            throw usage(spec, "--memory needs a size like 64M or 1G, got '" + val + "'");
        }
        if (n <= 0 || n > (1L << 30) / mult) {
            throw usage(spec, "--memory must be between 64K and 1G, got '" + val + "'");
        }
        long bytes = n * mult;
        if (bytes < (64L << 10) || bytes % 4096 != 0) {
            throw usage(spec, "--memory must be a multiple of 4K and at least 64K, got '" + val + "'");
        }
        return bytes;
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
    static int runScenarioInLoader(RunConfig c, Io io) {
        List<VariantLoader.Swap> hooks = new ArrayList<>();
        if (c.holdFlushMillis > 0) {
            hooks.add(VariantLoader.Swap.before("org/mmulab/kernel/virt/kvm/kvm_main", "kvm_flush_remote_tlbs",
                    "(Lorg/mmulab/kernel/linux/kvm;)V", "org/mmulab/examples/hooks/FlushGate", "beforeFlush"));
            FlushGate.arm(Scenario.named(c.scenario).flushHolder, c.holdFlushMillis);
        }
        try {
            VariantLoader loader = new VariantLoader(c.variant, Main.class.getClassLoader(), hooks,
                    org.mmulab.course.Kit.MACHINE_CALLS);
            Class<?> scenarios = loader.loadClass("org.mmulab.examples.vmm.Scenarios");
            Object r = scenarios.getMethod("run", Map.class, PrintStream.class, PrintStream.class, boolean.class)
                    .invoke(null, c.toMap(), io.out(), io.err(), io.terminal());
            return (Integer) r;
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            io.err().println("mmulab: the run failed: " + t);
            t.printStackTrace(io.err());
            return 1;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the scenario", e);
        } finally {
            FlushGate.disarm();
        }
    }
}
