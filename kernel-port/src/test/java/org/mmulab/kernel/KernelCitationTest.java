// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mmulab.kernel.testing.Citations;
import org.mmulab.kernel.testing.Citations.Citation;

/**
 * Citations are well-formed; and, given a Linux v3.16 tree ({@code -Dmmulab.kernel.src=DIR} or
 * {@code MMULAB_KERNEL_SRC}), each cited range holds the element it names: a function's name in
 * the first lines of its range, a constant's name on its line, a whole-file citation covering the
 * whole file.
 */
class KernelCitationTest {

    @Test
    void everyCitationIsWellFormed() {
        List<Citation> all = Citations.all();
        assertTrue(all.size() > 200, "the port cites " + all.size() + " elements");
        for (Citation c : all) {
            assertTrue(c.lines().matches("\\d+(-\\d+)?"), c + ": lines must be N or N-M");
            assertTrue(c.first() >= 1 && c.first() <= c.last(), c + ": empty range");
            assertTrue(c.file().matches("[a-z0-9_./-]+\\.[ch]"), c + ": file must be a kernel path");
            assertTrue(!c.file().startsWith("/"), c + ": path is relative to the tree");
        }
    }

    @Test
    void everyCitedRangeHoldsItsElementInTheKernelTree() throws IOException {
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        assumeTrue(src != null && !src.isEmpty(), "no kernel tree given (-Dmmulab.kernel.src=DIR)");
        Path tree = Paths.get(src);
        String makefile = Files.readString(tree.resolve("Makefile"), StandardCharsets.ISO_8859_1);
        assertTrue(makefile.contains("VERSION = 3\n") && makefile.contains("PATCHLEVEL = 16\n")
                && makefile.contains("SUBLEVEL = 0\n"), "the tree is not Linux v3.16.0");

        Map<String, List<String>> files = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Citation c : Citations.all()) {
            List<String> text = files.computeIfAbsent(c.file(), f -> {
                try {
                    return Files.readAllLines(tree.resolve(f), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    return null;
                }
            });
            if (text == null) {
                problems.add(c.java() + ": no file " + c.file());
                continue;
            }
            if (c.last() > text.size()) {
                problems.add(c.java() + ": " + c.file() + " has " + text.size() + " lines, cited " + c.lines());
                continue;
            }
            if (c.kind().equals("file")) {
                if (c.first() != 1 || c.last() != text.size()) {
                    problems.add(c.java() + ": whole-file citation should be 1-" + text.size());
                }
                continue;
            }
            String name = c.kernelName().replaceFirst("^(struct|union|enum) ", "");
            int window = c.kind().equals("function") || c.kind().equals("macro") ? 3 : 1;
            if (c.kind().equals("struct") || c.kind().equals("union") || c.kind().equals("enum")) {
                window = 2;
            }
            boolean found = false;
            for (int i = c.first(); i <= Math.min(c.last(), c.first() + window - 1); i++) {
                found |= text.get(i - 1).matches(".*\\b" + java.util.regex.Pattern.quote(name) + "\\b.*");
            }
            if (!found) {
                problems.add(c.java() + ": '" + name + "' not at " + c.file() + ":" + c.lines() + " (line "
                        + c.first() + ": " + text.get(c.first() - 1).trim() + ")");
            }
        }
        assertEquals("", String.join("\n", problems), problems.size() + " citations do not hold");
    }
}
