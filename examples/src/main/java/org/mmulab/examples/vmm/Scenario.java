// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios, in the order {@code mmulab list} shows them: the one list that {@code run},
 * {@code explore}, {@code replay} and {@code list} read. Each has its name, a line for
 * {@code list}, what a run does, and what exploring it sets first (one small VM; see
 * {@link #exploreDefaults}).
 *
 * <p>The command line reads only the names and settings here; {@link #run} is called in the
 * variant loader's copy of this class, with the variant's port.
 */
public enum Scenario {
    MIGRATE("migrate", "pre-copy live migration under load from N vCPUs; checks invariants 1 and 3", null, 2) {
        @Override
        public RunResult run(RunConfig c, PrintStream out, boolean progress) {
            return new Migration(c, out, progress).run();
        }
    },
    ENABLE_LOGGING_RACE("enable-logging-race", "dirty logging switched on and off while another thread harvests; invariant 1",
            RaceScenarios.TOGGLER, 2) {
        @Override
        public RunResult run(RunConfig c, PrintStream out, boolean progress) {
            return RaceScenarios.enableLoggingRace(c, out);
        }
    },
    SHADOW_PROTECT("shadow-protect", "gfns write-protected for shadowing while harvests flush late; invariant 2",
            RaceScenarios.HARVESTER, 4) {
        @Override
        public RunResult run(RunConfig c, PrintStream out, boolean progress) {
            return RaceScenarios.shadowProtect(c, out);
        }
    },
    LOCK_INVERSION("lock-inversion", "harvests, then a thread taking mmu_lock then slots_lock; for lockdep",
            RaceScenarios.HARVESTER, 2) {
        @Override
        public RunResult run(RunConfig c, PrintStream out, boolean progress) {
            return LockInversion.run(c, out);
        }

        @Override
        public void exploreDefaults(RunConfig c) {
            super.exploreDefaults(c);
            c.concurrentInversion = true; // the helper races the harvests (a deadlock is reported, not hung)
        }
    };

    /** The name on the command line. */
    public final String name;
    /** Its line in {@code mmulab list}. */
    public final String description;
    /**
     * The thread whose late flush {@code run --hold-flush} holds open, or null when the scenario
     * has no racing flush (then --hold-flush is refused).
     */
    public final String flushHolder;
    /** Pre-copy rounds (harvests) of one explored schedule. */
    public final int exploreRounds;

    Scenario(String name, String description, String flushHolder, int exploreRounds) {
        this.name = name;
        this.description = description;
        this.flushHolder = flushHolder;
        this.exploreRounds = exploreRounds;
    }

    /** Runs the scenario as {@code c} says, printing its progress to {@code out}. */
    public abstract RunResult run(RunConfig c, PrintStream out, boolean progress);

    /**
     * What {@code explore} and {@code replay} set before their options: a schedule is one whole
     * run, so one small one (1 vCPU, 8 pages, this scenario's rounds, 16 guest accesses per
     * entry), run hundreds of times a second.
     */
    public void exploreDefaults(RunConfig c) {
        c.vcpus = 1;
        c.memoryBytes = 8 * 4096;
        c.rounds = exploreRounds;
        c.accessesPerEntry = 16;
    }

    /** The scenario called {@code name}, or null. */
    public static Scenario named(String name) {
        for (Scenario s : values()) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The names, in list order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Scenario s : values()) {
            out.add(s.name);
        }
        return out;
    }

    /** The names of the scenarios with a racing flush (the ones --hold-flush is for), in list order. */
    public static List<String> races() {
        List<String> out = new ArrayList<>();
        for (Scenario s : values()) {
            if (s.flushHolder != null) {
                out.add(s.name);
            }
        }
        return out;
    }

    /** The names as explore offers them: the races it is for first, then the rest, each in list order. */
    public static List<String> exploreNames() {
        List<String> out = races();
        for (Scenario s : values()) {
            if (s.flushHolder == null) {
                out.add(s.name);
            }
        }
        return out;
    }
}
