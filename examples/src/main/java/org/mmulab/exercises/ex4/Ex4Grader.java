// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.ScenarioRun;
import org.mmulab.exercises.Under;

/**
 * Grader of exercise 4: runs the student's {@code mmulab run enable-logging-race ...} twice (seed
 * N and N + 1) under the lockdep agent in a child JVM and reads what it printed.
 */
@ExtendWith(Under.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex4Grader {
    private static final Map<List<String>, ScenarioRun.Outcome> RUNS = new ConcurrentHashMap<>();
    static final String VIOLATION = "VIOLATION dirty-log completeness";
    static final Pattern COMM = Pattern.compile("(?m)^CPU: \\d+ PID: \\d+ Comm: (\\S+)");

    static ScenarioRun.Outcome run(RaceConfig c, long seed) {
        return RUNS.computeIfAbsent(c.args(seed), a -> ScenarioRun.mmulab(120, a.toArray(new String[0])));
    }

    /** The first run, which must at least have been accepted as a command. */
    static ScenarioRun.Outcome first(RaceConfig c) {
        ScenarioRun.Outcome o = run(c, c.seed());
        assertNotEquals(2, o.exit(), o.command() + " is not a valid command: " + o.output().strip());
        return o;
    }

    static String assertHeldWarning(ScenarioRun.Outcome o) {
        for (String w : o.warnings()) {
            if (w.contains("lockdep_assert_held")) {
                return w;
            }
        }
        return null;
    }

    @Test
    @Order(1)
    @Points(1)
    @DisplayName("the options make a valid 'mmulab run enable-logging-race' command")
    void valid(RaceConfig c) {
        ScenarioRun.Outcome o = first(c);
        assertTrue(o.output().contains("mmulab run enable-logging-race:"), "the scenario did not start:\n" + o.output());
    }

    @Test
    @Order(2)
    @Points(3)
    @DisplayName("seed N: invariant 1 (dirty-log completeness) breaks, exit status 1")
    void breaksOnce(RaceConfig c) {
        ScenarioRun.Outcome o = first(c);
        assertTrue(o.output().contains(VIOLATION), o.command() + " printed no '" + VIOLATION + "' line: the race did not hit");
        assertEquals(1, o.exit(), o.command() + " exit status");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("seed N+1: it breaks again (on purpose, not by luck)")
    void breaksAgain(RaceConfig c) {
        first(c);
        ScenarioRun.Outcome o = run(c, c.seed() + 1);
        assertTrue(o.output().contains(VIOLATION), o.command() + " printed no '" + VIOLATION + "' line: the race did not hit");
    }

    @Test
    @Order(4)
    @Points(2)
    @DisplayName("lockdep reports the broken rule (a lockdep_assert_held WARNING)")
    void lockdepReport(RaceConfig c) {
        ScenarioRun.Outcome o = first(c);
        assertTrue(o.lockdepReports() > 0, o.command() + ": lockdep printed no report, so this variant's locking looks right to it");
        assertNotNull(assertHeldWarning(o), o.command() + ": no lockdep_assert_held WARNING among the reports");
    }

    @Test
    @Order(5)
    @Points(2)
    @DisplayName("the question: which thread printed the WARNING")
    void warningThread(RaceConfig c) {
        String answer = c.warningThread();
        assertNotNull(answer, "warningThread() is not answered yet");
        ScenarioRun.Outcome o = first(c);
        String w = assertHeldWarning(o);
        assertNotNull(w, o.command() + ": no lockdep_assert_held WARNING to ask about");
        Matcher m = COMM.matcher(w);
        assertTrue(m.find(), "the grader could not read the Comm: of\n" + w);
        assertEquals(m.group(1), answer.strip(), "the Comm: line of the WARNING names the thread");
    }
}
