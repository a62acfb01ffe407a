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
        assertTrue(s.matches("(?s).*1 spte update\\(s\\) left a flush owed; 1 later flush\\(es\\) on the same thread paid them, "
                + "[0-9]+\\.[0-9] us after the first owed update on average\n.*"), s);
    }

    @Test
    void aFlushIsAJfrEventThatSaysHowManyOwedUpdatesItPaidAndHowLate(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        TlbTrace.reset();
        java.nio.file.Path file = dir.resolve("flush.jfr");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            rec.enable("mmulab.TlbFlush");
            rec.start();
            TlbTrace.spteUpdated(0x1000, 0x5, true);
            TlbTrace.spteUpdated(0x1008, 0x5, true);
            Thread.sleep(2);
            TlbTrace.flushed(System.nanoTime(), true);
            TlbTrace.flushed(System.nanoTime(), false); // nothing owed any more
            rec.stop();
            rec.dump(file);
        }
        java.util.List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(file);
        assertEquals(2, events.size(), events.toString());
        jdk.jfr.consumer.RecordedEvent first = events.get(0);
        assertEquals(2, first.getLong("paid"));
        assertTrue(first.getDuration("owedFor").toMillis() >= 2, first.toString());
        assertTrue(first.getBoolean("ipi"));
        assertFalse(first.getBoolean("mmuLockHeld"));
        assertEquals(0, events.get(1).getLong("paid"));
        assertEquals(0, events.get(1).getDuration("owedFor").toNanos());
    }
}
