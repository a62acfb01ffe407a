// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every command output quoted in the markdown files (README.md, docs/, bench/) is what that
 * command prints now. A quoted block sits between {@code <!-- output: ./mmulab ARGS | options -->}
 * and {@code <!-- /output -->} (docs/regen-outputs explains the options, and writes the blocks).
 * Each command runs here in a child JVM as ./mmulab would run it ({@link #javaCommand}: {@link Launch}'s), from the
 * repository root; its output is trimmed by {@code docs/regen-outputs --select} and both texts are
 * compared through {@code docs/regen-outputs --normalise}, so the script and this test select and
 * mask the same way: durations and rates always masked, the numbers of the lines a block marks
 * {@code vary=} masked, everything else (every {@code File.java:NN} frame) exact.
 */
class DocsOutputsIT {
    static final Pattern OPEN = Pattern.compile("^<!-- output: (.*) -->$");
    static final String CLOSE = "<!-- /output -->";
    static final Path EXAMPLES_JAR = Path.of(System.getProperty("mmulab.examples.jar", "target/examples.jar")).toAbsolutePath();
    static final Path AGENT_JAR = Path.of(System.getProperty("mmulab.agent.jar", "../lockdep-agent/target/lockdep-agent.jar")).toAbsolutePath();
    /** examples/target/examples.jar, three levels below the repository root. */
    static final Path ROOT = EXAMPLES_JAR.getParent().getParent().getParent().normalize();
    static final Path DOCS_JAR = Path.of(System.getProperty("mmulab.docs.jar", ROOT.resolve("docs/target/docs.jar").toString()));
    static final Path SCRIPT = ROOT.resolve("docs/regen-outputs");

    /** One quoted block: where its marker is, what it says, and the quoted text (without its fence). */
    record Block(Path file, int line, String spec, String quoted) {
        String command() {
            return spec.split("\\s+\\|\\s+", 2)[0].strip();
        }

        List<String> mmulabArgs() {
            List<String> words = List.of(command().split("\\s+"));
            assertEquals("./mmulab", words.get(0), where() + ": a quoted command must start with ./mmulab");
            return words.subList(1, words.size());
        }

        Integer exit() {
            Matcher m = Pattern.compile("\\s\\|\\s+exit=(\\d+)\\s*(?:\\s\\|\\s|$)").matcher(spec);
            return m.find() ? Integer.valueOf(m.group(1)) : null;
        }

        String where() {
            return ROOT.relativize(file) + ":" + line;
        }
    }

    record Result(int exit, String out) {}

    /**
     * The JVM command line that {@code ./mmulab ARGS} runs: {@link Launch}'s own (the command
     * table's JVM and agent options), with a check that the jars it names were built.
     */
    static List<String> javaCommand(List<String> args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = Launch.command(java, ROOT, args);
        if (cmd.contains(ROOT.resolve("docs/target/docs.jar").toString())) {
            requireFile(DOCS_JAR, "build the docs module (mvn -DskipTests package) first");
        } else {
            requireFile(AGENT_JAR, "build the lockdep-agent module first");
            requireFile(EXAMPLES_JAR, "run mvn verify from the repository root");
        }
        return cmd;
    }

    static void requireFile(Path p, String hint) {
        assertTrue(Files.isRegularFile(p), "missing " + p + ": " + hint);
    }

    /** README.md and every *.md under docs/ and bench/ (not under target/). */
    static List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        for (String dir : List.of("docs", "bench")) {
            try (Stream<Path> s = Files.walk(ROOT.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p))
                        .filter(p -> !ROOT.resolve(dir).relativize(p).toString().matches("(.*/)?target/.*"))
                        .sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    /** The quoted blocks of one file, as docs/regen-outputs reads them. */
    static List<Block> blocks(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = OPEN.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int open = i;
            int close = open + 1;
            while (close < lines.size() && !lines.get(close).equals(CLOSE)) {
                close++;
            }
            if (close == lines.size()) {
                fail(ROOT.relativize(file) + ":" + (open + 1) + ": '" + lines.get(open) + "' has no '" + CLOSE + "' after it");
            }
            List<String> body = lines.subList(open + 1, close);
            if (body.size() >= 2 && body.get(0).startsWith("```") && body.get(body.size() - 1).equals("```")) {
                body = body.subList(1, body.size() - 1);
            }
            blocks.add(new Block(file, open + 1, m.group(1), String.join("\n", body) + "\n"));
            i = close;
        }
        return blocks;
    }

    static List<Block> allBlocks() throws IOException {
        List<Block> all = new ArrayList<>();
        for (Path f : markdownFiles()) {
            all.addAll(blocks(f));
        }
        return all;
    }

    /** Runs a command line from the repository root: its stdout and stderr together, as a terminal shows them. */
    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("mmulab-docs", ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail(String.join(" ", cmd) + " did not finish in 300 s:\n" + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** {@code docs/regen-outputs MODE SPEC < input}: its stdout; a failure (a selector that selects nothing) fails the test. */
    static String script(String mode, Block b, String input) throws IOException, InterruptedException {
        Path in = Files.createTempFile("mmulab-docs", ".in");
        try {
            Files.writeString(in, input, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("bash", SCRIPT.toString(), mode, b.spec()).directory(ROOT.toFile())
                    .redirectInput(in.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                fail(b.where() + ": docs/regen-outputs " + mode + " failed: " + err + "\noutput of " + b.command() + ":\n" + input);
            }
            return out;
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** diff -u of two texts, without its file header; or both texts whole where diff is missing. */
    static String diff(String quoted, String now) throws IOException, InterruptedException {
        Path a = Files.createTempFile("quoted", ".txt");
        Path b = Files.createTempFile("now", ".txt");
        try {
            Files.writeString(a, quoted);
            Files.writeString(b, now);
            Process p = new ProcessBuilder("diff", "-u", a.toString(), b.toString()).redirectErrorStream(true).start();
            String d = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return d.lines().skip(2).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "quoted:\n" + quoted + "\nnow:\n" + now;
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    @Test
    void theReadmeAndTheDocsQuoteCommandOutputsBetweenMarkers() throws IOException {
        List<Block> all = allBlocks();
        assertFalse(blocks(ROOT.resolve("README.md")).isEmpty(), "README.md quotes no output between markers");
        assertTrue(all.stream().anyMatch(b -> b.file().startsWith(ROOT.resolve("docs"))), "docs/ quotes no output between markers");
        for (Block b : all) {
            assertTrue(b.quoted().startsWith("$ "), b.where() + ": a quoted block starts with '$ ' and its command; run docs/regen-outputs");
            b.mmulabArgs();
        }
    }

    @TestFactory
    Stream<DynamicTest> eachQuotedOutputIsWhatItsCommandPrintsNow() throws IOException {
        Map<String, Result> ran = new HashMap<>();
        return allBlocks().stream().map(b -> DynamicTest.dynamicTest(b.where() + ": " + b.command(), () -> {
            Result r = ran.get(b.command());
            if (r == null) {
                r = run(javaCommand(b.mmulabArgs()));
                ran.put(b.command(), r);
            }
            if (b.exit() != null) {
                assertEquals(b.exit().intValue(), r.exit(), b.where() + ": " + b.command() + " exit status; its output:\n" + r.out());
            }
            String now = script("--select", b, r.out());
            String quoted = script("--normalise", b, b.quoted());
            String printed = script("--normalise", b, now);
            if (!quoted.equals(printed)) {
                fail(b.where() + ": the output quoted for '" + b.command() + "' is out of date"
                        + " (- quoted, + printed now; what varies is masked):\n" + diff(quoted, printed)
                        + "\nRegenerate it from the repository root with: docs/regen-outputs " + ROOT.relativize(b.file())
                        + "\nthen read the git diff.");
            }
        }));
    }
}
