// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.exercises.Exercise;

/**
 * The kit and the autograder from outside, as a student's and a course platform's machines see
 * them: {@code mmulab course export} into an empty directory; the kit built in a copy with a local
 * Maven repository that has no org.mmulab artifact (a hard-linked copy of this machine's, minus
 * org/mmulab, offline, so the agent can only come from the kit's own repo/); {@code ./grade 1} on
 * the untouched kit prints {@code Score: 0/...} and exits 1; the autograder zip, unpacked, runs
 * {@code run_autograder} on the reference files as a submission and writes full marks.
 */
class KitBuildIT {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent();
    @TempDir
    static Path tmp;
    static Path home;

    @BeforeAll
    static void freshHome() throws IOException {
        // a HOME whose ~/.m2 is this machine's without org/mmulab: Maven Central's artifacts only
        home = tmp.resolve("home");
        Path from = Paths.get(System.getProperty("user.home"), ".m2", "repository");
        Path to = home.resolve(".m2/repository");
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith(Paths.get("org", "mmulab"))) {
                    continue;
                }
                Path q = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (Files.isRegularFile(p)) {
                    try {
                        Files.createLink(q, p);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(p, q);
                    }
                }
            }
        }
        assertTrue(!Files.exists(to.resolve("org/mmulab")), "the fresh repository has no org/mmulab");
    }

    record Out(int exit, String text) {}

    static Out run(Path dir, Map<String, String> env, long timeoutSeconds, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        // Maven finds ~/.m2 by the JVM's user.home, which comes from the password file, not $HOME
        pb.environment().put("MAVEN_OPTS", "-Duser.home=" + home);
        pb.environment().putAll(env);
        File log = Files.createTempFile(tmp, "out", ".txt").toFile();
        pb.redirectOutput(log);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " ran longer than " + timeoutSeconds + " s:\n" + Files.readString(log.toPath()));
        }
        return new Out(p.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
    }

    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String examplesJar() {
        return System.getProperty("mmulab.examples.jar", ROOT.resolve("examples/target/examples.jar").toString());
    }

    @Test
    void theUntouchedKitBuildsFromItsOwnRepoAndGradesZero() throws Exception {
        Path kit = tmp.resolve("kit");
        Out export = run(ROOT, Map.of(), 120, java(), "-jar", examplesJar(), "course", "export", kit.toString());
        assertEquals(0, export.exit(), export.text());
        assertTrue(export.text().contains("wrote a student kit to " + kit), export.text());

        Out build = run(kit, Map.of(), 600, "mvn", "-B", "-o", "-DskipTests", "package");
        assertEquals(0, build.exit(), "the kit builds offline from Maven Central's artifacts and its own repo/:\n" + build.text());
        assertTrue(Files.isRegularFile(home.resolve(".m2/repository/org/mmulab/lockdep-agent")
                .resolve(versionOf(kit)).resolve("lockdep-agent-" + versionOf(kit) + ".jar")), "the agent came from the kit's repo/");

        Out grade = run(kit, Map.of(), 300, "./grade", "1");
        assertEquals(1, grade.exit(), grade.text());
        assertTrue(grade.text().contains("Score: 0/"), grade.text());
        assertTrue(grade.text().contains("exercise 1 is not done yet"), grade.text());
        assertTrue(grade.text().contains("grading your code"), grade.text());

        Out reference = run(kit, Map.of(), 60, "./mmulab", "grade", "1", "--reference");
        assertEquals(2, reference.exit(), reference.text());
        assertTrue(reference.text().contains("a student's kit has no reference"), reference.text());
    }

    static String versionOf(Path kit) throws IOException {
        try (Stream<Path> s = Files.list(kit.resolve("repo/org/mmulab/lockdep-agent"))) {
            return s.findFirst().orElseThrow().getFileName().toString();
        }
    }

    @Test
    void theAutograderGivesTheReferenceSubmissionFullMarks() throws Exception {
        List<Integer> chosen = Exercise.ALL.stream().map(Exercise::number).toList();
        Path zip = tmp.resolve("autograder.zip");
        Path submission = tmp.resolve("submission");
        Out made = run(ROOT, Map.of(), 120, java(), "-jar", examplesJar(), "course", "autograder", zip.toString(),
                "--reference-submission", submission.toString());
        assertEquals(0, made.exit(), made.text());
        Path ag = tmp.resolve("autograder");
        unzip(zip, ag.resolve("source"));
        assertTrue(Files.isRegularFile(ag.resolve("source/setup.sh")));
        assertTrue(Files.isRegularFile(ag.resolve("source/examples/src/main/java/org/mmulab/exercises/ex3/hidden/Ex3Hidden.java")),
                "the autograder has the hidden graders");
        // the reference submission as a student's repository upload has it: the edited files at their paths,
        // except mmu.java, uploaded on its own (a file name found once is taken wherever it lies)
        Path upload = ag.resolve("submission");
        try (Stream<Path> s = Files.walk(submission)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Path to = f.getFileName().toString().equals("mmu.java") ? upload.resolve("mmu.java")
                        : upload.resolve(submission.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
        }
        Out graded = run(ag, Map.of("AUTOGRADER_ROOT", ag.toString()), 900, "bash", ag.resolve("source/run_autograder").toString());
        assertEquals(0, graded.exit(), graded.text());
        Path results = ag.resolve("results/results.json");
        assertTrue(Files.isRegularFile(results), graded.text());
        JsonObject r = JsonParser.parseString(Files.readString(results)).getAsJsonObject();
        int max = chosen.stream().mapToInt(n -> Exercise.byNumber(n).orElseThrow().points()).sum();
        assertEquals(max, r.get("score").getAsInt(), Files.readString(results) + "\n" + graded.text());
        int tests = 0;
        boolean hidden = false;
        for (JsonElement e : r.getAsJsonArray("tests")) {
            JsonObject t = e.getAsJsonObject();
            assertEquals(t.get("max_score").getAsInt(), t.get("score").getAsInt(), t.toString());
            assertTrue(t.get("name").getAsString().startsWith("ex"), t.toString());
            hidden |= t.get("visibility").getAsString().equals("after_due_date");
            tests++;
        }
        assertTrue(tests >= 50 && hidden, "every test of every exercise, visible and hidden: " + r);
    }

    static void unzip(Path zip, Path to) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                Path f = to.resolve(e.getName()).normalize();
                assertTrue(f.startsWith(to), e.getName());
                Files.createDirectories(f.getParent());
                Files.copy(z, f);
            }
        }
        for (String s : new ArrayList<>(List.of("run_autograder", "setup.sh", "mmulab", "grade"))) {
            to.resolve(s).toFile().setExecutable(true, false);
        }
    }
}
