// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmulab run SCENARIO [options]}: one scenario on the model machine, its invariants checked. */
@Command(name = "run", sortOptions = false, sortSynopsis = false,
        descriptionHeading = "%n",
        description = {
            "Run a scenario on the model machine and check its invariants.",
            "",
            "Boots the model machine (guest RAM of real bytes, vCPU threads with TLBs), runs SCENARIO on the "
                    + "port with the variant's methods swapped in, checks the machine's invariants while it runs, and "
                    + "prints what it saw. Under the lockdep agent (./mmulab's default) every lockdep report is printed "
                    + "and makes the run exit 1."},
        parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:every invariant held and lockdep reported nothing",
            "1:an invariant broke, or lockdep reported",
            "2:bad usage (one line on stderr, nothing run), or the --json or --html file could not be written"})
final class RunCommand implements Main.Action {
    static final int VCPUS_MAX = 64;
    static final int ROUNDS_MAX = 1_000_000;
    static final int SECONDS_MAX = 3600;
    static final int HOLD_FLUSH_MAX = 10_000;

    private final Main.Io io;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", completionCandidates = Candidates.Scenarios.class,
            description = "One of ${COMPLETION-CANDIDATES} (mmulab list says what each does).")
    String scenario;

    @Option(names = "--variant", paramLabel = "V", order = 1, completionCandidates = Candidates.Variants.class,
            description = "The seed commit's version: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String variant = "v3.16";

    @Option(names = "--vcpus", paramLabel = "N", order = 2, description = "vCPU threads, 1-" + VCPUS_MAX + " (default: ${DEFAULT-VALUE}).")
    int vcpus = 2;

    @Option(names = "--memory", paramLabel = "SIZE", order = 3,
            description = "Guest RAM, 64K-1G in multiples of 4K: bytes, or with K, M or G like 64M (default: ${DEFAULT-VALUE}).")
    String memory = "64M";

    @Option(names = "--rounds", paramLabel = "R", order = 4, description = "Pre-copy rounds (harvests), 1-" + ROUNDS_MAX + " (default: 5).")
    Integer rounds;

    @Option(names = "--seconds", paramLabel = "S", order = 5,
            description = "Run the rounds for S seconds instead of a count, 0 < S <= " + SECONDS_MAX + "; a ticker shows them on a terminal.")
    Double seconds;

    @Option(names = "--seed", paramLabel = "N", order = 6, description = "The guest workload's seed, any whole number (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--json", paramLabel = "FILE", order = 7,
            description = "Also write the run's summary as JSON to FILE (its directory is checked before the run).")
    Path json;

    @Option(names = "--hold-flush", paramLabel = "MS", order = 8,
            description = "Hold the racing thread's late TLB flush open MS ms, 0-" + HOLD_FLUSH_MAX
                    + " (the race scenarios only, enable-logging-race and shadow-protect; default: 0, off).")
    long holdFlush = 0;

    @Option(names = "--html", paramLabel = "FILE", order = 9,
            description = "Also write a report page to FILE: the summary, the rounds, charts, the lockdep reports with "
                    + "each frame of a ported function linked to its side-by-side row, the TLB-flush summary.")
    Path html;

    @Option(names = "--site", paramLabel = "DIR", order = 10,
            description = "Where the side-by-side site is (./mmulab docs --out), for --html's links (default: docs/target/site "
                    + "in the repository).")
    Path site;

    @Mixin
    StandardOptions standard;

    RunCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public int call() {
        RunConfig c = config();
        if (html == null) {
            return Main.withLockdepVerdict(() -> Main.runScenarioInLoader(c, io), io.out());
        }
        return RunReport.run(c, io, html, site != null ? site : RunReport.defaultSite());
    }

    /** The run these options ask for, every option checked; a usage error otherwise. */
    RunConfig config() {
        Scenario s = Scenario.named(scenario);
        if (s == null) {
            throw Main.usage(spec, "unknown scenario '" + scenario + "' (see: mmulab list)");
        }
        RunConfig c = new RunConfig();
        c.scenario = scenario;
        if (!Candidates.variants().contains(variant)) {
            throw Main.usage(spec, "unknown variant '" + variant + "' (see: mmulab list)");
        }
        c.variant = variant;
        c.vcpus = (int) Main.inRange(spec, "--vcpus", vcpus, 1, VCPUS_MAX);
        c.memoryBytes = Main.size(spec, memory);
        if (rounds != null) {
            c.rounds = (int) Main.inRange(spec, "--rounds", rounds, 1, ROUNDS_MAX);
        }
        if (seconds != null) {
            if (!(seconds > 0 && seconds <= SECONDS_MAX)) {
                throw Main.usage(spec, "--seconds must be in (0, " + SECONDS_MAX + "], got " + seconds);
            }
            c.seconds = seconds;
        }
        if (rounds != null && seconds != null) {
            throw Main.usage(spec, "give --rounds or --seconds, not both");
        }
        c.seed = seed;
        c.holdFlushMillis = Main.inRange(spec, "--hold-flush", holdFlush, 0, HOLD_FLUSH_MAX);
        if (c.holdFlushMillis > 0 && s.flushHolder == null) {
            throw Main.usage(spec, "--hold-flush is for the race scenarios (" + String.join(", ", Scenario.races()) + ")");
        }
        if (json != null) {
            String why = cannotWrite(json);
            if (why != null) {
                throw Main.usage(spec, "--json " + json + ": " + why);
            }
            c.json = json.toString();
        }
        if (html != null) {
            String why = cannotWrite(html);
            if (why != null) {
                throw Main.usage(spec, "--html " + html + ": " + why);
            }
        }
        if (site != null && html == null) {
            throw Main.usage(spec, "--site is for the links of --html FILE");
        }
        return c;
    }

    /**
     * Why {@code file} cannot be written, or null when it likely can: checked before the run, so
     * a long run does not end in a lost summary. (The write itself still reports its own failure.)
     */
    static String cannotWrite(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return "is a directory";
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.exists(dir)) {
            return "no such directory " + dir;
        }
        if (!Files.isDirectory(dir)) {
            return dir + " is not a directory";
        }
        if (Files.exists(abs) ? !Files.isWritable(abs) : !Files.isWritable(dir)) {
            return "permission denied";
        }
        return null;
    }
}
