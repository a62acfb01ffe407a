// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A race's harvests and events over time, for the JSON's {@code "harvests"} and {@code "events"}.
 * At most {@value #CAP} harvest points are kept whatever the run's length: when the list is full,
 * neighbouring points are merged in pairs and each later point covers twice as many harvests (a
 * merged point has the time of its last harvest, the sum of its pages and flushes, the mean of its
 * latencies, and how many harvests it covers). The first {@value #CAP} events are kept, and their
 * total counted.
 */
public final class Timeline {
    public static final int CAP = 400;

    /** A point: {@code harvests} harvests up to {@code tMillis}. */
    public record Point(double tMillis, long harvests, long pagesDirtied, double getDirtyLogMicros, long remoteFlushes) {
        Point merge(Point later) {
            long n = harvests + later.harvests;
            return new Point(later.tMillis, n, pagesDirtied + later.pagesDirtied,
                    (getDirtyLogMicros * harvests + later.getDirtyLogMicros * later.harvests) / n,
                    remoteFlushes + later.remoteFlushes);
        }
    }

    /** Something the racing thread did at {@code tMillis}: "logging on", "logging off", "write-protect". */
    public record Event(double tMillis, String what) {}

    private final long t0;
    private final List<Point> points = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private long width = 1;
    private Point open;
    private long harvests;
    private long eventsTotal;

    public Timeline(long t0Nanos) {
        this.t0 = t0Nanos;
    }

    /** One KVM_GET_DIRTY_LOG that began at {@code startNanos} and took {@code nanos}. */
    public synchronized void harvest(long startNanos, long nanos, long pagesDirtied, long remoteFlushes) {
        Point p = new Point((startNanos + nanos - t0) / 1e6, 1, pagesDirtied, nanos / 1e3, remoteFlushes);
        harvests++;
        open = open == null ? p : open.merge(p);
        if (open.harvests >= width) {
            points.add(open);
            open = null;
            if (points.size() >= CAP) {
                List<Point> merged = new ArrayList<>();
                for (int i = 0; i + 1 < points.size(); i += 2) {
                    merged.add(points.get(i).merge(points.get(i + 1)));
                }
                points.clear();
                points.addAll(merged);
                width *= 2;
            }
        }
    }

    public synchronized void event(String what) {
        eventsTotal++;
        if (events.size() < CAP) {
            events.add(new Event((System.nanoTime() - t0) / 1e6, what));
        }
    }

    /** The points kept (the open one last), at most {@value #CAP}. */
    public synchronized List<Point> points() {
        List<Point> p = new ArrayList<>(points);
        if (open != null) {
            p.add(open);
        }
        return p;
    }

    public synchronized long harvests() {
        return harvests;
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized long eventsTotal() {
        return eventsTotal;
    }

    /** The JSON fields (each line "  \"key\": value,"): harvests, harvests_total, events, events_total. */
    synchronized String json() {
        StringBuilder h = new StringBuilder("[");
        for (Point p : points()) {
            h.append(h.length() > 1 ? ", " : "").append(String.format(Locale.ROOT,
                    "{\"t_ms\": %.3f, \"harvests\": %d, \"pages_dirtied\": %d, \"get_dirty_log_us\": %.1f, \"remote_tlb_flushes\": %d}",
                    p.tMillis(), p.harvests(), p.pagesDirtied(), p.getDirtyLogMicros(), p.remoteFlushes()));
        }
        StringBuilder e = new StringBuilder("[");
        for (Event x : events) {
            e.append(e.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "{\"t_ms\": %.3f, \"event\": %s}",
                    x.tMillis(), RunResult.str(x.what())));
        }
        return "  \"harvests\": " + h.append("]") + ",\n  \"harvests_total\": " + harvests + ",\n"
                + "  \"events\": " + e.append("]") + ",\n  \"events_total\": " + eventsTotal + ",\n";
    }
}
