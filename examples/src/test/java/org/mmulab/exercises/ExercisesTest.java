// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmulab.course.Regions;

/**
 * No exercise can rot: every grader gives the reference full marks and each wrong solution kept
 * for it (the class {@code exN.WrongSolutions} of these tests, at least three) less; the
 * registry's points are the graders' points; every sheet exists and every exercise has regions.
 */
class ExercisesTest {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent(); // surefire runs in examples/

    static Stream<Arguments> exercises() {
        return Exercise.ALL.stream().map(e -> Arguments.of(e.number(), e));
    }

    static String table(Grade.Result r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Grade.print(r, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    static List<Grade.Target> wrong(Exercise e) {
        try {
            Class<?> c = Class.forName(e.packagePrefix() + "WrongSolutions");
            return (List<Grade.Target>) c.getMethod("all").invoke(null);
        } catch (ReflectiveOperationException x) {
            throw new AssertionError("exercise " + e.number() + " keeps no wrong solutions (" + e.packagePrefix() + "WrongSolutions.all())", x);
        }
    }

    static Stream<Arguments> wrongSolutions() {
        List<Arguments> out = new ArrayList<>();
        for (Exercise e : Exercise.ALL) {
            for (Grade.Target t : wrong(e)) {
                out.add(Arguments.of(e.number(), t.label(), e, t));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "exercise {0}: the reference gets full marks, the registry's points")
    @MethodSource("exercises")
    void referenceGetsFullMarks(int n, Exercise e) {
        Grade.Result r = Grade.run(e, Grade.Target.reference(e));
        String t = table(r);
        assertTrue(r.rows().size() >= 5, "a grader has at least five tests:\n" + t);
        assertTrue(r.fullMarks(), t);
        assertEquals(r.max(), r.score(), t);
        assertEquals(e.points(), r.max(), "Exercise.ALL's points for exercise " + n + " are not its graders' points:\n" + t);
        assertTrue(t.contains("Score: " + r.max() + "/" + r.max()), t);
    }

    @ParameterizedTest(name = "exercise {0}: at least three wrong solutions are kept")
    @MethodSource("exercises")
    void atLeastThreeWrongSolutions(int n, Exercise e) {
        assertTrue(wrong(e).size() >= 3, "exercise " + n + " keeps " + wrong(e).size() + " wrong solutions");
    }

    @ParameterizedTest(name = "exercise {0}, wrong: {1}")
    @MethodSource("wrongSolutions")
    void wrongSolutionLosesPoints(int n, String label, Exercise e, Grade.Target t) {
        Grade.Result r = Grade.run(e, t);
        String table = table(r);
        assertFalse(r.fullMarks(), table);
        assertTrue(r.score() < r.max(), table);
        assertTrue(table.contains("FAIL"), table);
    }

    @ParameterizedTest(name = "exercise {0}: sheet, edited file and regions exist")
    @MethodSource("exercises")
    void filesExist(int n, Exercise e) {
        assertTrue(Files.isRegularFile(ROOT.resolve(e.sheet())), e.sheet());
        assertTrue(Files.isRegularFile(ROOT.resolve(e.edits())), e.edits());
        long regions = Regions.scan(ROOT.resolve("kernel-port/src/main/java")).stream().filter(r -> r.exercise() == n).count()
                + Regions.scan(ROOT.resolve("examples/src/main/java")).stream().filter(r -> r.exercise() == n).count();
        assertTrue(regions > 0, "exercise " + n + " has no '// >>> exercise " + n + "' region");
        assertTrue(Regions.scan(ROOT, ROOT.relativize(ROOT.resolve(e.edits()))).stream().anyMatch(r -> r.exercise() == n),
                e.edits() + " holds no region of exercise " + n);
    }

    @Test
    void numberedInOrder() {
        assertTrue(Exercise.ALL.size() >= 5);
        for (int i = 0; i < Exercise.ALL.size(); i++) {
            assertEquals(i + 1, Exercise.ALL.get(i).number());
        }
    }
}
