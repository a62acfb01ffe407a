// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mmulab.examples.MainAccess;

/**
 * {@code mmulab grade}: the list (and {@code --list}: number, title, points), a score table with
 * exit 0 on full marks, one test by {@code --test}, Gradescope's results.json, bad usage exit 2.
 */
class GradeCommandTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int mmulab(String... args) {
        return MainAccess.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void gradeWithoutANumberListsTheExercisesWithPointsAndSheets() {
        assertEquals(0, mmulab("grade"));
        for (Exercise e : Exercise.ALL) {
            assertTrue(out().contains(String.format("  %2d  ", e.number())) && out().contains(e.sheet())
                    && out().contains(e.points() + " points"), out());
        }
    }

    @Test
    void listIsOneLinePerExerciseNumberTitlePoints() {
        assertEquals(0, mmulab("grade", "--list"));
        String[] lines = out().split("\n");
        assertEquals(Exercise.ALL.size(), lines.length, out());
        for (int i = 0; i < lines.length; i++) {
            Exercise e = Exercise.ALL.get(i);
            assertEquals(e.number() + "\t" + e.title() + "\t" + e.points(), lines[i]);
        }
    }

    @Test
    void referenceScoresFullMarksAndExitsZero() {
        assertEquals(0, mmulab("grade", "1", "--reference"));
        assertTrue(out().contains("== mmulab grade 1:"), out());
        assertTrue(out().contains("grading the reference"), out());
        assertTrue(out().matches("(?s).*\\.\\.\\. OK +\\(\\d+/\\d+\\).*"), out());
        assertTrue(out().contains("[hidden] "), "the teacher's tree runs the hidden tests too:\n" + out());
        assertTrue(out().contains("Score: 13/13"), out());
    }

    @Test
    void testRunsOnlyTheNamedTests() {
        assertEquals(0, mmulab("grade", "1", "--test", "DIRTY-LOGGED"));
        assertEquals(2, out().lines().filter(l -> l.contains(" OK ")).count(), out());
        assertTrue(out().contains("Score: 4/4"), out());
    }

    @Test
    void gradescopeWritesResultsJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("r.json");
        assertEquals(0, mmulab("grade", "1", "--reference", "--gradescope", json.toString()));
        assertTrue(out().contains("wrote " + json), out());
        JsonObject r = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(13, r.get("score").getAsInt());
        int sum = 0;
        int hidden = 0;
        for (JsonElement e : r.getAsJsonArray("tests")) {
            JsonObject t = e.getAsJsonObject();
            assertTrue(t.keySet().containsAll(Set.of("name", "score", "max_score", "output", "visibility")), t.toString());
            assertTrue(Set.of("visible", "after_due_date").contains(t.get("visibility").getAsString()), t.toString());
            assertEquals(t.get("max_score").getAsInt(), t.get("score").getAsInt(), t.toString());
            hidden += t.get("visibility").getAsString().equals("after_due_date") ? 1 : 0;
            sum += t.get("score").getAsInt();
        }
        assertEquals(13, sum);
        assertEquals(2, hidden, "exercise 1 has two hidden tests");
    }

    @Test
    void usageListsGradeAndCourseAndTheHelpSaysHow() {
        assertEquals(0, mmulab("help"));
        assertTrue(out().contains("\n  grade  "), out());
        assertTrue(out().contains("\n  course "), out());
        out.reset();
        assertEquals(0, mmulab("grade", "--help"));
        assertTrue(out().startsWith("Usage: mmulab grade [-h] [--no-lockdep] [--list] [--reference] [--gradescope=FILE]"
                + " [--test=NAME] [N...]\n") || out().startsWith("Usage: mmulab grade [-h] [--list] [--no-lockdep] [--reference]"), out());
        assertTrue(out().contains("The exercise(s): 1, 2, 3"), out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "grade x|grade: which exercise? expected a number 1-",
        "grade 0|grade: no exercise 0",
        "grade 99|grade: no exercise 99",
        "grade 1 --frob|grade: unknown option '--frob'",
        "grade --list 1|grade: --list takes no exercise number",
        "grade 1 --test nosuchtest|grade: --test nosuchtest: no test of exercise 1 has that in its name",
        "grade 1 --gradescope /no/such/dir/r.json|grade: --gradescope /no/such/dir/r.json: no such directory /no/such/dir",
        "grade --gradescope r.json|grade: --gradescope grades an exercise: which one?",
        "grade --reference|grade: --reference grades an exercise: which one?"})
    void badUsageIsOneLineAndExitTwo(String args, String message) {
        assertEquals(2, mmulab(args.split(" ")));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains(message), e);
        assertEquals(1, e.lines().count(), e);
        assertFalse(out().contains("Score:"), out());
    }
}
