// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * explore --exhaustive on small programs: a race-free program ends with the verified line and exit
 * 0, a budget that runs out first never claims verified and exits 4, a lost update is still found
 * (exit 1), and the number of schedules verified is the number the bound allows.
 */
class ExhaustiveTest {
    private static final Pattern VERIFIED = Pattern.compile(
            "(?m)^verified: K=(\\d+), every schedule with at most \\1 preemption\\(s\\) run or pruned: (\\d+) run, (\\d+) pruned, in \\d+\\.\\d\\d s$");

    private static Explorer.Options exhaustive(int k) {
        Explorer.Options o = ExplorerTest.options("dfs");
        o.exhaustive = true;
        o.preemptions = k;
        o.budget = Integer.MAX_VALUE;
        return o;
    }

    private static int verifiedRun(ExplorerTest.Explored e) {
        Matcher m = VERIFIED.matcher(e.out());
        assertTrue(m.find(), e.out());
        assertTrue(e.out().endsWith(m.group() + "\n"), "the verified line is the last line: " + e.out());
        return Integer.parseInt(m.group(2));
    }

    @Test
    void aRaceFreeProgramIsVerifiedWithExitZeroAndTheVerifiedLineLast() {
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(2));
        assertEquals(0, e.rc(), e.out());
        assertTrue(verifiedRun(e) > 1, e.out());
    }

    @Test
    void moreBoundMeansMoreSchedulesVerified() {
        int k0 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(0)));
        int k1 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(1)));
        int k2 = verifiedRun(ExplorerTest.explore(ExplorerTest.ATOMIC, exhaustive(2)));
        assertEquals(1, k0, "with no preemption there is one schedule: the round robin");
        assertTrue(k0 < k1 && k1 < k2, k0 + " " + k1 + " " + k2);
    }

    @Test
    void aBudgetThatRunsOutDoesNotClaimVerifiedAndExitsFour() {
        Explorer.Options o = exhaustive(2);
        o.budget = 2;
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, o);
        assertEquals(Explorer.NOT_EXHAUSTED, e.rc(), e.out());
        assertEquals(4, Explorer.NOT_EXHAUSTED);
        assertFalse(e.out().contains("verified:") && !e.out().contains("NOT verified:"), e.out());
        assertFalse(VERIFIED.matcher(e.out()).find(), e.out());
        assertTrue(e.out().matches("(?s).*\nNOT verified: the bound K=2 was not exhausted: 2 schedule\\(s\\) run, \\d+ still to run when the budget ran out, in \\d+\\.\\d\\d s\n"),
                e.out());
    }

    @Test
    void aViolationWithinTheBoundIsFoundWithExitOneAndNoVerifiedLine() {
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.LOST_UPDATE, exhaustive(1));
        assertEquals(1, e.rc(), e.out());
        assertFalse(e.out().contains("verified:"), e.out());
        assertTrue(e.out().matches("(?s).*\nreplay: .* --strategy dfs --seed 1 --schedule \\d+:\\d+\n"), e.out());
    }

    @Test
    void withoutExhaustiveTheEndingIsAsBefore() {
        Explorer.Options o = ExplorerTest.options("dfs");
        o.preemptions = 2;
        o.budget = 1000;
        ExplorerTest.Explored e = ExplorerTest.explore(ExplorerTest.ATOMIC, o);
        assertEquals(0, e.rc(), e.out());
        assertFalse(e.out().contains("verified"), e.out());
    }
}
