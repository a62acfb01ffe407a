// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.explore.Describer;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Sched;

/**
 * A scenario as the explorer runs it: one whole run per schedule, small enough to run hundreds
 * of times a second (1 vCPU and 8 pages by default), its output discarded, its violations
 * returned. Loaded by the variant loader like {@link Scenarios}, so the port it drives has the
 * variant swapped in; it also gives the scheduler a {@link PortProbe} for the values only the port
 * knows, and the timeline a {@link PortDescriber} for what they mean.
 */
public final class Exploration {
    private Exploration() {}

    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    /** The explorer's body for this scenario and configuration (a {@link RunConfig} as a map). */
    public static Body body(Map<String, String> configMap) {
        RunConfig base = RunConfig.fromMap(configMap);
        Sched.probe(new PortProbe());
        return seed -> {
            // the previous schedule's threads have all ended by now: its VM's pages can go
            MachineVm previous = RaceScenarios.booted;
            if (previous != null) {
                previous.releaseKernelMemory();
            }
            RaceScenarios.booted = null;
            RunConfig c = RunConfig.fromMap(base.toMap());
            c.seed = seed;
            RunResult r = Scenario.named(c.scenario).run(c, DISCARD, false);
            List<String> out = new ArrayList<>();
            for (Oracle.Violation v : r.violations) {
                out.add(v.toString());
            }
            for (RunResult.LostPage p : r.lostPages) {
                out.add(String.format("lost page: gfn 0x%x differs at the destination (last writer vcpu%d)", p.gfn(), p.lastWriter()));
            }
            return out;
        };
    }

    /** How the timeline names the port's values. */
    public static Describer describer() {
        return new PortDescriber();
    }

}
