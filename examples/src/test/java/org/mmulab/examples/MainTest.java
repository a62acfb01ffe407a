// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void demoRunsEveryStepAsV316Says() {
        assertEquals(0, run("demo", "--pages", "100"), out.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("dirty pages (offsets): 3, 7, 64"), text);
        assertTrue(text.contains("spte_write_protect(pt_protect=true) -> flush owed = true"), text);
        assertTrue(text.contains("All steps behaved as Linux v3.16 says."), text);
    }

    @Test
    void badOptionsAreRejectedWithUsage() {
        assertEquals(2, run("demo", "--pages", "many"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--pages needs a number"));
    }
}
