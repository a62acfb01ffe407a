// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        TlbTrace.flushed(TlbTrace.flushStarted(), true);
        assertTrue(TlbTrace.traced());
    }

    @Test
    void aFlushOutsideMmuLockIsCountedForItsCaller() {
        TlbTrace.reset();
        TlbTrace.spteUpdated(0x1000, 0x5, true);
        TlbTrace.flushed(TlbTrace.flushStarted(), false);
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
    void aFlushIsAJfrEventThatSaysHowManyOwedUpdatesItPaidAndHowLate(@TempDir Path dir) throws Exception {
        TlbTrace.reset();
        Path file = dir.resolve("flush.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("mmulab.TlbFlush");
            rec.start();
            TlbTrace.spteUpdated(0x1000, 0x5, true);
            TlbTrace.spteUpdated(0x1008, 0x5, true);
            Thread.sleep(2);
            TlbTrace.flushed(TlbTrace.flushStarted(), true);
            TlbTrace.flushed(TlbTrace.flushStarted(), false); // nothing owed any more
            rec.stop();
            rec.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertEquals(2, events.size(), events.toString());
        RecordedEvent first = events.get(0);
        assertEquals(2, first.getLong("paid"));
        assertTrue(first.getDuration("owedFor").toMillis() >= 2, first.toString());
        assertTrue(first.getBoolean("ipi"));
        assertFalse(first.getBoolean("mmuLockHeld"));
        assertEquals(0, events.get(1).getLong("paid"));
        assertEquals(0, events.get(1).getDuration("owedFor").toNanos());
    }

    /** The event spans the flush: begun at kvm_flush_remote_tlbs' entry, committed at its exit. */
    @Test
    void aFlushEventLastsFromTheFlushsStartToItsEnd(@TempDir Path dir) throws Exception {
        TlbTrace.reset();
        Path file = dir.resolve("duration.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("mmulab.TlbFlush");
            rec.start();
            Object started = TlbTrace.flushStarted();
            Thread.sleep(5); // the flush "takes" at least 5 ms
            TlbTrace.flushed(started, false);
            rec.stop();
            rec.dump(file);
        }
        RecordedEvent e = RecordingFile.readAllEvents(file).get(0);
        assertTrue(e.getDuration().toMillis() >= 5, "duration " + e.getDuration() + " of " + e);
        assertEquals(e.getStartTime().plus(e.getDuration()), e.getEndTime());
    }

    /** What JDK Mission Control and {@code jfr print} show: a label in title case, and a description, for the event and each field. */
    @Test
    void theFlushEventAndItsFieldsHaveTitleCaseLabelsAndDescriptions() {
        EventType t = EventType.getEventType(TlbTrace.FlushEvent.class);
        assertEquals("mmulab.TlbFlush", t.getName());
        assertEquals("Remote TLB Flush", t.getLabel());
        assertTrue(t.getDescription() != null && t.getDescription().startsWith("A call of kvm_flush_remote_tlbs"), t.getDescription());
        assertEquals(List.of("mmulab", "KVM MMU"), t.getCategoryNames());
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (ValueDescriptor f : t.getFields()) {
            labels.put(f.getName(), f.getLabel());
            if (!List.of("startTime", "duration", "eventThread", "stackTrace").contains(f.getName())) { // JFR's own
                assertTrue(f.getDescription() != null && !f.getDescription().isBlank(), f.getName() + " has no description");
            }
        }
        assertEquals("Start Time", labels.get("startTime"));
        assertEquals("Duration", labels.get("duration"));
        assertEquals("Caller", labels.get("caller"));
        assertEquals("MMU Lock Held", labels.get("mmuLockHeld"));
        assertEquals("Held Locks", labels.get("held"));
        assertEquals("IPI Sent", labels.get("ipi"));
        assertEquals("Owed Updates Paid", labels.get("paid"));
        assertEquals("Owed For", labels.get("owedFor"));
        assertFalse(labels.containsKey("startNanos"), "the summary's own clock is not an event field: " + labels);
        for (String label : labels.values()) {
            for (String word : label.split(" ")) {
                assertTrue(Character.isUpperCase(word.charAt(0)), "title case: " + label);
            }
        }
    }
}
