// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The one list of scenarios, as list, run and explore read it. */
class ScenarioTest {
    @Test
    void listPrintsEveryScenarioInOrderWithItsLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"list"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> expected = new ArrayList<>();
        expected.add("scenarios:");
        for (Scenario s : Scenario.values()) {
            expected.add(String.format("  %-22s %s", s.name, s.description));
        }
        assertEquals(expected, lines.subList(0, expected.size()));
        assertEquals(List.of("migrate", "enable-logging-race", "shadow-protect", "lock-inversion"), Scenario.names());
    }

    /** What {@code mmulab ARGS} would run: the run's configuration, every option checked. */
    static RunConfig runConfig(String... args) {
        CommandLine cl = Main.commandLine(new Main.Io(System.out, System.err, false));
        return ((RunCommand) cl.parseArgs(args).subcommand().commandSpec().userObject()).config();
    }

    @Test
    void runTakesEveryScenarioAndHoldFlushOnlyWhereThereIsARacingFlush() throws Exception {
        for (Scenario s : Scenario.values()) {
            assertEquals(s.name, runConfig("run", s.name).scenario);
            if (s.flushHolder == null) {
                ParameterException e = assertThrows(ParameterException.class, () -> runConfig("run", s.name, "--hold-flush", "5"));
                assertEquals("--hold-flush is for the race scenarios (" + String.join(", ", Scenario.races()) + ")", e.getMessage());
            } else {
                assertEquals(5, runConfig("run", s.name, "--hold-flush=5").holdFlushMillis);
            }
        }
        assertNull(Scenario.named("nosuch"));
    }

    @Test
    void exploreOffersEveryScenarioTheRacesFirst() {
        List<String> names = Scenario.exploreNames();
        assertEquals(List.of("enable-logging-race", "shadow-protect", "lock-inversion", "migrate"), names);
        assertEquals(Scenario.values().length, names.size());
        assertTrue(names.containsAll(Scenario.names()));
    }

    @Test
    void exploringStartsFromOneSmallVmWithTheScenariosRounds() {
        for (Scenario s : Scenario.values()) {
            RunConfig c = new RunConfig();
            s.exploreDefaults(c);
            assertEquals(1, c.vcpus, s.name);
            assertEquals(8, c.pages(), s.name);
            assertEquals(16, c.accessesPerEntry, s.name);
            assertEquals(s == Scenario.SHADOW_PROTECT ? 4 : 2, c.rounds, s.name);
            assertEquals(s == Scenario.LOCK_INVERSION, c.concurrentInversion,
                    "only lock-inversion's helper races its harvests: " + s.name);
        }
        assertFalse(new RunConfig().concurrentInversion, "a plain run does not race them");
    }
}
