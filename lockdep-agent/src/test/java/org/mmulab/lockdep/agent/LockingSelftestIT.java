// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mmulab.kernel.lib.locking_selftest;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;

/**
 * The port of lib/locking-selftest.c, run under the agent in once mode (a report turns
 * debug_locks off, as in the kernel), against two files written from the kernel's source, not
 * from this output: {@code locking-selftest.golden}, the table v3.16 prints when every case is as
 * expected, and {@code locking-selftest.expected}, each row's name and the SUCCESS/FAILURE that
 * each of its dotest calls expects.
 */
class LockingSelftestIT {
    private final ByteArrayOutputStream reports = new ByteArrayOutputStream();

    @BeforeEach
    void onceMode() {
        Lockdep.reset();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.ONCE, new PrintStream(reports, true, StandardCharsets.UTF_8)));
    }

    @AfterEach
    void backToWarn() {
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN));
        Lockdep.reset();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = LockingSelftestIT.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String run(int verbose, int[] unexpected) {
        StringBuilder sb = new StringBuilder();
        unexpected[0] = locking_selftest.locking_selftest(sb::append, verbose);
        return sb.toString();
    }

    @Test
    void theTableIsTheKernelsWithEveryCellOkAndAll253Passed() throws IOException {
        int[] unexpected = {-1};
        String table = run(0, unexpected);
        String[] got = table.split("\n", -1);
        String[] want = resource("locking-selftest.golden").split("\n", -1);
        for (int i = 0; i < Math.min(got.length, want.length); i++) {
            assertEquals(want[i], got[i], "line " + (i + 1));
        }
        assertEquals(want.length, got.length, "lines");
        assertTrue(table.contains("\nGood, all 253 testcases passed! |\n"), "closing line");
        assertEquals(0, unexpected[0], "unexpected failures");
        assertEquals("", reports.toString(StandardCharsets.UTF_8), "debug_locks_silent: no report printed");
    }

    private static final Pattern NAME = Pattern.compile("^ *([^:|]+):");
    private static final Pattern CELL = Pattern.compile(
            "(  ok  \\||FAILED\\|) lockclass mask: [0-9a-f]+, debug_locks: (\\d), expected: (\\d)");

    /**
     * With debug_locks_verbose=1 each cell is followed by debug_locks and what it expected: every
     * row's expectations are the kernel's, cell by cell, and debug_locks matched each of them.
     */
    @Test
    void everyCellExpectsWhatTheKernelsDotestExpectsAndGotIt() throws IOException {
        int[] unexpected = {-1};
        String verbose = run(1, unexpected);
        List<String> want = new ArrayList<>();
        for (String l : resource("locking-selftest.expected").split("\n")) {
            if (!l.startsWith("#") && !l.isEmpty()) {
                want.add(l);
            }
        }
        // a row is its name, then its cells, each on a line of its own after the first
        List<String> got = new ArrayList<>();
        String name = null;
        StringBuilder cells = new StringBuilder();
        int total = 0;
        for (String line : verbose.split("\n")) {
            Matcher n = NAME.matcher(line);
            if (n.find() && !line.startsWith(" lockclass") && !line.startsWith("  ")
                    || n.find(0) && line.indexOf(':') == 33) {
                if (name != null) {
                    got.add(name + "\t" + cells.toString().trim());
                }
                name = n.group(1).trim();
                cells.setLength(0);
            }
            Matcher c = CELL.matcher(line);
            while (c.find()) {
                String expected = c.group(3).equals("1") ? "SUCCESS" : "FAILURE";
                assertEquals(c.group(3), c.group(2), name + ": debug_locks after the case");
                assertEquals("  ok  |", c.group(1), name + ": cell");
                cells.append(' ').append(expected);
                total++;
            }
            if (line.startsWith("-------") && name != null) {
                got.add(name + "\t" + cells.toString().trim());
                name = null;
            }
        }
        assertEquals(want, got);
        assertEquals(253, total, "cells");
        assertEquals(0, unexpected[0], "unexpected failures");
        assertTrue(reports.size() > 0, "not silent: the FAILURE cases' reports were printed");
    }
}
