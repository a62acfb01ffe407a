// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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

    public static String render(List<Event> events, List<String> labels, Set<Long> follow, boolean full) {
        List<String[]> rows = new ArrayList<>();
        int n = labels.size();
        Event last = null;
        int repeat = 0;
        List<Event> kept = new ArrayList<>();
        java.util.Set<Event> failed = full ? java.util.Set.of() : failedIoctls(events, n);
        for (Event e : events) {
            if (failed.contains(e)) {
                continue;
            }
            boolean shown = e.kind().shown || (full && e.kind() == Event.Kind.SCHED);
            if (!shown || (e.kind().perGfn && !full && !follow.contains(e.gfn()))) {
                continue;
            }
            kept.add(e);
        }
        if (!full) {
            kept = dropEmptyLockPairs(kept);
        }
        List<long[]> counts = new ArrayList<>();
        List<Event> merged = new ArrayList<>();
        for (Event e : kept) {
            if (last != null && last.thread() == e.thread() && sameRow(last, e)) {
                repeat++;
                counts.get(counts.size() - 1)[0] = repeat;
                if (!last.text().equals(e.text())) {
                    // reads and writes through the same TLB entry: one row
                    last = new Event(last.step(), last.thread(), last.kind(), mixed(last.text()), last.gfn());
                    merged.set(merged.size() - 1, last);
                }
                continue;
            }
            last = e;
            repeat = 1;
            merged.add(e);
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
            Event e = merged.get(i);
            String text = e.text() + (counts.get(i)[0] > 1 ? " x" + counts.get(i)[0] : "");
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
    static java.util.Set<Event> failedIoctls(List<Event> events, int threads) {
        java.util.Set<Event> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<List<Event>> open = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            open.add(null);
        }
        for (Event e : events) {
            if (e.thread() >= threads) {
                continue;
            }
            List<Event> mine = open.get(e.thread());
            if (e.kind() == Event.Kind.IOCTL && !e.text().startsWith(" ")) {
                mine = new ArrayList<>();
                open.set(e.thread(), mine);
            }
            if (mine == null) {
                continue;
            }
            mine.add(e);
            if (e.kind() == Event.Kind.IOCTL && e.text().startsWith(" ")) {
                if (e.text().matches(".* = -\\d+")) {
                    out.addAll(mine);
                }
                open.set(e.thread(), null);
            }
        }
        return out;
    }

    /** Same text, or guest accesses of one gfn with the same TLB result (reads and writes mixed). */
    static boolean sameRow(Event a, Event b) {
        if (a.text().equals(b.text())) {
            return true;
        }
        return a.kind() == Event.Kind.ACCESS && b.kind() == Event.Kind.ACCESS && a.gfn() == b.gfn()
                && tail(a.text()).equals(tail(b.text()));
    }

    private static String tail(String access) {
        return access.substring(access.indexOf(':'));
    }

    private static String mixed(String access) {
        return access.replaceFirst("^guest (reads|writes|r\\+w) ", "guest r+w ");
    }

    /** "lock X" straight after by "unlock X" on the same thread, with no row between: nothing to see. */
    static List<Event> dropEmptyLockPairs(List<Event> rows) {
        List<Event> out = new ArrayList<>(rows.size());
        for (Event e : rows) {
            Event prev = out.isEmpty() ? null : out.get(out.size() - 1);
            if (prev != null && prev.kind() == Event.Kind.LOCK && e.kind() == Event.Kind.UNLOCK
                    && prev.thread() == e.thread() && prev.text().substring(5).equals(e.text().substring(7))) {
                out.remove(out.size() - 1);
                continue;
            }
            out.add(e);
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
