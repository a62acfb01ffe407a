// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What a person at a terminal sees while long work runs: each command runs, as ./mmulab runs it,
 * on a pseudo-terminal that {@code script} (util-linux) opens, so the JVM has a console. The
 * progress lines are rewritten in place with {@code \r} and are gone before the result.
 */
class TerminalIT {
    /** {@code ./mmulab ARGS} on a pseudo-terminal: what the terminal got, carriage returns and all. */
    static UnderLockdepIT.Result onATerminal(String... args) throws Exception {
        UnderLockdepIT.requireJars();
        assertTrue(Files.isExecutable(Path.of("/usr/bin/script")) || Files.isExecutable(Path.of("/bin/script")),
                "script (util-linux, Debian's bsdutils) opens the pseudo-terminal: apt-get install bsdutils");
        String command = Launch.command(UnderLockdepIT.JAVA, UnderLockdepIT.ROOT, List.of(args)).stream()
                .map(w -> "'" + w.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        // -e: script exits with the command's status; -q: no "Script started" lines; no typescript file
        return UnderLockdepIT.exec(List.of("script", "-qec", command, "/dev/null"), args);
    }

    @Test
    void exploreShowsSchedulesDistinctFoundAndTheRateWhileItRunsThenErasesTheLine() throws Exception {
        UnderLockdepIT.Result r = onATerminal("explore", "enable-logging-race", "--seed", "1", "--budget", "60");
        String out = r.out();
        assertEquals(0, r.exit(), out);
        // the first line comes after the first schedule, whatever the machine's speed
        assertTrue(out.contains("\r  1 of 60 schedules, 1 distinct, 0 found"), out);
        int erased = out.lastIndexOf("\r" + " ".repeat(20));
        int result = out.indexOf("explored 60 schedule(s), ");
        assertTrue(erased >= 0 && result > erased, "the line is blanked before the result: " + out);
        assertTrue(out.substring(result).lines().noneMatch(l -> l.contains(" found")), "no progress after the result: " + out);
    }

    @Test
    void aTimedMigrationKeepsItsTicker() throws Exception {
        UnderLockdepIT.Result r = onATerminal("run", "migrate", "--memory", "1M", "--seconds", "1");
        String out = r.out();
        assertEquals(0, r.exit(), out);
        assertTrue(out.matches("(?s).*\r  \\d+\\.\\d s, round 1 .*"), out);
        assertTrue(out.contains("invariants held: "), out);
    }
}
