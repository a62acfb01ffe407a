// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mmulab.examples.report.ReportPage;
import org.mmulab.examples.report.RunData;
import org.mmulab.examples.vmm.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmulab plot A.json B.json ... --html FILE}: the runs' per-round quantities on one chart each. */
@Command(name = "plot", sortOptions = false, sortSynopsis = false,
        descriptionHeading = "%n",
        description = {
            "Chart the summaries of runs (mmulab run --json) against each other.",
            "",
            "Writes one self-contained page (inline SVG, nothing fetched) with one chart per quantity of the rounds "
                    + "(pages dirtied, pages sent, KVM_GET_DIRTY_LOG latency, remote TLB flushes, TLB entries dropped) and "
                    + "one line per JSON file, the legend naming each file's variant: run migrate --variant v3.15 "
                    + "--json a.json, then --variant v3.16 --json b.json, then plot a.json b.json --html plot.html."},
        parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the page was written",
            "2:bad usage (one line on stderr, nothing written): a JSON file missing or not a run summary, or FILE not writable"})
final class PlotCommand implements Main.Action {
    private final Main.Io io;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "JSON", description = "Summaries written by mmulab run --json.")
    List<Path> files;

    @Option(names = "--html", paramLabel = "FILE", order = 1, description = "The page to write (needed).")
    Path html;

    @Mixin
    StandardOptions standard;

    PlotCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public int call() {
        if (html == null) {
            throw Main.usage(spec, "where to? give --html FILE, the page to write");
        }
        String why = RunCommand.cannotWrite(html);
        if (why != null) {
            throw Main.usage(spec, "--html " + html + ": " + why);
        }
        List<RunData> runs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw Main.usage(spec, f + ": " + Scenarios.why(e));
            }
            try {
                runs.add(RunData.parse(text));
            } catch (RunData.BadJson e) {
                throw Main.usage(spec, f + ": " + e.getMessage());
            }
            names.add(runs.get(runs.size() - 1).variant() + " (" + f.getFileName() + ")");
        }
        List<List<RunData.Quantity>> charts = new ArrayList<>();
        for (RunData.Quantity q : RunData.QUANTITIES) {
            if (runs.stream().anyMatch(r -> r.varies(q))) {
                charts.add(List.of(q));
            }
        }
        ReportPage page = new ReportPage("mmulab plot: " + String.join(" against ", names));
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            rows.add(List.of(files.get(i).toString(), runs.get(i).scenario(), runs.get(i).variant(),
                    Integer.toString(runs.get(i).perRound().size())));
        }
        page.table("Runs", "runs", List.of("file", "scenario", "variant", "rounds"), rows);
        if (charts.isEmpty()) {
            page.text("Charts", "charts", "Every quantity is zero in every round of these runs: nothing to chart.");
        } else {
            page.charts("Charts", "charts", ReportPage.charts(charts, runs, names));
        }
        List<String> overTime = ReportPage.timeCharts(runs, names);
        if (!overTime.isEmpty()) {
            page.charts("Over time (race runs; x in ms since each run started)", "over-time", overTime);
        }
        try {
            page.write(html);
        } catch (IOException e) {
            io.err().println("mmulab: cannot write " + html + ": " + Scenarios.why(e));
            return 2;
        }
        io.out().println("plot: " + (charts.size() + overTime.size()) + " chart(s) of " + runs.size() + " run(s) written to " + html);
        return 0;
    }
}
