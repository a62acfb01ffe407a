// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The command line's conventions: help for every command, --version, usage errors, the command table. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static CommandLine cli() {
        return Main.commandLine(new Main.Io(System.out, System.err, false));
    }

    @Test
    void demoRunsEveryStepAsV316Says() {
        assertEquals(0, run("demo", "--pages", "100"), out());
        String text = out();
        assertTrue(text.contains("dirty pages (offsets): 3, 7, 64"), text);
        assertTrue(text.contains("spte_write_protect(pt_protect=true) -> flush owed = true"), text);
        assertTrue(text.contains("All steps behaved as Linux v3.16 says."), text);
    }

    @Test
    void badOptionsAreRejectedWithUsage() {
        assertEquals(2, run("demo", "--pages", "many"));
        assertEquals("mmulab: demo: --pages needs a whole number, got 'many'\n", err());
        assertEquals(2, run("demo", "--pages=7"));
        assertEquals("mmulab: demo: --pages must be between 8 and 1048576, got 7\n", err());
    }

    @Test
    void noArgumentsPrintsTheUsageOnStderrAndExitsTwo() {
        assertEquals(2, run());
        assertEquals("", out());
        assertTrue(err().startsWith("Usage: mmulab [-hV] [--no-lockdep] COMMAND\n"), err());
        assertTrue(err().contains("\nCommands:\n  run "), err());
    }

    @ParameterizedTest(name = "mmulab {0}")
    @ValueSource(strings = {"help", "--help", "-h"})
    void helpPrintsTheUsageOnStdoutAndExitsZero(String help) {
        assertEquals(0, run(help));
        assertTrue(out().startsWith("Usage: mmulab [-hV] [--no-lockdep] COMMAND\n"), out());
        assertEquals("", err());
    }

    /** The words of the command table, which Launch reads: the same as the subcommands Main parses. */
    @Test
    void theCommandTableAndTheCliListTheSameCommands() {
        Set<String> table = Arrays.stream(Command.values()).map(c -> c.word).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(table, new TreeSet<>(cli().getSubcommands().keySet()));
    }

    @Test
    void everyCommandHasHelpWithItsUsageAndItsOptions() {
        for (Command c : Command.values()) {
            assertEquals(0, run(c.word, "--help"), c.word + ": " + err());
            String help = out();
            assertTrue(help.startsWith("Usage: mmulab " + c.word), help);
            assertEquals("", err(), c.word);
            if (c != Command.HELP) {
                assertTrue(help.contains("  -h, --help "), c.word + ":\n" + help);
                assertEquals(0, run("help", c.word), c.word);
                assertEquals(help, out(), "mmulab help " + c.word + " is mmulab " + c.word + " --help");
            }
        }
    }

    /** Every option that takes a number says in its help which numbers. */
    @Test
    void everyNumericOptionShowsItsRangeInTheHelp() {
        Pattern range = Pattern.compile("\\d+-\\d+|<= \\d+|\\d+ to 2\\^62-1|any whole number");
        int numeric = 0;
        for (CommandLine sub : cli().getSubcommands().values()) {
            for (OptionSpec o : sub.getCommandSpec().options()) {
                Class<?> t = o.type();
                if (t == int.class || t == long.class || t == double.class || Number.class.isAssignableFrom(t)) {
                    numeric++;
                    String d = String.join(" ", o.description());
                    assertTrue(range.matcher(d).find(), sub.getCommandName() + " " + o.longestName() + ": " + d);
                }
            }
        }
        assertTrue(numeric >= 15, "numeric options found: " + numeric);
        assertEquals(0, run("run", "--help"));
        for (String r : List.of("--vcpus=N", "1-64", "64K-1G", "1-1000000", "0 < S <= 3600", "0-10000")) {
            assertTrue(out().contains(r), r + " in:\n" + out());
        }
    }

    @Test
    void optionsTakeTheirValueAfterAnEqualsSignOrAsTheNextWord() {
        assertEquals(ScenarioTest.runConfig("run", "migrate", "--vcpus", "3", "--memory", "4M", "--seed", "7").toMap(),
                ScenarioTest.runConfig("run", "migrate", "--vcpus=3", "--memory=4M", "--seed=7").toMap());
        assertEquals(3, ScenarioTest.runConfig("run", "migrate", "--vcpus=3").vcpus);
    }

    @ParameterizedTest(name = "mmulab {0}")
    @ValueSource(strings = {"--version", "-V"})
    void versionPrintsTheProjectVersionAndTheKernelPorted(String version) throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            assertNotNull(in, "version.properties (filtered by Maven) is on the class path");
            p.load(in);
        }
        assertTrue(p.getProperty("version").matches("\\d+\\.\\d+\\.\\d+.*"), "filtered: " + p);
        assertEquals(0, run(version));
        List<String> lines = out().lines().toList();
        assertEquals("mmulab " + p.getProperty("version"), lines.get(0));
        assertTrue(lines.get(1).contains("Linux v3.16 KVM x86 MMU"), out());
        assertEquals("", err());
    }

    @Test
    void theNoLockdepFlagAloneIsNoCommandEither() {
        // ./mmulab takes --no-lockdep out; a JVM started by hand may still see it, with nothing else
        assertEquals(2, run("--no-lockdep"));
        assertTrue(err().startsWith("Usage: mmulab "), err());
    }

    @Test
    void anUnknownCommandListsEveryCommandDocsAndLockdepSelftestToo() {
        assertEquals(2, run("frobnicate"));
        String e = err();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("mmulab: unknown command 'frobnicate' (commands: "), e);
        for (Command c : Command.values()) {
            assertTrue(e.contains(" " + c.word + ",") || e.contains(" " + c.word + ")"), c.word + " in: " + e);
        }
        assertEquals(2, run("exlpore"));
        assertTrue(err().startsWith("mmulab: unknown command 'exlpore'; did you mean explore? (commands: run, "), err());
        assertEquals(2, run("help", "nope"));
        assertTrue(err().startsWith("mmulab: help: unknown command 'nope' (commands: "), err());
    }

    @ParameterizedTest(name = "mmulab {0}")
    @ValueSource(strings = {"--frobnicate", "run migrate --frobnicate", "run migrate --frobnicate=1", "list --frobnicate",
        "grade --frobnicate", "explore enable-logging-race --frobnicate", "completion --frobnicate"})
    void anUnknownOptionIsCalledAnUnknownOptionWhereverItStands(String args) {
        assertEquals(2, run(args.split(" ")));
        String e = err();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.contains("unknown option '--frobnicate' (see: mmulab "), e);
        assertFalse(e.contains("needs the form"), e);
        assertEquals("", out());
    }

    @Test
    void completionPrintsABashScriptForEveryCommandAndOption() {
        assertEquals(0, run("completion"));
        String script = out();
        assertTrue(script.startsWith("#!/usr/bin/env bash\n"), script.substring(0, 100));
        assertTrue(script.contains("complete -F _complete_mmulab") || script.contains("complete -o default -F _complete_mmulab"),
                "registers the function for mmulab");
        CommandSpec run = cli().getSubcommands().get("run").getCommandSpec();
        for (OptionSpec o : run.options()) {
            assertTrue(script.contains(o.longestName()), o.longestName());
        }
        for (Command c : Command.values()) {
            assertTrue(script.contains(c.word), c.word);
        }
        assertEquals("", err());
    }

    /** Bash, given the script, completes what a person types: commands, options, their values. */
    @Test
    void bashCompletesCommandsOptionsAndValuesWithTheScript(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertEquals(0, run("completion"));
        java.nio.file.Path script = dir.resolve("mmulab-completion.bash");
        java.nio.file.Files.writeString(script, out());
        String complete = String.join("\n",
                "source " + script,
                "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE};"
                        + " COMPREPLY=(); _complete_mmulab 2>/dev/null; echo \"${COMPREPLY[*]}\"; }",
                "c ./mmulab ''",
                "c ./mmulab ex",
                "c mmulab run migrate --vc",
                "c mmulab run migrate --variant ''",
                "c mmulab explore ''",
                "c mmulab explore enable-logging-race --strategy ''",
                "c mmulab replay x --strategy ''",
                "c mmulab grade ''",
                "");
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", complete).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", lines));
        assertEquals(8, lines.size(), String.join("\n", lines));
        List<String> commands = List.of(lines.get(0).split(" "));
        for (Command c : Command.values()) {
            assertTrue(commands.contains(c.word), c.word + " in " + commands);
        }
        assertEquals("explore", lines.get(1));
        assertEquals("--vcpus", lines.get(2));
        assertEquals("v3.16 v3.15 no-slots-lock pt-writable", lines.get(3));
        assertEquals("enable-logging-race shadow-protect lock-inversion migrate", lines.get(4));
        assertEquals("pct random dfs stress", lines.get(5));
        assertEquals("pct random dfs", lines.get(6));
        assertEquals("1 2 3 4 5 6 7 8 9 10", lines.get(7));
    }

    /** The class files of what ./mmulab runs before every command: the JDK only, no picocli. */
    @Test
    void launchAndTheCommandTableNeedNothingButTheJdk() throws IOException {
        for (Class<?> c : List.of(Launch.class, Command.class, Command.Jvm.class)) {
            try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
                assertNotNull(in, c.getName());
                String bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertFalse(bytes.contains("picocli"), c.getName() + " refers to picocli");
            }
        }
    }
}
