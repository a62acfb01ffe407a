// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TlbTraceTest {
    @AfterEach
    void tearDown() {
        TlbTrace.reset();
        Lockdep.reset();
    }

    @Test
    void nothingTracedUntilAFlushOrAnOwedUpdate() {
        TlbTrace.reset();
        assertFalse(TlbTrace.traced());
        TlbTrace.spteUpdated(0x1000, 0x5, false); // no flush owed: not an event
        assertFalse(TlbTrace.traced());
        TlbTrace.spteUpdated(0x1000, 0x5, true);
        assertTrue(TlbTrace.traced());
        TlbTrace.reset();
        TlbTrace.flushed(System.nanoTime(), true);
        assertTrue(TlbTrace.traced());
    }

    @Test
    void aFlushOutsideMmuLockIsCountedForItsCaller() {
        TlbTrace.reset();
        TlbTrace.spteUpdated(0x1000, 0x5, true);
        TlbTrace.flushed(System.nanoTime(), false);
        Map<String, long[]> counts = TlbTrace.counts();
        // one caller (the first frame outside this runtime's package, here JUnit's), one flush outside
        assertEquals(1, counts.size(), counts.keySet().toString());
        long[] only = counts.values().iterator().next();
        assertEquals(0, only[0], "inside mmu_lock");
        assertEquals(1, only[1], "outside");
        String s = TlbTrace.summary();
        assertTrue(s.contains("1 spte update(s) left a flush owed; 1 later flush(es) on the same thread paid them"), s);
    }
}
