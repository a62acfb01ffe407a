// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.FakeLock;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;
import org.mmulab.lockdep.LockdepReport;
import org.mmulab.lockdep.ReportKind;

/** The failure message: the reports' text without the test machinery's frames, and the verdict on expected kinds. */
class ReportMessageTest {
    private final List<LockdepReport> reports = new ArrayList<>();
    private final Consumer<LockdepReport> listener = reports::add;
    private final FakeLock a = new FakeLock("&msg->a");
    private final FakeLock b = new FakeLock("&msg->b");

    @BeforeEach
    void collect() {
        Lockdep.reset();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        Lockdep.addReportListener(listener);
    }

    @AfterEach
    void tearDown() {
        Lockdep.removeReportListener(listener);
        Lockdep.reset();
        Lockdep.configure(LockdepConfig.defaults());
    }

    private void invert() {
        Lockdep.acquire(a, false);
        Lockdep.acquire(b, false);
        Lockdep.release(b);
        Lockdep.release(a);
        Lockdep.acquire(b, false);
        Lockdep.acquire(a, false);
        Lockdep.release(a);
        Lockdep.release(b);
    }

    @Test
    void aTestWithoutReportsPasses() {
        assertNull(ReportMessage.verdict("t()", Set.of(), List.of()));
    }

    @Test
    void anUnexpectedReportIsQuotedWholeWithoutTheTestMachinerysFrames() {
        invert();
        String m = ReportMessage.verdict("inverts()", Set.of(), reports);
        assertTrue(m.startsWith("lockdep reported once during inverts():\n\n"
                + "======================================================\n"
                + "[ INFO: possible circular locking dependency detected ]\n"), m);
        assertTrue(m.contains("the existing dependency chain (in reverse order) is:\n\n-> #1 (&msg->b){+.+...}:\n"), m);
        assertTrue(m.contains("\n       org.mmulab.lockdep.junit.ReportMessageTest.invert(ReportMessageTest.java:"), m);
        assertTrue(m.contains("ReportMessageTest.anUnexpectedReportIsQuotedWholeWithoutTheTestMachinerysFrames("
                + "ReportMessageTest.java:"), m);
        assertTrue(m.contains("\n       ...\n"), "a chain's stack ends where the test machinery begins: " + m);
        assertTrue(m.contains("1 lock held by "), m);
        assertTrue(m.contains("\nstack backtrace:\n"), m);
        for (String machinery : List.of("org.junit.", "surefire", "jdk.internal.reflect.", "java.lang.reflect.Method")) {
            assertFalse(m.contains(machinery), machinery + " in " + m);
        }
        assertEquals(reports.get(0).text().split("\n").length > m.split("\n").length, true, "frames were cut");
    }

    @Test
    void theSameReportTwiceIsQuotedOnceWithACount() {
        for (int i = 0; i < 3; i++) {
            Lockdep.assertHeld(a);
        }
        String m = ReportMessage.verdict("warns()", Set.of(), reports);
        assertTrue(m.startsWith("lockdep reported 3 times during warns():\n------------[ cut here ]------------\n"), m);
        assertEquals(1, m.split("\\[ cut here \\]", -1).length - 1, m);
        assertTrue(m.endsWith("---[ end trace 00006d6d756c6162 ]---\n[the same report 2 more times]\n"), m);
    }

    @Test
    void anExpectedKindThatCameIsNoFailure() {
        invert();
        assertNull(ReportMessage.verdict("t()", EnumSet.of(ReportKind.CIRCULAR_DEPENDENCY), reports));
    }

    @Test
    void anExpectedKindThatDidNotComeFails() {
        assertEquals("lockdep did not report [ASSERT_HELD] during t(), as @Lockdep(expect = [ASSERT_HELD]) requires;"
                + " it reported nothing", ReportMessage.verdict("t()", EnumSet.of(ReportKind.ASSERT_HELD), reports));
        invert();
        assertEquals("lockdep did not report [ASSERT_HELD] during t(), as @Lockdep(expect = [CIRCULAR_DEPENDENCY, ASSERT_HELD])"
                + " requires; it reported only [CIRCULAR_DEPENDENCY]",
                ReportMessage.verdict("t()", EnumSet.of(ReportKind.ASSERT_HELD, ReportKind.CIRCULAR_DEPENDENCY), reports));
    }

    @Test
    void anotherKindThanTheExpectedOneFailsWithItsText() {
        Lockdep.acquire(a, false);
        Lockdep.acquire(a, false);
        String m = ReportMessage.verdict("t()", EnumSet.of(ReportKind.ASSERT_HELD), reports);
        assertTrue(m.startsWith("lockdep did not report [ASSERT_HELD] during t(), as @Lockdep(expect = [ASSERT_HELD]) requires\n"
                + "lockdep reported once during t() (not the expected [ASSERT_HELD]):\n\n"), m);
        assertTrue(m.contains("[ INFO: possible recursive locking detected ]"), m);
    }

    @Test
    void onlyRunsOfFramesAreCutAndEachAtItsFirstMachineryFrame() {
        String text = "title\n"
                + " app.Main.work(Main.java:3)\n"
                + " org.junit.platform.X.y(X.java:1)\n"
                + " app.Main.again(Main.java:9)\n"
                + "\n"
                + "-> #0 (&x){+.+...}:\n"
                + "       app.T.run(T.java:5)\n"
                + "       java.lang.Thread.run(Thread.java:840)\n"
                + "1 lock held by main/1:\n";
        assertEquals("title\n"
                + " app.Main.work(Main.java:3)\n"
                + " ...\n"
                + "\n"
                + "-> #0 (&x){+.+...}:\n"
                + "       app.T.run(T.java:5)\n"
                + "       java.lang.Thread.run(Thread.java:840)\n"
                + "1 lock held by main/1:\n", ReportMessage.trimFrameworkFrames(text));
    }
}
