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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * No exercise can rot: every grader gives the reference full marks and the untouched skeleton
 * less; every task sheet and skeleton named in the registry exists.
 */
class ExercisesTest {
    static Stream<Arguments> exercises() {
        return Exercise.ALL.stream().map(e -> Arguments.of(e.number(), e));
    }

    private static String table(Grade.Result r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Grade.print(r, new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "exercise {0}: the reference gets full marks")
    @MethodSource("exercises")
    void referenceGetsFullMarks(int n, Exercise e) {
        Grade.Result r = Grade.run(e, true);
        String t = table(r);
        assertTrue(r.rows().size() >= 5, "a grader has at least five tests:\n" + t);
        assertTrue(r.fullMarks(), t);
        assertEquals(r.max(), r.score(), t);
        assertTrue(t.contains("Score: " + r.max() + "/" + r.max()), t);
    }

    @ParameterizedTest(name = "exercise {0}: the untouched skeleton does not")
    @MethodSource("exercises")
    void skeletonFails(int n, Exercise e) {
        Grade.Result r = Grade.run(e, false);
        String t = table(r);
        assertFalse(r.fullMarks(), t);
        assertTrue(r.score() < r.max(), t);
        assertTrue(t.contains("FAIL"), t);
    }

    @ParameterizedTest(name = "exercise {0}: sheet and skeleton exist")
    @MethodSource("exercises")
    void filesExist(int n, Exercise e) {
        Path root = Paths.get("").toAbsolutePath().getParent(); // surefire runs in examples/
        assertTrue(Files.isRegularFile(root.resolve(e.sheet())), e.sheet());
        assertTrue(Files.isRegularFile(root.resolve(e.skeleton())), e.skeleton());
        assertTrue(Files.isRegularFile(root.resolve(e.skeleton().replace("Solution.java", "Reference.java"))), "reference of " + n);
    }

    @Test
    void atLeastFiveExercisesNumberedInOrder() {
        assertTrue(Exercise.ALL.size() >= 5);
        for (int i = 0; i < Exercise.ALL.size(); i++) {
            assertEquals(i + 1, Exercise.ALL.get(i).number());
        }
    }
}
