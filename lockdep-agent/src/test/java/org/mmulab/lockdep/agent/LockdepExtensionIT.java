// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.kernel.linux.mutex.mutex_lock;
import static org.mmulab.kernel.linux.mutex.mutex_unlock;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;
import org.mmulab.lockdep.ReportKind;
import org.mmulab.lockdep.junit.JUnitRun;
import org.mmulab.lockdep.junit.LockdepExtension;

/**
 * The JUnit 5 extension under the agent: sample test classes (static nested, run through the
 * JUnit Platform) that are quiet pass; one during which lockdep reports fails with the report's
 * text; a negative test passes when it causes the kind of report it names and fails when it does
 * not; what a test leaves behind does not reach the next.
 */
class LockdepExtensionIT {
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @BeforeEach
    void quietAgent() {
        assertTrue(LockdepAgent.installed(), "run with -javaagent");
        Lockdep.reset();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN, new PrintStream(printed, true, StandardCharsets.UTF_8)));
    }

    @AfterEach
    void restore() {
        Lockdep.reset();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN, System.err));
    }

    /** a then b, released, then b then a: the inversion lockdep predicts a deadlock from. */
    static void invert(String name) {
        mutex a = mutex.mutex_init("&" + name + "->a");
        mutex b = mutex.mutex_init("&" + name + "->b");
        mutex_lock(a);
        mutex_lock(b);
        mutex_unlock(b);
        mutex_unlock(a);
        mutex_lock(b);
        try {
            mutex_lock(a); // reported here (in mode=fail, thrown here)
            mutex_unlock(a);
        } finally {
            mutex_unlock(b);
        }
    }

    @org.mmulab.lockdep.junit.Lockdep
    static class Watched {
        @Test
        void quiet() {
            mutex m = mutex.mutex_init("&ext->quiet");
            mutex_lock(m);
            lockdep.lockdep_assert_held(m);
            mutex_unlock(m);
        }

        @Test
        void inverts() {
            invert("ext");
        }
    }

    static class Negative {
        @Test
        @org.mmulab.lockdep.junit.Lockdep(expect = ReportKind.CIRCULAR_DEPENDENCY)
        void invertsOnPurpose() {
            invert("neg");
        }

        @Test
        @org.mmulab.lockdep.junit.Lockdep(expect = ReportKind.SLEEP_IN_ATOMIC)
        void sleepsUnderASpinlockOnPurpose() {
            spinlock_t s = spinlock_t.spin_lock_init("&neg->spin");
            mutex m = mutex.mutex_init("&neg->sleeping");
            spinlock_t.spin_lock(s);
            try {
                mutex_lock(m);
                mutex_unlock(m);
            } finally {
                spinlock_t.spin_unlock(s);
            }
        }

        @Test
        @org.mmulab.lockdep.junit.Lockdep(expect = ReportKind.ASSERT_HELD)
        void expectsAWarnThatDoesNotCome() {
            mutex m = mutex.mutex_init("&neg->held");
            mutex_lock(m);
            lockdep.lockdep_assert_held(m);
            mutex_unlock(m);
        }

        @Test
        @org.mmulab.lockdep.junit.Lockdep(expect = ReportKind.ASSERT_HELD)
        void getsAnotherKindThanItExpects() {
            invert("other");
        }
    }

    @ExtendWith(LockdepExtension.class)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class OneAfterAnother {
        @Test
        @Order(1)
        void leavesALockHeld() {
            mutex_lock(mutex.mutex_init("&seq->left"));
        }

        @Test
        @Order(2)
        void takesTheSameClassAgain() {
            mutex m = mutex.mutex_init("&seq->left"); // another instance of the class the first test left held
            mutex_lock(m);
            mutex_unlock(m);
        }

        @Test
        @Order(3)
        void reportsFromAnotherThread() throws InterruptedException {
            Thread t = new Thread(() -> invert("seq"), "helper");
            t.start();
            t.join();
        }

        @Test
        @Order(4)
        void isQuietAfterThem() {
            mutex m = mutex.mutex_init("&seq->quiet");
            mutex_lock(m);
            mutex_unlock(m);
        }
    }

    @org.mmulab.lockdep.junit.Lockdep
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class AfterAnOops {
        @Test
        @Order(1)
        void turnsLockDebuggingOff() {
            org.mmulab.kernel.linux.debug_locks.debug_locks_off(); // what an oops does first
        }

        @Test
        @Order(2)
        void invertsAfterIt() {
            invert("afteroops");
        }
    }

    @Test
    void aQuietTestPassesAndOneDuringWhichLockdepReportedFailsWithTheReportItself() {
        Map<String, TestExecutionResult> r = JUnitRun.run(Watched.class);
        JUnitRun.passed(r, "quiet()");
        String m = JUnitRun.failure(r, "inverts()").getMessage();
        assertTrue(m.startsWith("lockdep reported once during inverts():\n\n"
                + "======================================================\n"
                + "[ INFO: possible circular locking dependency detected ]\n"), m);
        assertTrue(m.contains(" is trying to acquire lock:\n (&ext->a){+.+...}, at: org.mmulab.lockdep.agent.LockdepExtensionIT"
                + ".invert(LockdepExtensionIT.java:"), m);
        assertTrue(m.contains("\n-> #1 (&ext->b){+.+...}:\n"), "the chain: " + m);
        assertTrue(m.contains("\n       org.mmulab.lockdep.agent.LockdepExtensionIT$Watched.inverts(LockdepExtensionIT.java:"), m);
        assertTrue(m.contains(" Possible unsafe locking scenario:"), m);
        assertTrue(m.contains("1 lock held by main/"), "the held locks: " + m);
        for (String machinery : List.of("org.junit.", "surefire", "jdk.internal.reflect.", "java.lang.reflect.")) {
            assertFalse(m.contains(machinery), machinery + " in " + m);
        }
    }

    @Test
    void aNegativeTestPassesOnlyWhenItCausesTheKindOfReportItNames() {
        Map<String, TestExecutionResult> r = JUnitRun.run(Negative.class);
        JUnitRun.passed(r, "invertsOnPurpose()");
        JUnitRun.passed(r, "sleepsUnderASpinlockOnPurpose()");
        assertEquals("lockdep did not report [ASSERT_HELD] during expectsAWarnThatDoesNotCome(), as"
                + " @Lockdep(expect = [ASSERT_HELD]) requires; it reported nothing",
                JUnitRun.failure(r, "expectsAWarnThatDoesNotCome()").getMessage());
        String m = JUnitRun.failure(r, "getsAnotherKindThanItExpects()").getMessage();
        assertTrue(m.startsWith("lockdep did not report [ASSERT_HELD] during getsAnotherKindThanItExpects(), as"
                + " @Lockdep(expect = [ASSERT_HELD]) requires\nlockdep reported once during getsAnotherKindThanItExpects()"
                + " (not the expected [ASSERT_HELD]):\n"), m);
        assertTrue(m.contains("[ INFO: possible circular locking dependency detected ]"), m);
    }

    @Test
    void inModeFailTheErrorOfTheExpectedKindIsTheTestsPointNotItsFailure() {
        Lockdep.configure(Lockdep.config().withMode(LockdepConfig.Mode.FAIL));
        Map<String, TestExecutionResult> r = JUnitRun.run(Negative.class);
        JUnitRun.passed(r, "invertsOnPurpose()");
        Throwable other = JUnitRun.failure(r, "getsAnotherKindThanItExpects()");
        assertTrue(other instanceof org.mmulab.lockdep.LockdepError, "an unexpected kind still fails the test: " + other);
    }

    @Test
    void aTestAfterOneThatTurnedLockdepOffIsCheckedAgain() {
        Map<String, TestExecutionResult> r = JUnitRun.run(AfterAnOops.class);
        JUnitRun.passed(r, "turnsLockDebuggingOff()");
        String m = JUnitRun.failure(r, "invertsAfterIt()").getMessage();
        assertTrue(m.contains("[ INFO: possible circular locking dependency detected ]"), m);
    }

    @Test
    void whatATestLeavesBehindIsItsOwnFailureAndNotTheNextTests() {
        Map<String, TestExecutionResult> r = JUnitRun.run(OneAfterAnother.class);
        String left = JUnitRun.failure(r, "leavesALockHeld()").getMessage();
        assertTrue(left.contains("still has locks held! ]") && left.contains("&seq->left"), left);
        JUnitRun.passed(r, "takesTheSameClassAgain()");
        String helper = JUnitRun.failure(r, "reportsFromAnotherThread()").getMessage();
        assertTrue(helper.contains("helper/") && helper.contains("possible circular locking dependency detected"), helper);
        JUnitRun.passed(r, "isQuietAfterThem()");
    }
}
