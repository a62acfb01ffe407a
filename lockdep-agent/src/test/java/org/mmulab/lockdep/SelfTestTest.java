// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The self-test matrix passes every cell, and a cell can fail. */
class SelfTestTest {

    @Test
    void everyCaseGivesExactlyTheReportItShould() {
        int[] failed = {-1};
        String t = SelfTest.table(failed);
        assertEquals(0, failed[0], t);
        assertTrue(t.contains("ABCDBCDA                             ok       ok"), t);
        assertTrue(t.contains("cond_resched_lock under one lock     ok       ok"), t);
        assertTrue(t.contains("read A, read A (rlock / rsem)        ok       ok"), t);
        assertTrue(t.contains("A irq-safe, B irq-unsafe, A -> B     ok       -"), t);
        assertTrue(t.contains("37 of 37 cases ok"), t);
        assertFalse(t.contains("FAILED"), t);
    }

    @Test
    void aCaseExpectingAReportFailsWhenNoneComes() {
        SelfTest.Case quiet = new SelfTest.Case("quiet", SelfTest.CIRCULAR, null, (l, s) -> SelfTest.pair(l, s, 0, 1));
        assertEquals("0 reports, expected 1", SelfTest.runCase(quiet, true));
        assertEquals(null, SelfTest.runCase(quiet, false));
    }

    @Test
    void aReadCaseTellsTheRecursiveRwlockReadFromTheRwsemRead() {
        SelfTest.Case c = new SelfTest.Case("read twice", null, null, (l, s) -> {
            SelfTest.readLock(l[0], s);
            SelfTest.readLock(l[0], s);
        });
        assertEquals(null, SelfTest.runCase(c, true));
        assertEquals("unexpected report", SelfTest.runCase(c, false));
    }
}
