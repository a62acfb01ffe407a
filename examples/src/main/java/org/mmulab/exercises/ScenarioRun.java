// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs {@code mmulab run ...} in a child JVM under the lockdep agent, for the graders that need a
 * scenario's lockdep reports (exercises 3 and 4). A child keeps the reports a broken variant is
 * meant to print out of the grading JVM (which {@code ./mmulab grade} runs under the agent too),
 * and gives every run a fresh lockdep.
 */
public final class ScenarioRun {
    private static final Logger log = LogManager.getLogger(ScenarioRun.class);
    /** System property naming the agent jar, when it is not where a build puts it. */
    public static final String AGENT_PROPERTY = "mmulab.lockdep.agent";
    static final String CUT = "------------[ cut here ]------------";
    static final Pattern REPORTS = Pattern.compile("(?m)^lockdep: (\\d+) report\\(s\\)");

    /** What the run printed (stdout and stderr, merged) and how it ended. */
    public record Outcome(List<String> args, int exit, String output) {
        /** Lockdep reports the run's summary line counted (0 when it printed "lockdep: no reports."). */
        public int lockdepReports() {
            Matcher m = REPORTS.matcher(output);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }

        /** The WARNING splats ("cut here" to "end trace"), in order. */
        public List<String> warnings() {
            List<String> out = new ArrayList<>();
            int i = output.indexOf(CUT);
            while (i >= 0) {
                int end = output.indexOf("---[ end trace", i);
                end = end < 0 ? output.length() : output.indexOf('\n', end) < 0 ? output.length() : output.indexOf('\n', end);
                out.add(output.substring(i, end));
                i = output.indexOf(CUT, end);
            }
            return out;
        }

        /** The command, as the student would type it. */
        public String command() {
            return "./mmulab " + String.join(" ", args);
        }
    }

    private ScenarioRun() {}

    /** {@code mmulab run ARGS...} under the lockdep agent in a child JVM; at most {@code timeoutSeconds}. */
    public static Outcome mmulab(long timeoutSeconds, String... args) {
        return java(timeoutSeconds, "tlbtrace=off", "org.mmulab.examples.Main", args);
    }

    /**
     * {@code mmulab explore ARGS...} or {@code mmulab replay ARGS...} (the command is {@code args[0]}) in
     * a child JVM under the lockdep agent with the controlled scheduler's yield points woven in
     * ({@code explore=true}, as {@code ./mmulab} starts these two); at most {@code timeoutSeconds}.
     */
    public static Outcome explore(long timeoutSeconds, String... args) {
        return java(timeoutSeconds, "explore=true,tlbtrace=off", "org.mmulab.examples.Main", args);
    }

    /**
     * {@code java -javaagent:lockdep-agent.jar=AGENT_OPTIONS -cp (this class path) MAIN ARGS...} in a
     * child JVM, at most {@code timeoutSeconds}: for a grader with a main of its own (exercise 10
     * runs the explorer, which needs {@code explore=true}).
     */
    public static Outcome java(long timeoutSeconds, String agentOptions, String mainClass, String... args) {
        Path agent = agentJar();
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-javaagent:" + agent + "=" + agentOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        log.debug("running {}", cmd);
        try {
            File out = File.createTempFile("mmulab-grade-", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError("'mmulab " + String.join(" ", args) + "' ran longer than " + timeoutSeconds
                            + " s: choose fewer rounds or less memory");
                }
                return new Outcome(List.of(args), p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out.toPath());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a child JVM for 'mmulab " + String.join(" ", args) + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The class path of this JVM (under surefire, the test class path rather than its booter jar). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        // the agent's classes come from -javaagent (shaded); a copy on the class path would shadow them
        List<String> keep = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            if (!e.contains("lockdep-agent")) {
                keep.add(e);
            }
        }
        return String.join(File.pathSeparator, keep);
    }

    /**
     * The lockdep agent's jar: -Dmmulab.lockdep.agent, else the one this JVM runs under, else the
     * one a build leaves next to the examples module (lockdep-agent/target/lockdep-agent.jar).
     */
    static Path agentJar() {
        List<Path> tried = new ArrayList<>();
        String prop = System.getProperty(AGENT_PROPERTY);
        if (prop != null) {
            tried.add(Paths.get(prop));
        }
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-javaagent:") && a.contains("lockdep-agent")) {
                String path = a.substring("-javaagent:".length());
                int eq = path.indexOf('=');
                tried.add(Paths.get(eq < 0 ? path : path.substring(0, eq)));
            }
        }
        try {
            Path here = Paths.get(ScenarioRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // examples/target/classes or examples/target/examples.jar -> the repository root
            Path root = here.getParent().getParent().getParent();
            tried.add(org.mmulab.examples.Launch.agentJar(root));
        } catch (Exception e) {
            log.debug("no code source for the examples", e);
        }
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new AssertionError("this exercise needs the lockdep agent jar and none was found (tried " + tried
                + "): build it with 'mvn -B -DskipTests package' (./mmulab does that) or name it with -D" + AGENT_PROPERTY + "=PATH");
    }
}
