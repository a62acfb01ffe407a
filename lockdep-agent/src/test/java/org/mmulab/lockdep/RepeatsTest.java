// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.lockdep.TestSupport.lineHere;
import static org.mmulab.lockdep.TestSupport.runAs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.LockdepConfig.Mode;
import org.mmulab.lockdep.LockdepConfig.Repeats;

/**
 * repeats=fold: the first report from a site prints in full, identical ones after it are only
 * counted, and the summary says how many; and the report listeners, which see every report.
 */
class RepeatsTest {
    private final FakeLock a = new FakeLock("&a->lock");
    private final FakeLock b = new FakeLock("&b->lock");
    private final List<Consumer<LockdepReport>> listeners = new ArrayList<>();

    @AfterEach
    void tearDown() {
        listeners.forEach(Lockdep::removeReportListener);
        Lockdep.reset();
        Lockdep.configure(LockdepConfig.defaults());
    }

    private TestSupport.Capture start(Mode mode, Repeats repeats) {
        Lockdep.reset();
        TestSupport.Capture c = new TestSupport.Capture();
        Lockdep.configure(new LockdepConfig(mode, c.out, repeats));
        return c;
    }

    private List<LockdepReport> listen() {
        List<LockdepReport> seen = new ArrayList<>();
        Consumer<LockdepReport> l = r -> {
            synchronized (seen) {
                seen.add(r);
            }
        };
        listeners.add(l);
        Lockdep.addReportListener(l);
        return seen;
    }

    private static volatile int warnLine;

    private void warnAtOneSite() {
        warnLine = lineHere(); Lockdep.assertHeld(a); // the same line every time
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    @Test
    void foldPrintsTheSameWarnOnceAndSaysHowManyMoreAtTheSummary() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.FOLD);
        for (int i = 0; i < 4; i++) {
            warnAtOneSite();
        }
        assertEquals(1, count(out.text(), "------------[ cut here ]------------"), out.text());
        assertEquals(4, Lockdep.reportCount(), "folded reports still count (the exit status)");
        Lockdep.printRepeatSummary();
        String summary = out.text().substring(out.text().indexOf("---[ end trace"));
        assertTrue(summary.contains("\n[the same WARN 3 more times] WARNING: lockdep_assert_held(&a->lock) failed at "
                + "org/mmulab/lockdep/RepeatsTest.java:"), summary);
        Lockdep.printRepeatSummary();
        assertEquals(1, count(out.text(), "[the same WARN"), "a summary is not repeated: " + out.text());
    }

    @Test
    void foldingIgnoresTheTaskAndTheTaintButNotTheSite() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.FOLD);
        runAs("one-thread", this::warnAtOneSite); // Not tainted
        runAs("other-thread", this::warnAtOneSite); // another PID and COMM, and Tainted now: still the same WARN
        Lockdep.assertHeld(a); // another line: another site
        assertEquals(2, count(out.text(), "[ cut here ]"), out.text());
        Lockdep.printRepeatSummary();
        assertTrue(out.text().endsWith("[the same WARN 1 more time] WARNING: lockdep_assert_held(&a->lock) failed at "
                + "org/mmulab/lockdep/RepeatsTest.java:" + warnLine + " org.mmulab.lockdep.RepeatsTest.warnAtOneSite()\n"),
                out.text());
    }

    @Test
    void allPrintsEveryReportAndNeedsNoSummary() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.ALL);
        for (int i = 0; i < 3; i++) {
            warnAtOneSite();
        }
        assertEquals(3, count(out.text(), "[ cut here ]"), out.text());
        Lockdep.printRepeatSummary();
        assertFalse(out.text().contains("[the same"), out.text());
    }

    @Test
    void resetSumsUpWhatWasFoldedBeforeItForgets() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.FOLD);
        for (int i = 0; i < 2; i++) {
            warnAtOneSite(); // identical: the same line, reached the same way
        }
        Lockdep.reset();
        assertTrue(out.text().endsWith("[the same WARN 1 more time] WARNING: lockdep_assert_held(&a->lock) failed at "
                + "org/mmulab/lockdep/RepeatsTest.java:" + warnLine + " org.mmulab.lockdep.RepeatsTest.warnAtOneSite()\n"),
                out.text());
        warnAtOneSite();
        assertEquals(2, count(out.text(), "[ cut here ]"), "after a reset the first one prints again: " + out.text());
    }

    @Test
    void foldedReportsStillThrowInFailMode() {
        start(Mode.FAIL, Repeats.FOLD);
        for (int i = 0; i < 2; i++) {
            LockdepError e = assertThrows(LockdepError.class, this::warnAtOneSite);
            assertEquals(ReportKind.ASSERT_HELD, e.kind());
        }
        assertEquals(2, Lockdep.reportCount());
    }

    @Test
    void listenersGetEveryReportWithItsKindAlsoTheFoldedOnes() {
        start(Mode.WARN, Repeats.FOLD);
        List<LockdepReport> seen = listen();
        for (int i = 0; i < 2; i++) {
            warnAtOneSite();
        }
        Lockdep.acquire(a, false);
        Lockdep.acquire(b, false);
        Lockdep.release(b);
        Lockdep.release(a);
        Lockdep.acquire(b, false);
        Lockdep.acquire(a, false); // b then a: the inversion
        Lockdep.release(a);
        Lockdep.release(b);
        Lockdep.release(a); // not held
        assertEquals(List.of(ReportKind.ASSERT_HELD, ReportKind.ASSERT_HELD, ReportKind.CIRCULAR_DEPENDENCY,
                ReportKind.BAD_UNLOCK_BALANCE), seen.stream().map(LockdepReport::kind).toList());
        assertTrue(seen.get(0).sameAs(seen.get(1)));
        assertFalse(seen.get(0).sameAs(seen.get(2)));
        assertEquals("[ INFO: possible circular locking dependency detected ]", seen.get(2).title());
        assertTrue(seen.get(2).text().contains("the existing dependency chain (in reverse order) is:"), seen.get(2).text());
    }

    @Test
    void aListenerThatThrowsDoesNotBreakTheReportingThread() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.ALL);
        Consumer<LockdepReport> bad = r -> {
            throw new IllegalStateException("listener bug");
        };
        listeners.add(bad);
        Lockdep.addReportListener(bad);
        warnAtOneSite();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("[ cut here ]"), out.text());
    }

    @Test
    void checkNoLocksHeldReportsWhatTheThreadStillHoldsAndForgetsIt() {
        TestSupport.Capture out = start(Mode.WARN, Repeats.ALL);
        List<LockdepReport> seen = listen();
        Lockdep.checkNoLocksHeld(); // nothing held: nothing
        assertEquals(0, Lockdep.reportCount());
        Lockdep.acquire(a, false);
        Lockdep.checkNoLocksHeld();
        assertEquals(List.of(ReportKind.LOCKS_HELD_AT_EXIT), seen.stream().map(LockdepReport::kind).toList());
        assertTrue(out.text().contains("still has locks held!"), out.text());
        Lockdep.acquire(a, false); // forgotten: taking it again is no recursion
        Lockdep.release(a);
        assertEquals(1, Lockdep.reportCount(), out.text());
    }
}
