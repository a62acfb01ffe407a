// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.examples.MainAccess;

/** {@code mmulab course}: what it writes, and bad usage as one line, exit 2, nothing written. */
class CourseCommandTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int mmulab(String... args) {
        return MainAccess.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    void assertUsage(String message, String... args) {
        out.reset();
        err.reset();
        assertEquals(2, mmulab(args), String.join(" ", args));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains(message), e);
        assertEquals(1, e.lines().count(), e);
    }

    @Test
    void exportWritesAKitAndSaysWhereToStart(@TempDir Path dir) {
        Path kit = dir.resolve("kit");
        assertEquals(0, mmulab("course", "export", kit.toString(), "--exercises", "3,1"));
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.startsWith("wrote a student kit to " + kit + ": exercises 1,3, "), o);
        assertTrue(o.contains("students start with: cd " + kit + " && ./grade 1"), o);
        assertTrue(Files.isExecutable(kit.resolve("grade")));
    }

    @Test
    void autograderWritesTheZipGradescopeExpects(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("ag.zip");
        assertEquals(0, mmulab("course", "autograder", zip.toString(), "--exercises", "3"));
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (String name : List.of("setup.sh", "run_autograder", "pom.xml", "grade", "mmulab",
                    "examples/src/main/java/org/mmulab/exercises/ex3/hidden/Ex3Hidden.java",
                    "examples/src/main/java/org/mmulab/course/Regions.java")) {
                assertTrue(z.getEntry(name) != null, name);
            }
            assertTrue(z.getEntry("examples/src/main/java/org/mmulab/exercises/ex1/hidden/Ex1Hidden.java") == null,
                    "only the hidden graders of the exercises graded");
            String run = new String(z.getInputStream(z.getEntry("run_autograder")).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(run.contains("exercises=\"3\""), run);
        }
    }

    @Test
    void badUsage(@TempDir Path dir) throws Exception {
        Path busy = dir.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("x"), "mine");
        assertUsage("course export: " + busy + " is not empty: export into a new or empty directory",
                "course", "export", busy.toString());
        assertFalse(Files.exists(busy.resolve("pom.xml")));
        assertUsage("--exercises: no exercise 99", "course", "export", dir.resolve("k").toString(), "--exercises", "99");
        assertUsage("--exercises: expected numbers like 1,3,5, got 'one'", "course", "export", dir.resolve("k").toString(),
                "--exercises", "one");
        assertFalse(Files.exists(dir.resolve("k")));
        assertUsage("no such directory " + dir.resolve("none"), "course", "autograder", dir.resolve("none/ag.zip").toString());
        assertUsage("is a directory", "course", "autograder", dir.toString());
        assertUsage("course: which? course export DIR, or course autograder FILE.zip", "course");
    }
}
