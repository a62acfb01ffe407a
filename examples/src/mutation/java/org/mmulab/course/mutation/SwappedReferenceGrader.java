// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course.mutation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mmulab.exercises.Exercise;
import org.mmulab.exercises.Grade;

/**
 * The test PIT runs for a bug-fix exercise: its graders against its reference, the way
 * {@code mmulab grade N --reference} runs them (the port in a {@code VariantLoader} with the
 * reference's methods swapped in). PIT puts a mutant of {@code exN/Reference} into the class
 * loader's copy and, through its transformer for new class loaders, into the copy the
 * {@code VariantLoader} defines; a grader test that fails fails this test, which kills the mutant.
 * The exercise is named by the system property {@value #EXERCISE} (PIT's minion JVM argument).
 */
public class SwappedReferenceGrader {
    /** System property: the number of the exercise to grade. */
    public static final String EXERCISE = "mmulab.mutation.exercise";

    @Test
    void theGradersGiveTheSwappedReferenceFullMarks() {
        int n = Integer.getInteger(EXERCISE, -1);
        Exercise e = Exercise.byNumber(n).orElseThrow(() -> new IllegalStateException(
                "-D" + EXERCISE + " names no exercise (" + System.getProperty(EXERCISE) + ")"));
        Grade.Result r = Grade.run(e, Grade.Target.reference(e));
        assertTrue(r.fullMarks(), () -> "exercise " + n + "'s graders fail the reference: " + r.rows().stream()
                .filter(row -> !row.ok()).map(row -> row.name() + ": " + row.why()).collect(Collectors.joining("; ")));
    }
}
