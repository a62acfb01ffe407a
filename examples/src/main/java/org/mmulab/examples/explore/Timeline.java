// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.mmulab.lockdep.explore.Event;

/**
 * A schedule as a table: one column per thread, one row per step that matters, in step order.
 * Lock and unlock, ioctls, flushes, requests, kicks and checks are always shown; spte changes,
 * guest accesses and TLB fills and hits only for the gfns the timeline follows (those of the
 * violation), unless {@code full}. A run of the same event on the same thread is one row with a
 * count.
 */
public final class Timeline {
    static final int WIDTH = 34;

    private Timeline() {}

    /** One event and its text. */
    private record Row(Event event, String text) {}

    /** Shown in the timeline at all (the scheduler's own waits only with --full). */
    static boolean shown(Event.Kind k) {
        return k != Event.Kind.LOCK_WAIT && k != Event.Kind.SCHED;
    }

    /** About one gfn: shown only for the gfns the timeline follows. */
    static boolean perGfn(Event.Kind k) {
        return k == Event.Kind.SPTE || k == Event.Kind.ACCESS || k == Event.Kind.TLB_FILL;
    }

    public static String render(List<Event> events, List<String> labels, Set<Long> follow, boolean full, Describer d) {
        int n = labels.size();
        List<Row> kept = new ArrayList<>();
        Set<Event> failed = full ? Set.of() : failedIoctls(events, n);
        for (Event e : events) {
            if (failed.contains(e)) {
                continue;
            }
            boolean shown = shown(e.kind()) || (full && e.kind() == Event.Kind.SCHED);
            if (!shown || (perGfn(e.kind()) && !full && !follow.contains(e.gfn()))) {
                continue;
            }
            kept.add(new Row(e, EventText.of(e, d)));
        }
        if (!full) {
            kept = dropEmptyLockPairs(kept);
        }
        Row last = null;
        int repeat = 0;
        List<long[]> counts = new ArrayList<>();
        List<Row> merged = new ArrayList<>();
        for (Row r : kept) {
            if (last != null && last.event().thread() == r.event().thread() && sameRow(last, r)) {
                repeat++;
                counts.get(counts.size() - 1)[0] = repeat;
                if (!last.text().equals(r.text())) {
                    // reads and writes through the same TLB entry: one row
                    last = new Row(last.event(), mixed(last.text()));
                    merged.set(merged.size() - 1, last);
                }
                continue;
            }
            last = r;
            repeat = 1;
            merged.add(r);
            counts.add(new long[] {1});
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format("%7s", "step"));
        for (String l : labels) {
            b.append("  ").append(pad(l));
        }
        trimEnd(b);
        b.append('\n').append(String.format("%7s", "-----"));
        for (int i = 0; i < n; i++) {
            b.append("  ").append("-".repeat(WIDTH));
        }
        b.append('\n');
        for (int i = 0; i < merged.size(); i++) {
            Event e = merged.get(i).event();
            String text = merged.get(i).text() + (counts.get(i)[0] > 1 ? " x" + counts.get(i)[0] : "");
            b.append(String.format("%7d", e.step()));
            for (int col = 0; col <= e.thread() && col < n; col++) {
                b.append("  ");
                b.append(col == e.thread() ? cut(text) : " ".repeat(WIDTH));
            }
            trimEnd(b);
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Ioctl rows of calls that returned an error (a harvester polling while logging is off): an
     * ioctl event and its result event on the same thread with nothing of that thread between.
     */
    static Set<Event> failedIoctls(List<Event> events, int threads) {
        Set<Event> out = Collections.newSetFromMap(new IdentityHashMap<>());
        List<List<Event>> open = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            open.add(null);
        }
        for (Event e : events) {
            if (e.thread() >= threads) {
                continue;
            }
            List<Event> mine = open.get(e.thread());
            if (e.detail() instanceof Event.Ioctl) {
                mine = new ArrayList<>();
                open.set(e.thread(), mine);
            }
            if (mine == null) {
                continue;
            }
            mine.add(e);
            if (e.detail() instanceof Event.IoctlDone done) {
                if (done.result() < 0) {
                    out.addAll(mine);
                }
                open.set(e.thread(), null);
            }
        }
        return out;
    }

    /** Same text, or guest accesses of one gfn with the same TLB result (reads and writes mixed). */
    private static boolean sameRow(Row a, Row b) {
        if (a.text().equals(b.text())) {
            return true;
        }
        return a.event().kind() == Event.Kind.ACCESS && b.event().kind() == Event.Kind.ACCESS
                && a.event().gfn() == b.event().gfn() && tail(a.text()).equals(tail(b.text()));
    }

    private static String tail(String access) {
        return access.substring(access.indexOf(':'));
    }

    private static String mixed(String access) {
        return access.replaceFirst("^guest (reads|writes|r\\+w) ", "guest r+w ");
    }

    /** "lock X" straight after by "unlock X" on the same thread, with no row between: nothing to see. */
    private static List<Row> dropEmptyLockPairs(List<Row> rows) {
        List<Row> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            Event e = r.event();
            Event prev = out.isEmpty() ? null : out.get(out.size() - 1).event();
            if (prev != null && prev.kind() == Event.Kind.LOCK && e.kind() == Event.Kind.UNLOCK && prev.thread() == e.thread()
                    && ((Event.Lock) prev.detail()).lock().equals(((Event.Lock) e.detail()).lock())) {
                out.remove(out.size() - 1);
                continue;
            }
            out.add(r);
        }
        return out;
    }

    private static String pad(String s) {
        s = cut(s);
        return s + " ".repeat(WIDTH - s.length());
    }

    private static String cut(String s) {
        return s.length() <= WIDTH ? s : s.substring(0, WIDTH - 1) + "~";
    }

    private static void trimEnd(StringBuilder b) {
        int len = b.length();
        while (len > 0 && b.charAt(len - 1) == ' ') {
            len--;
        }
        b.setLength(len);
    }
}
