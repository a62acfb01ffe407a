// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** explore's progress line, on a clock the test turns: what it says, when it is rewritten, how it is erased. */
class ProgressTest {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    long now = 1_000_000_000L;
    final Progress p = new Progress(err, () -> now);

    String printed() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s;
    }

    @Test
    void schedulesDoneOfTheBudgetDistinctFoundAndTheRateOnOneLineRewrittenInPlace() {
        p.start();
        now += 40_000_000L;
        p.update("schedules", 1, 1000, 0, 1, 0, 0);
        assertEquals("\r  1 of 1000 schedules, 1 distinct, 0 found", printed(), "the first at once, without a rate");
        now += 100_000_000L;
        p.update("schedules", 2, 1000, 0, 2, 0, 0);
        assertEquals("", printed(), "not again within the interval");
        now += Progress.INTERVAL_NANOS;
        p.update("schedules", 12, 1000, 0, 9, 0, 2);
        assertEquals("\r  12 of 1000 schedules, 9 distinct, 0 found, lockdep reported in 2, 30.8 schedules/s", printed());
        now += Progress.INTERVAL_NANOS;
        p.update("schedules", 13, 1000, 0, 10, 1, 2);
        String last = "\r  13 of 1000 schedules, 10 distinct, 1 found, lockdep reported in 2, 20.3 schedules/s";
        assertEquals(last, printed());
        p.done();
        String erase = printed();
        assertEquals("\r" + " ".repeat(last.length() - 1) + "\r", erase, "blanks over the longest line, back to the margin");
        p.done();
        assertEquals("", printed(), "erased once");
    }

    @Test
    void aShorterLinePadsOverTheRestOfTheLongerOneBeforeIt() {
        p.start();
        p.update("runs", 1, 0, 60, -1, 0, 7);
        String first = printed();
        assertEquals("\r  1 runs (0 of 60 s), 0 found, lockdep reported in 7", first);
        now += 2_000_000_000L;
        p.update("runs", 2, 0, 60, -1, 0, 0);
        String second = printed();
        assertEquals("\r  2 runs (2 of 60 s), 0 found, 1.0 runs/s", second.stripTrailing());
        assertEquals(first.length(), second.length(), "padded to the longer line");
    }

    @Test
    void offPrintsNothing() {
        Progress off = Progress.OFF;
        off.start();
        off.update("schedules", 1, 10, 0, 1, 0, 0);
        off.done();
        assertEquals("", printed());
    }
}
