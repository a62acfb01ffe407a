// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.Scenario;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mmulab}: the top command, and the subcommands too small for a file of their own. Which
 * JVM each runs in is {@link org.mmulab.examples.Command}'s table; a test holds the two lists equal.
 */
@Command(name = "mmulab", mixinStandardHelpOptions = true, versionProvider = MmulabCommand.Version.class,
        sortOptions = false,
        synopsisSubcommandLabel = "COMMAND",
        descriptionHeading = "%n",
        description = {
            "The Linux v3.16 KVM x86 MMU, ported to Java, with a lockdep agent: run its scenarios, explore their "
                    + "schedules, grade the exercises.",
            "",
            "Each COMMAND runs in its own JVM, started by ./mmulab (which builds the project first when a source "
                    + "changed): under the lockdep agent (lockdep-agent/target/lockdep-agent.jar) unless given "
                    + "--no-lockdep, anywhere on the line; docs runs the docs module's generator."},
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the command held: no invariant broke, lockdep reported nothing",
            "1:an invariant broke, lockdep reported, or a grade was short of full marks",
            "2:bad usage (one line on stderr, nothing run)"},
        footerHeading = "%n",
        footer = {"'mmulab COMMAND --help' tells more about a command. 'source <(./mmulab completion)' completes "
                + "commands, options and their values in bash."})
final class MmulabCommand implements Main.Action {
    private final Main.Io io;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-lockdep", description = "Run without the lockdep agent (./mmulab reads it anywhere on the line).")
    boolean noLockdep;

    MmulabCommand(Main.Io io) {
        this.io = io;
    }

    /** No command: the usage, on stderr, and exit 2. */
    @Override
    public int call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** {@code mmulab --version}: this build's version (from Maven) and the kernel it ports. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = properties();
            String version = p.getProperty("version", MmulabCommand.class.getPackage().getImplementationVersion());
            return new String[] {
                "mmulab " + (version == null ? "(version unknown: not built by Maven)" : version),
                "a Java port of the Linux " + p.getProperty("kernel", "v3.16") + " KVM x86 MMU (dirty logging), with a lockdep agent",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("java.vm.name")};
        }

        /** version.properties, filtered by Maven (examples/pom.xml). */
        static Properties properties() {
            Properties p = new Properties();
            try (InputStream in = MmulabCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // no version then: getVersion says so
            }
            return p;
        }
    }

    /** {@code mmulab list}. */
    @Command(name = "list", description = "Print the scenarios and the variants.")
    static final class ListScenarios implements Main.Action {
        private final Main.Io io;

        @Mixin
        StandardOptions standard;

        ListScenarios(Main.Io io) {
            this.io = io;
        }

        @Override
        public int call() {
            io.out().println("scenarios:");
            for (Scenario s : Scenario.values()) {
                io.out().printf("  %-22s %s%n", s.name, s.description);
            }
            io.out().println("variants:");
            for (Map.Entry<String, String> v : VariantLoader.DESCRIPTIONS.entrySet()) {
                io.out().printf("  %-22s %s%n", v.getKey(), v.getValue());
            }
            return 0;
        }
    }

    /** {@code mmulab demo}. */
    @Command(name = "demo", sortOptions = false,
            descriptionHeading = "%n",
            description = {"Walk through the v3.16 dirty-logging path on the port, single-threaded.", "",
                "Each step of KVM_GET_DIRTY_LOG and the write protection it does, printed as the port takes it, "
                        + "each checked against what v3.16 says."},
            optionListHeading = "%nOptions:%n",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:every step behaved as v3.16 says", "1:a step did not, or lockdep reported", "2:bad usage"})
    static final class Demo implements Main.Action {
        static final long PAGES_MIN = 8;
        static final long PAGES_MAX = 1 << 20;

        private final Main.Io io;

        @Spec
        CommandSpec spec;

        @Option(names = "--pages", paramLabel = "N",
                description = "Guest pages in the slot, " + PAGES_MIN + "-" + PAGES_MAX + " (default: ${DEFAULT-VALUE}).")
        long pages = 128;

        @Mixin
        StandardOptions standard;

        Demo(Main.Io io) {
            this.io = io;
        }

        @Override
        public int call() {
            DirtyLogDemo demo = new DirtyLogDemo(io.out(), Main.inRange(spec, "--pages", pages, PAGES_MIN, PAGES_MAX));
            return Main.withLockdepVerdict(demo::run, io.out());
        }
    }

    /**
     * {@code mmulab lockdep-selftest}: the port's lib/locking-selftest.c
     * ({@link org.mmulab.kernel.lib.locking_selftest}) under the agent, printing the kernel's table.
     */
    @Command(name = "lockdep-selftest",
            descriptionHeading = "%n",
            description = {"Run the kernel's locking API self-test (lib/locking-selftest.c, ported).", "",
                "253 cases over spinlocks, rwlocks, mutexes, rw-semaphores and ww_mutexes, printed as the "
                        + "kernel's table.", "",
                "./mmulab runs it under the lockdep agent (mode=once), as a CONFIG_PROVE_LOCKING kernel "
                        + "runs it at boot; without the agent (CONFIG_LOCKDEP=n) there is nothing to test."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:every case as expected", "1:a case was not", "2:bad usage"})
    static final class SelfTest implements Main.Action {
        private final Main.Io io;

        @Spec
        CommandSpec spec;

        @Mixin
        StandardOptions standard;

        SelfTest(Main.Io io) {
            this.io = io;
        }

        @Override
        public int call() {
            if (LockdepReports.count() < 0) {
                throw Main.usage(spec, "needs the lockdep agent (without it the port is CONFIG_LOCKDEP=n, "
                        + "and the kernel does not run its self-test either): run it as ./mmulab lockdep-selftest");
            }
            PrintStream out = io.out();
            int unexpected = org.mmulab.kernel.lib.locking_selftest.locking_selftest(out::print);
            out.flush();
            return unexpected == 0 ? 0 : 1;
        }
    }

    /**
     * {@code mmulab docs}: the docs module's generator, which ./mmulab runs from docs/target/docs.jar
     * (its own --help is the one users see). Declared here for the command list and the completion;
     * the options are docs' {@code org.mmulab.docs.Main}'s.
     */
    @Command(name = "docs",
            description = {"Write the side-by-side reading site, C beside Java (docs/README.md).", "",
                "Run by ./mmulab from docs/target/docs.jar: ./mmulab docs --help."})
    static final class Docs implements Main.Action {
        @Spec
        CommandSpec spec;

        @Option(names = "--kernel-src", paramLabel = "DIR", description = "A Linux v3.16 tree: show the C, check every cited range.")
        Path kernelSrc;

        @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default: docs/target/site).")
        Path out;

        @Option(names = "--java-src", paramLabel = "DIR", description = "The port's Java sources (default: kernel-port/src/main/java).")
        Path javaSrc;

        @Option(names = "--write-klines", description = "With --kernel-src: also write the line map the pages use without a tree.")
        boolean writeKlines;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Override
        public int call() {
            throw Main.usage(spec, "docs is the docs module's generator: run it as ./mmulab docs (docs/target/docs.jar)");
        }
    }

    /** {@code mmulab completion}: the bash completion script, generated by picocli from this command line. */
    @Command(name = "completion",
            descriptionHeading = "%n",
            description = {
                "Print the bash completion script: source <(./mmulab completion).",
                "",
                "Completes commands, options and the values of --variant, --strategy and SCENARIO. For this shell: "
                        + "source <(./mmulab completion). For every shell of yours: "
                        + "./mmulab completion > ~/.local/share/bash-completion/completions/mmulab (with the "
                        + "bash-completion package), or the source line in ~/.bashrc. It completes 'mmulab' and "
                        + "'./mmulab' alike; put the repository on your PATH to type mmulab."})
    static final class Completion implements Main.Action {
        private final Main.Io io;

        @Spec
        CommandSpec spec;

        @Mixin
        StandardOptions standard;

        Completion(Main.Io io) {
            this.io = io;
        }

        @Override
        public int call() {
            io.out().print(AutoComplete.bash("mmulab", spec.root().commandLine()));
            return 0;
        }
    }
}
