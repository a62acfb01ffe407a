// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A self-contained report page: one XHTML file with its CSS and SVG inline, nothing fetched. The
 * sections are added in order; {@link #html()} is the page.
 */
public final class ReportPage {
    private static final String CSS = """
            body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
            h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
            pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;white-space:pre-wrap;word-break:break-word;font-size:.85em}
            table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
            th{background:#eee}td.l,th.l{text-align:left}
            a.code{color:#0645ad}.note{color:#555;font-size:.9em}
            .charts{display:flex;flex-wrap:wrap;gap:1em}
            svg.chart{background:#fff;border:1px solid #ddd;font-size:11px}
            svg .title{font-size:13px;font-weight:bold}svg .grid{stroke:#e4e4e4}svg .axis,svg .tickmark{stroke:#444}
            """;

    private final String title;
    private final List<String> sections = new ArrayList<>();

    public ReportPage(String title) {
        this.title = title;
    }

    /** A paragraph of plain text. */
    public ReportPage note(String text) {
        sections.add("<p class=\"note\">" + Xml.esc(text) + "</p>\n");
        return this;
    }

    /** A heading and a {@code <pre>} of {@code markup} (already escaped, links in it). */
    public ReportPage pre(String heading, String id, String markup) {
        sections.add(h2(heading, id) + "<pre>" + markup + "</pre>\n");
        return this;
    }

    /** A heading and a paragraph. */
    public ReportPage text(String heading, String id, String text) {
        sections.add(h2(heading, id) + "<p>" + Xml.esc(text) + "</p>\n");
        return this;
    }

    /** A heading and a table; the first column left-aligned. */
    public ReportPage table(String heading, String id, List<String> head, List<List<String>> rows) {
        StringBuilder b = new StringBuilder(h2(heading, id)).append("<table>\n<tr>");
        for (int i = 0; i < head.size(); i++) {
            b.append(i == 0 ? "<th class=\"l\">" : "<th>").append(Xml.esc(head.get(i))).append("</th>");
        }
        b.append("</tr>\n");
        for (List<String> r : rows) {
            b.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                b.append(i == 0 ? "<td class=\"l\">" : "<td>").append(Xml.esc(r.get(i))).append("</td>");
            }
            b.append("</tr>\n");
        }
        sections.add(b.append("</table>\n").toString());
        return this;
    }

    /** A heading and raw markup (a table with links, say); the caller escapes. */
    public ReportPage markup(String heading, String id, String markup) {
        sections.add(h2(heading, id) + markup);
        return this;
    }

    /** A heading and the charts side by side. */
    public ReportPage charts(String heading, String id, List<String> svgs) {
        sections.add(h2(heading, id) + "<div class=\"charts\">\n" + String.join("", svgs) + "</div>\n");
        return this;
    }

    private static String h2(String heading, String id) {
        return "<h2 id=\"" + Xml.esc(id) + "\">" + Xml.esc(heading) + "</h2>\n";
    }

    public String html() {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(Xml.esc(title)).append("</title>\n<style>\n").append(CSS)
                .append("</style>\n</head>\n<body>\n<h1>").append(Xml.esc(title)).append("</h1>\n");
        sections.forEach(b::append);
        return b.append("</body>\n</html>\n").toString();
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, html(), StandardCharsets.UTF_8);
    }

    /**
     * The time charts of race runs (the JSON's {@code "harvests"} and {@code "events"}), one series
     * per run, x in ms since the run's start: pages dirtied per harvest, KVM_GET_DIRTY_LOG latency,
     * remote TLB flushes during harvests, and the racing thread's events counted up over time.
     * Runs without a timeline are left out; no chart when none has one.
     */
    public static List<String> timeCharts(List<RunData> runs, List<String> names) {
        List<String> svgs = new ArrayList<>();
        if (runs.stream().allMatch(r -> r.harvests().isEmpty() && r.events().isEmpty())) {
            return svgs;
        }
        for (RunData.Quantity q : RunData.HARVEST_QUANTITIES) {
            List<SvgChart.Series> series = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                if (!runs.get(i).harvests().isEmpty()) {
                    series.add(new SvgChart.Series(names.get(i), runs.get(i).harvestValues("t_ms"),
                            runs.get(i).harvestValues(q.key())));
                }
            }
            svgs.add(SvgChart.svg(q.title(), "ms since the run started", q.unit(), series));
        }
        List<SvgChart.Series> ev = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            for (String kind : runs.get(i).eventKinds()) {
                ev.add(runs.get(i).eventSeries(runs.size() > 1 ? names.get(i) + ": " + kind : kind, kind));
            }
        }
        if (!ev.isEmpty()) {
            svgs.add(SvgChart.svg("The racing thread's events, counted up over time", "ms since the run started", "events", ev));
        }
        return svgs;
    }

    /** The charts of the quantities, one series per run: the plot of one run or of several. */
    public static List<String> charts(List<List<RunData.Quantity>> charts, List<RunData> runs, List<String> names) {
        List<String> svgs = new ArrayList<>();
        for (List<RunData.Quantity> qs : charts) {
            List<SvgChart.Series> series = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                for (RunData.Quantity q : qs) {
                    String name = qs.size() > 1 ? (runs.size() > 1 ? names.get(i) + ": " : "") + q.title().replace(" per round", "")
                            : names.get(i);
                    series.add(SvgChart.indexed(name, runs.get(i).values(q)));
                }
            }
            String t = qs.size() == 1 ? qs.get(0).title() : qs.get(0).title().replace(" per round", "") + " and "
                    + qs.get(1).title().replace(" per round", "").toLowerCase(java.util.Locale.ROOT) + " per round";
            // a migrate round is a harvest; a race's round is one turn of its racing thread (logging on and off, a shadowed gfn)
            boolean harvests = runs.stream().allMatch(r -> r.scenario().equals("migrate"));
            svgs.add(SvgChart.svg(t, harvests ? "round (harvest), in order" : "round, in order", qs.get(0).unit(), series));
        }
        return svgs;
    }
}
