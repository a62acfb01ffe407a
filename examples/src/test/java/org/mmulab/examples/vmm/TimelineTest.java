// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mmulab.examples.report.RunData;

class TimelineTest {
    @Test
    void aFewHarvestsAreEachAPoint() {
        Timeline t = new Timeline(0);
        t.harvest(1_000_000, 500_000, 7, 1);
        t.harvest(3_000_000, 250_000, 2, 0);
        assertEquals(List.of(new Timeline.Point(1.5, 1, 7, 500.0, 1), new Timeline.Point(3.25, 1, 2, 250.0, 0)), t.points());
    }

    @Test
    void tenThousandHarvestsKeepAtMostTheCapOfPointsTheirPagesAndFlushesSummedAndCounted() {
        Timeline t = new Timeline(0);
        for (int i = 0; i < 10_000; i++) {
            t.harvest(i * 1_000_000L, 1_000, i % 5, i % 2);
        }
        List<Timeline.Point> p = t.points();
        assertTrue(p.size() <= Timeline.CAP && p.size() >= Timeline.CAP / 4, p.size() + " points");
        assertEquals(10_000, p.stream().mapToLong(Timeline.Point::harvests).sum());
        assertEquals(10_000L / 5 * (0 + 1 + 2 + 3 + 4), p.stream().mapToLong(Timeline.Point::pagesDirtied).sum());
        assertEquals(5_000, p.stream().mapToLong(Timeline.Point::remoteFlushes).sum());
        assertEquals(9_999.001, p.get(p.size() - 1).tMillis(), 1e-9);
        assertEquals(1.0, p.get(0).getDirtyLogMicros(), 1e-9);
        assertEquals(10_000, t.harvests());
    }

    @Test
    void theJsonOfARaceRunReadsBackAsItsHarvestsAndEvents() throws Exception {
        RunConfig c = new RunConfig();
        c.scenario = "enable-logging-race";
        c.variant = "v3.16";
        RunResult r = new RunResult(c);
        r.timeline = new Timeline(System.nanoTime());
        r.timeline.harvest(System.nanoTime(), 2_000, 3, 1);
        r.timeline.event("logging on");
        r.timeline.event("logging off");
        r.timeline.event("logging on");
        RunData d = RunData.parse(r.toJson());
        assertEquals(1, d.harvests().size());
        assertEquals(3.0, d.harvestValues("pages_dirtied")[0]);
        assertEquals(2.0, d.harvestValues("get_dirty_log_us")[0]);
        assertEquals(List.of("logging on", "logging off"), d.eventKinds());
        assertEquals(2, d.eventSeries("on", "logging on").xs().length);
        assertTrue(r.toJson().contains("\"harvests_total\": 1,") && r.toJson().contains("\"events_total\": 3,"), r.toJson());
    }
}
