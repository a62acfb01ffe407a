// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mmulab.examples.MainAccess;

/** {@code mmulab grade}: the list, a score table with exit 0 on full marks and 1 otherwise, bad usage exit 2. */
class GradeCommandTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int mmulab(String... args) {
        return MainAccess.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void gradeWithoutANumberListsTheExercises() {
        assertEquals(0, mmulab("grade"));
        String t = out.toString(StandardCharsets.UTF_8);
        for (Exercise e : Exercise.ALL) {
            assertTrue(t.contains("  " + e.number() + "  ") && t.contains(e.sheet()), t);
        }
    }

    @Test
    void referenceScoresFullMarksAndExitsZero() {
        assertEquals(0, mmulab("grade", "1", "--reference"));
        String t = out.toString(StandardCharsets.UTF_8);
        assertTrue(t.contains("== mmulab grade 1:"), t);
        assertTrue(t.matches("(?s).*\\.\\.\\. OK +\\(\\d+/\\d+\\).*"), t);
        assertTrue(t.contains("Score: 13/13"), t);
    }

    @Test
    void skeletonScoresLessAndExitsOne() {
        assertEquals(1, mmulab("grade", "5"));
        String t = out.toString(StandardCharsets.UTF_8);
        assertTrue(t.contains("FAIL (0/"), t);
        assertTrue(t.contains("exercise 5 is not done yet"), t);
        assertTrue(t.contains("Score: 0/14"), t);
    }

    @Test
    void usageListsGradeAndItsHelpSaysHow() {
        assertEquals(0, mmulab("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\n  grade  "), out.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, mmulab("grade", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.startsWith("Usage: mmulab grade [-h] [--no-lockdep] [--reference] [N]\n"), help);
        assertTrue(help.contains("The exercise: 1, 2, 3, 4, 5."), help);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "grade x|grade: which exercise? expected a number 1-5, got 'x'",
        "grade 0|grade: no exercise 0",
        "grade 6|grade: no exercise 6",
        "grade 1 --frob|grade: unknown option '--frob'",
        "grade 1 2|grade: unexpected argument '2'",
        "grade --reference|grade: --reference grades an exercise: which one?"})
    void badUsageIsOneLineAndExitTwo(String args, String message) {
        assertEquals(2, mmulab(args.split(" ")));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains(message), e);
        assertEquals(1, e.lines().count(), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
