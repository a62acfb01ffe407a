// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The java command line {@code ./mmulab} runs for each command, as {@link Launch} builds it. */
class LaunchTest {
    @TempDir
    Path root;
    String agent;
    String cli;

    @BeforeEach
    void anAgentJar() throws IOException {
        Path a = root.resolve("lockdep-agent/target/lockdep-agent.jar");
        Files.createDirectories(a.getParent());
        Files.createFile(a);
        agent = a.toString();
        cli = root.resolve("examples/target/examples.jar").toString();
    }

    List<String> launch(String... args) {
        return Launch.command("java", root, List.of(args));
    }

    @Test
    void exploreAndReplayGetTheYieldPointsWovenAndNoTlbTrace() {
        assertEquals(List.of("java", "-javaagent:" + agent + "=explore=true,tlbtrace=off", "-jar", cli, "explore", "x", "--seed", "2"),
                launch("explore", "x", "--seed", "2"));
        assertEquals(List.of("java", "-javaagent:" + agent + "=explore=true,tlbtrace=off", "-jar", cli, "replay", "x"),
                launch("replay", "x"));
    }

    @Test
    void gradeGetsLockdepWithoutTheTlbSummaryAndListGetsTheAgentAsItIs() {
        assertEquals(List.of("java", "-javaagent:" + agent + "=tlbtrace=off", "-jar", cli, "grade", "1"), launch("grade", "1"));
        assertEquals(List.of("java", "-javaagent:" + agent, "-jar", cli, "list"), launch("list"));
    }

    @Test
    void noLockdepAnywhereLeavesTheAgentOutAndIsNotPassedOn() {
        assertEquals(List.of("java", "-jar", cli, "run", "migrate"), launch("run", "--no-lockdep", "migrate"));
        assertEquals(List.of("java", "-jar", cli, "explore", "x"), launch("--no-lockdep", "explore", "x"));
    }

    @Test
    void docsRunsTheDocsJarWithoutTheAgentAndTheSelfTestRunsTheCliUnderTheAgentInOnceMode() {
        assertEquals(List.of("java", "-jar", root.resolve("docs/target/docs.jar").toString(), "--out", "site"),
                launch("docs", "--out", "site"));
        assertEquals(List.of("java", "-javaagent:" + agent + "=mode=once,tlbtrace=off", "-jar", cli, "lockdep-selftest"),
                launch("lockdep-selftest"));
    }

    @Test
    void helpNoArgumentsAndUnknownCommandsGoToTheCliWithoutTheAgentWhichAnswersThem() {
        assertEquals(List.of("java", "-jar", cli), launch());
        assertEquals(List.of("java", "-jar", cli), launch("--no-lockdep"));
        assertEquals(List.of("java", "-jar", cli, "--help"), launch("--help"));
        assertEquals(List.of("java", "-jar", cli, "help", "run"), launch("help", "run"));
        assertEquals(List.of("java", "-jar", cli, "frobnicate"), launch("frobnicate"));
        assertEquals(List.of("java", "-jar", cli, "--frobnicate"), launch("--frobnicate"));
    }

    @Test
    void aCommandAskedForItsHelpOrTheVersionRunsNothingSoGetsNoAgent() {
        assertEquals(List.of("java", "-jar", cli, "run", "--help"), launch("run", "--help"));
        assertEquals(List.of("java", "-jar", cli, "explore", "x", "-h"), launch("explore", "x", "-h"));
        assertEquals(List.of("java", "-jar", cli, "--version"), launch("--version"));
        assertEquals(List.of("java", "-jar", cli, "-V"), launch("-V"));
        assertEquals(List.of("java", "-jar", cli, "completion"), launch("completion"));
    }

    @Test
    void plotReadsFilesAndWritesAPageSoGetsNoAgent() {
        assertEquals(List.of("java", "-jar", cli, "plot", "a.json", "--html", "p.html"), launch("plot", "a.json", "--html", "p.html"));
    }

    @Test
    void theSelfTestsHelpIsTheClisAndWithoutTheAgentTheCliSaysItNeedsIt() {
        assertEquals(List.of("java", "-jar", cli, "lockdep-selftest", "--help"), launch("lockdep-selftest", "--help"));
        assertEquals(List.of("java", "-jar", cli, "lockdep-selftest"), launch("--no-lockdep", "lockdep-selftest"));
    }

    @Test
    void docsGetsItsHelpFromTheDocsJar() {
        assertEquals(List.of("java", "-jar", root.resolve("docs/target/docs.jar").toString(), "--help"), launch("docs", "--help"));
    }

    /**
     * run and demo repeat a WARN as often as the racing code runs; the agent folds the repeats
     * with repeats=fold.
     */
    @Test
    void runAndDemoFoldRepeatedWarnings() {
        assertEquals(List.of("java", "-javaagent:" + agent + "=repeats=fold", "-jar", cli, "run", "migrate"), launch("run", "migrate"));
        assertEquals(List.of("java", "-javaagent:" + agent + "=repeats=fold", "-jar", cli, "demo"), launch("demo"));
        assertEquals(List.of("java", "-javaagent:" + agent + "=explore=true,tlbtrace=off", "-jar", cli, "explore", "x"),
                launch("explore", "x"), "explore folds its reports itself (--full prints each)");
    }

    @Test
    void withoutAnAgentJarTheCliRunsWithoutTheAgent() throws IOException {
        Files.delete(Path.of(agent));
        assertEquals(List.of("java", "-jar", cli, "list"), launch("list"));
    }
}
