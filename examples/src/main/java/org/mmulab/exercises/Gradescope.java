// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Gradescope's {@code results.json} (the autograder specification's format): the total
 * {@code score}, and one entry in {@code tests} per graded test with its {@code name},
 * {@code score}, {@code max_score}, {@code output} and {@code visibility}. Hidden tests are
 * {@code after_due_date}: a student sees them once the deadline has passed.
 */
public final class Gradescope {
    private Gradescope() {}

    /** The results of some exercises' grades as one results.json document. */
    public static JsonObject results(List<Grade.Result> results) {
        JsonObject root = new JsonObject();
        JsonArray tests = new JsonArray();
        int score = 0;
        int max = 0;
        StringBuilder summary = new StringBuilder();
        for (Grade.Result r : results) {
            Exercise e = r.exercise();
            int i = 0;
            for (Grade.Row row : r.rows()) {
                i++;
                JsonObject t = new JsonObject();
                t.addProperty("name", "ex" + e.number() + "." + i + " " + row.name());
                t.addProperty("number", e.number() + "." + i);
                t.addProperty("score", row.ok() ? row.points() : 0);
                t.addProperty("max_score", row.points());
                t.addProperty("output", row.ok() ? "OK" : row.why());
                t.addProperty("visibility", row.hidden() ? "after_due_date" : "visible");
                tests.add(t);
            }
            score += r.score();
            max += r.max();
            summary.append(String.format("exercise %d (%s): %d/%d%n", e.number(), e.title(), r.score(), r.max()));
        }
        root.addProperty("score", score);
        root.addProperty("max_score", max);
        root.addProperty("output", summary.toString());
        root.addProperty("visibility", "visible");
        root.addProperty("stdout_visibility", "hidden");
        root.add("tests", tests);
        return root;
    }

    /** Writes {@link #results} to {@code file}. */
    public static void write(List<Grade.Result> results, Path file) throws IOException {
        String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(results(results));
        Files.writeString(file, json + "\n", StandardCharsets.UTF_8);
    }
}
