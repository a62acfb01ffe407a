// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.mmulab.examples.report.CodeLinks;
import org.mmulab.examples.report.ReportPage;
import org.mmulab.examples.report.RunData;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenarios;

/**
 * {@code mmulab run ... --html FILE}: runs the scenario as {@code run} does, keeping what it prints,
 * the lockdep reports (through the agent's report listener) and the JSON summary, then writes the
 * report page.
 */
final class RunReport {
    private RunReport() {}

    /** The side-by-side site where {@code ./mmulab docs} writes it: docs/target/site in the repository. */
    static Path defaultSite() {
        try {
            Path here = Paths.get(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("kernel-port/src/main/java")) && Files.isDirectory(p.resolve("docs"))) {
                    return p.resolve("docs/target/site");
                }
            }
        } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
            // not from a file: the working directory's
        }
        return Paths.get("docs/target/site").toAbsolutePath();
    }

    /** What a command printed, both to its stream and kept. */
    static final class Tee extends OutputStream {
        private final OutputStream out;
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Tee(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            kept.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            kept.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /** The text kept, each line as a terminal left it (a ticker's carriage returns overwrite). */
        String text() {
            StringBuilder b = new StringBuilder();
            for (String line : kept.toString(StandardCharsets.UTF_8).split("\n", -1)) {
                b.append(b.length() == 0 && line.isEmpty() ? "" : "\n").append(line.substring(line.lastIndexOf('\r') + 1));
            }
            return b.toString().strip() + "\n";
        }
    }

    static int run(RunConfig c, Main.Io io, Path html, Path site) {
        Path tmp = null;
        if (c.json == null) {
            try {
                tmp = Files.createTempFile("mmulab-run-", ".json");
            } catch (IOException e) {
                io.err().println("mmulab: run: cannot make a temporary file for --html: " + Scenarios.why(e));
                return 2;
            }
            c.json = tmp.toString();
        }
        Tee tee = new Tee(io.out());
        PrintStream out = new PrintStream(tee, true, StandardCharsets.UTF_8);
        List<String> reports = new ArrayList<>();
        int rc;
        try (AutoCloseable l = LockdepReports.listen(r -> {
            synchronized (reports) {
                reports.add(r);
            }
        })) {
            rc = Main.withLockdepVerdict(() -> Main.runScenarioInLoader(c, new Main.Io(out, io.err(), io.terminal())), out);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        out.flush();
        RunData data = null;
        String jsonProblem = null;
        try {
            if (Files.exists(Paths.get(c.json))) {
                data = RunData.parse(Files.readString(Paths.get(c.json)));
            } else {
                jsonProblem = "the run wrote no summary";
            }
        } catch (IOException | RunData.BadJson e) {
            jsonProblem = "the run's summary could not be read: " + e.getMessage();
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
        List<String> copy;
        synchronized (reports) {
            copy = List.copyOf(reports);
        }
        ReportPage page = page(c, tee.text(), copy, LockdepReports.tlbSummary(), data, jsonProblem, html, site);
        try {
            page.write(html);
        } catch (IOException e) {
            io.err().println("mmulab: cannot write " + html + ": " + Scenarios.why(e));
            return 2;
        }
        io.out().println("report page: " + html);
        return rc;
    }

    static ReportPage page(RunConfig c, String printed, List<String> reports, String tlb, RunData data, String jsonProblem,
                           Path html, Path site) {
        CodeLinks links = new CodeLinks(CodeLinks.relative(html, site), Main.class.getClassLoader());
        ReportPage page = new ReportPage("mmulab run " + c.scenario + " (variant " + c.variant + ")");
        page.note("Links into the code go to the side-by-side site at " + site.toAbsolutePath().normalize() + " ("
                + (links.siteHref().isEmpty() ? "this directory" : links.siteHref()) + " from this page): write it with "
                + "./mmulab docs --kernel-src DIR" + (site.equals(defaultSite()) ? "" : " --out " + site)
                + ", or give run --site DIR where it is.");
        page.pre("Summary", "summary", links.linkFrames(printed));
        if (data != null) {
            List<List<String>> rows = new ArrayList<>();
            for (int i = 0; i < data.perRound().size(); i++) {
                List<String> r = new ArrayList<>();
                r.add(Integer.toString(i + 1));
                for (RunData.Quantity q : RunData.QUANTITIES) {
                    r.add(org.mmulab.examples.report.SvgChart.label(data.values(q).get(i)));
                }
                rows.add(r);
            }
            List<String> head = new ArrayList<>(List.of("round"));
            RunData.QUANTITIES.forEach(q -> head.add(q.key().replace('_', ' ')));
            page.charts("Charts", "charts", ReportPage.charts(data.charts(), List.of(data), List.of(c.variant)));
            List<String> overTime = ReportPage.timeCharts(List.of(data), List.of(c.variant));
            if (!overTime.isEmpty()) {
                long harvests = Math.round(java.util.Arrays.stream(data.harvestValues("harvests")).sum());
                page.charts("Over time", "over-time", overTime);
                page.note("Over time: " + harvests + " KVM_GET_DIRTY_LOG harvests in " + data.harvests().size()
                        + " points (at most " + org.mmulab.examples.vmm.Timeline.CAP + ": past that, neighbouring harvests "
                        + "are merged, their pages and flushes summed and their latencies averaged), and "
                        + data.events().size() + " events of the racing thread (the first "
                        + org.mmulab.examples.vmm.Timeline.CAP + " kept).");
            }
            page.table("Rounds", "rounds", head, rows);
        } else {
            page.text("Charts", "charts", "No charts: " + jsonProblem + ".");
        }
        if (reports.isEmpty()) {
            page.text("Lockdep reports", "lockdep", LockdepReports.count() < 0
                    ? "None: the run was not under the lockdep agent (--no-lockdep)." : "None: lockdep reported nothing.");
        } else {
            // a folded repeat (repeats=fold) comes to the listener with the same text: once here, counted
            java.util.Map<String, Integer> distinct = new java.util.LinkedHashMap<>();
            reports.forEach(r -> distinct.merge(r, 1, Integer::sum));
            StringBuilder b = new StringBuilder();
            distinct.forEach((text, n) -> b.append(links.linkFrames(text))
                    .append(n > 1 ? "[the same report " + (n - 1) + " more time(s)]\n" : ""));
            page.pre("Lockdep reports (" + reports.size() + ")", "lockdep", b.toString());
        }
        if (tlb != null) {
            page.pre("TLB flushes", "tlb", links.linkFrames(tlb));
        } else {
            page.text("TLB flushes", "tlb", "No TLB-flush summary: the run was not traced (the agent's tlbtrace).");
        }
        return page;
    }
}
