// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.mmulab.lockdep.ReportKind;
import org.mmulab.lockdep.agent.LockdepAgent;

/** The extension without the agent (surefire runs this module's unit tests without it): it fails closed. */
class LockdepExtensionTest {

    @Lockdep
    static class WatchedClass {
        @Test
        void quiet() {
        }
    }

    static class WatchedMethods {
        @Test
        @Lockdep(expect = ReportKind.CIRCULAR_DEPENDENCY)
        void negative() {
        }

        @Test
        @ExtendWith(LockdepExtension.class)
        void registeredByHand() {
        }

        @Test
        void notWatched() {
        }
    }

    @Test
    void withoutTheAgentAWatchedTestFailsWithOneLineSayingHowToAttachIt() {
        assertFalse(LockdepAgent.installed(), "this test runs without -javaagent");
        Map<String, TestExecutionResult> r = JUnitRun.run(WatchedClass.class);
        Throwable t = JUnitRun.failure(r, "quiet()");
        String m = t.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith("LockdepExtension: the lockdep agent is not attached, so nothing is checked: start the test JVM"
                + " with -javaagent:"), m);
        assertTrue(m.contains("=mode=warn (Maven: <argLine>-javaagent:${org.mmulab:lockdep-agent:jar}=mode=warn</argLine>"
                + " after dependency:properties;"), m);
        assertEquals(0, t.getStackTrace().length, "the line is all there is");
    }

    @Test
    void withoutTheAgentEveryWayOfRegisteringItFailsAndUnwatchedTestsAreLeftAlone() {
        Map<String, TestExecutionResult> r = JUnitRun.run(WatchedMethods.class);
        assertTrue(JUnitRun.failure(r, "negative()").getMessage().contains("the lockdep agent is not attached"));
        assertTrue(JUnitRun.failure(r, "registeredByHand()").getMessage().contains("the lockdep agent is not attached"));
        JUnitRun.passed(r, "notWatched()");
    }
}
