// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Usage errors of explore and replay: one line, exit 2, nothing run (this JVM has no agent). */
class ExploreCommandTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "explore|explore: which scenario? (one of enable-logging-race, shadow-protect, lock-inversion, migrate)",
        "explore nope|explore: unknown scenario 'nope'",
        "explore enable-logging-race --variant v4|explore: unknown variant 'v4'",
        "explore enable-logging-race --strategy chess|explore: --strategy is pct, random, dfs or stress, got 'chess'",
        "explore enable-logging-race --budget 0|explore: --budget must be between 1 and 100000000, got 0",
        "explore enable-logging-race --budget 5 --seconds 5|explore: give --budget or --seconds, not both",
        "explore enable-logging-race --exhaustive|explore: --exhaustive needs --strategy dfs",
        "explore enable-logging-race --strategy pct --exhaustive --budget 5|explore: --exhaustive needs --strategy dfs",
        "explore enable-logging-race --depth 11|explore: --depth must be between 1 and 10, got 11",
        "explore enable-logging-race --seed|explore: --seed needs a value (N)",
        "explore enable-logging-race --seed=-1|explore: --seed must be between 0 and 4611686018427387903, got -1",
        "explore enable-logging-race --budget=0|explore: --budget must be between 1 and 100000000, got 0",
        "explore enable-logging-race --frobnicate|explore: unknown option '--frobnicate' (see: mmulab explore --help)",
        "replay enable-logging-race --seed 1 --budget 5|replay: unknown option '--budget' (see: mmulab replay --help)",
        "replay enable-logging-race --strategy chess --seed 1|replay: --strategy is pct, random or dfs, got 'chess'",
        "replay enable-logging-race|replay: which schedule? give the --seed that explore printed",
        "replay enable-logging-race --strategy dfs|replay: a dfs schedule needs the --schedule that explore printed",
        "replay enable-logging-race --strategy dfs --schedule 5:x|replay: --schedule is step:thread,step:thread,... or none, got '5:x'",
        "replay enable-logging-race --strategy stress --seed 1|replay: a stress run (threads not controlled) cannot be replayed",
        "explore enable-logging-race|explore: needs the lockdep agent with explore=true: run it as ./mmulab explore ..."})
    void badUsageIsOneLineAndExitTwo(String args, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args.split(" "), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, e);
        assertTrue(e.startsWith("mmulab: ") && e.contains(message), e);
        assertEquals(1, e.lines().count(), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
