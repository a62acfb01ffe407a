// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mmulab.exercises.ScenarioRun;

/**
 * The timeline that {@code mmulab explore} and {@code mmulab replay} print, read back: its
 * columns (one per thread, named as the header names them) and its rows (a step and, for the
 * thread that made it, what it did). Exercise 9's graders read the timeline they make themselves
 * (in a child JVM, {@link ScenarioRun#explore}), so they follow the explorer if its output changes.
 */
public final class TimelineText {
    /** The command of the task sheet, after {@code ./mmulab}. */
    public static final List<String> EXPLORE = List.of("explore", "shadow-protect", "--variant", "pt-writable", "--strategy", "pct",
            "--depth", "2", "--seed", "1");

    /** One row: its step, the column that has text, the text. */
    public record Row(long step, int column, String text) {}

    public final String output;
    public final List<String> columns = new ArrayList<>();
    public final List<Row> rows = new ArrayList<>();
    public final int exit;

    static final Pattern BROKEN = Pattern.compile("CHECK invariant (\\d+) BROKEN: ([0-9a-f]+)");
    static final Pattern REPLAY = Pattern.compile("(?m)^replay: \\./mmulab (.*)$");

    TimelineText(String output, int exit) {
        this.output = output;
        this.exit = exit;
        String[] lines = output.split("\n");
        int i = 0;
        while (i < lines.length && !lines[i].startsWith("   step  ")) {
            i++;
        }
        if (i + 1 >= lines.length) {
            throw new AssertionError("no timeline in this output:\n" + output);
        }
        String header = lines[i];
        String dashes = lines[i + 1];
        List<int[]> spans = new ArrayList<>();
        Matcher m = Pattern.compile("-+").matcher(dashes);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        for (int c = 1; c < spans.size(); c++) {
            columns.add(cut(header, spans.get(c)[0], c + 1 < spans.size() ? spans.get(c + 1)[0] : header.length()));
        }
        for (int j = i + 2; j < lines.length && !lines[j].isBlank(); j++) {
            String line = lines[j];
            String stepText = cut(line, 0, spans.get(0)[1]);
            if (!stepText.matches("\\d+")) {
                break;
            }
            for (int c = 1; c < spans.size(); c++) {
                String t = cut(line, spans.get(c)[0], c + 1 < spans.size() ? spans.get(c + 1)[0] : line.length());
                if (!t.isEmpty()) {
                    rows.add(new Row(Long.parseLong(stepText), c - 1, t));
                }
            }
        }
    }

    private static String cut(String s, int from, int to) {
        if (from >= s.length()) {
            return "";
        }
        return s.substring(from, Math.min(to, s.length())).trim();
    }

    private static final Map<List<String>, TimelineText> RUNS = new ConcurrentHashMap<>();

    /** {@code ./mmulab ARGS} (explore or replay), run once per JVM and read. */
    public static TimelineText of(List<String> args) {
        return RUNS.computeIfAbsent(List.copyOf(args), a -> {
            ScenarioRun.Outcome o = ScenarioRun.explore(120, a.toArray(new String[0]));
            return new TimelineText(o.output(), o.exit());
        });
    }

    /** The timeline of the task sheet's command. */
    public static TimelineText sheet() {
        return of(EXPLORE);
    }

    /** The column of a thread named {@code name}, whole ("scenario/shadower") or one of its parts ("shadower"); -1 if none. */
    public int column(String name) {
        if (name == null) {
            return -1;
        }
        String n = name.trim();
        for (int c = 0; c < columns.size(); c++) {
            String col = columns.get(c);
            if (col.equals(n)) {
                return c;
            }
            for (String part : col.split("/")) {
                if (part.equals(n)) {
                    return c;
                }
            }
        }
        return -1;
    }

    /** The row of the broken check, or null if nothing broke. */
    public Row broken() {
        for (Row r : rows) {
            if (BROKEN.matcher(r.text()).find()) {
                return r;
            }
        }
        return null;
    }

    /** The gfn the broken check names. */
    public long brokenGfn() {
        Row b = broken();
        if (b == null) {
            throw new AssertionError("no check broke in this timeline:\n" + output);
        }
        Matcher m = BROKEN.matcher(b.text());
        m.find();
        return Long.parseLong(m.group(2), 16);
    }

    /** The first step the timeline shows. */
    public long firstStep() {
        return rows.isEmpty() ? -1 : rows.get(0).step();
    }

    /** The rows of column {@code c}, in order. */
    public List<Row> rowsOf(int c) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            if (r.column() == c) {
                out.add(r);
            }
        }
        return out;
    }

    /** The replay command the explorer printed, as arguments after {@code ./mmulab}. */
    public List<String> replayArgs() {
        Matcher m = REPLAY.matcher(output);
        if (!m.find()) {
            throw new AssertionError("the explorer printed no replay line:\n" + output);
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }
}
