// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.lockdep.TestSupport.lineHere;
import static org.mmulab.lockdep.TestSupport.runAs;
import static org.mmulab.lockdep.TestSupport.start;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.LockdepConfig.Mode;

class LockdepTest {
    private final FakeLock a = new FakeLock("&a->lock");
    private final FakeLock b = new FakeLock("&b->lock");
    private final FakeLock c = new FakeLock("&c->lock");

    @AfterEach
    void tearDown() {
        Lockdep.reset();
        Lockdep.configure(LockdepConfig.defaults());
    }

    @Test
    void aaRecursionIsReported() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.acquire(a, true);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("[ INFO: possible recursive locking detected ]"), out.text());
    }

    @Test
    void sameClassDifferentInstanceIsRecursion() {
        TestSupport.Capture out = start(Mode.WARN);
        FakeLock a2 = new FakeLock("&a->lock");
        Lockdep.acquire(a, false);
        Lockdep.acquire(a2, false);
        assertTrue(out.text().contains("possible recursive locking detected"), out.text());
    }

    @Test
    void abbaAcrossTwoThreadsReportsOnSecondThread() {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("t1", () -> {
            Lockdep.acquire(a, false);
            Lockdep.acquire(b, false);
            Lockdep.release(b);
            Lockdep.release(a);
        });
        assertEquals(0, Lockdep.reportCount(), "consistent order on t1 alone is fine");
        runAs("t2", () -> {
            Lockdep.acquire(b, false);
            Lockdep.acquire(a, false);
            Lockdep.release(a);
            Lockdep.release(b);
        });
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.contains("[ INFO: possible circular locking dependency detected ]"), s);
        assertTrue(s.contains("t2/2 is trying to acquire lock:\n (&a->lock){+.+...}, at: "), s);
        assertTrue(s.contains("-> #1 (&b->lock){+.+...}:"), s);
        assertTrue(s.contains("-> #0 (&a->lock){+.+...}:"), s);
        assertFalse(s.contains("Chain exists of:"), "two-lock cycles have no chain line");
    }

    @Test
    void threeCycleReportsChainExistsOf() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquire(a, false);
        Lockdep.acquire(b, false);
        Lockdep.release(b);
        Lockdep.release(a);
        Lockdep.acquire(b, false);
        Lockdep.acquire(c, false);
        Lockdep.release(c);
        Lockdep.release(b);
        assertEquals(0, Lockdep.reportCount());
        Lockdep.acquire(c, false);
        Lockdep.acquire(a, false);
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.contains("Chain exists of:\n  &a->lock --> &b->lock --> &c->lock\n\n"), s);
        int i2 = s.indexOf("-> #2 (&c->lock)");
        int i1 = s.indexOf("-> #1 (&b->lock)");
        int i0 = s.indexOf("-> #0 (&a->lock)");
        assertTrue(i2 > 0 && i1 > i2 && i0 > i1, s);
        assertTrue(s.contains("  lock(&c->lock);\n" + " ".repeat(31) + "lock(&b->lock);\n"
                + " ".repeat(31) + "lock(&c->lock);\n  lock(&a->lock);\n"), s);
    }

    @Test
    void consistentOrderGivesNoReport() {
        start(Mode.WARN);
        for (String name : new String[] {"x1", "x2"}) {
            runAs(name, () -> {
                for (int i = 0; i < 3; i++) {
                    Lockdep.acquire(a, false);
                    Lockdep.acquire(b, true);
                    Lockdep.acquire(c, true);
                    Lockdep.release(c);
                    Lockdep.release(b);
                    Lockdep.release(a);
                }
            });
        }
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void knownChainIsCachedOnce() {
        start(Mode.WARN);
        for (int i = 0; i < 100; i++) {
            Lockdep.acquire(a, false);
            Lockdep.acquire(b, false);
            Lockdep.release(b);
            Lockdep.release(a);
        }
        assertEquals(2, Lockdep.chainCount(), "chains {a} and {a,b}");
    }

    @Test
    void trylockAddsNoEdgeIntoTheTrylockedLock() {
        start(Mode.WARN);
        Lockdep.acquire(a, false);
        Lockdep.acquireTry(b, false);
        Lockdep.release(b);
        Lockdep.release(a);
        Lockdep.acquire(b, false);
        Lockdep.acquire(a, false);
        assertEquals(0, Lockdep.reportCount(), "a -> b was a trylock, so b -> a is no inversion");
    }

    @Test
    void trylockedLockStillServesAsPredecessor() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquireTry(a, false);
        Lockdep.acquire(c, false);
        Lockdep.release(c);
        Lockdep.release(a);
        Lockdep.acquire(c, false);
        Lockdep.acquire(a, false);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("possible circular locking dependency detected"), out.text());
    }

    @Test
    void unlockOfLockNotHeldIsBadUnlockBalance() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquire(b, false);
        Lockdep.release(a);
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.contains("\n=====================================\n[ BUG: bad unlock balance detected! ]\n"), s);
        assertTrue(s.contains(" is trying to release lock (&a->lock) at:\norg.mmulab.lockdep.LockdepTest."
                + "unlockOfLockNotHeldIsBadUnlockBalance(LockdepTest.java:"), s);
        assertTrue(s.contains("but there are no more locks to release!\n"), s);
        assertTrue(s.contains("1 lock held by "), s);
    }

    @Test
    void releaseOutOfOrderKeepsTheOthers() {
        start(Mode.WARN);
        Lockdep.acquire(a, false);
        Lockdep.acquire(b, false);
        Lockdep.release(a);
        assertTrue(Lockdep.heldLocks().startsWith("1 lock held by "), Lockdep.heldLocks());
        assertTrue(Lockdep.heldLocks().contains("(&b->lock)"), Lockdep.heldLocks());
        Lockdep.release(b);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void assertHeldPassesWhenHeld() {
        start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.assertHeld(a);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void assertHeldFailsAndNamesTheCaller() {
        TestSupport.Capture out = start(Mode.WARN);
        FakeLock other = new FakeLock("&a->lock"); // same class, different instance: still not held
        Lockdep.acquire(other, true);
        int line = lineHere(); Lockdep.assertHeld(a);
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.startsWith("------------[ cut here ]------------\n"
                + "WARNING: CPU: 0 PID: 1 at org/mmulab/lockdep/LockdepTest.java:" + line
                + " org.mmulab.lockdep.LockdepTest.assertHeldFailsAndNamesTheCaller()\n"
                + "Modules linked in:\n"
                + "CPU: 0 PID: 1 Comm: "), s);
        assertTrue(s.contains(" Not tainted 3.16.0-mmulab #1\nCall Trace:\n org.mmulab.lockdep.LockdepTest."
                + "assertHeldFailsAndNamesTheCaller(LockdepTest.java:" + line + ")\n"), s);
        assertTrue(s.endsWith("---[ end trace 00006d6d756c6162 ]---\n"), s);
    }

    @Test
    void assertHeldWarnsEveryTimeAndTaints() {
        TestSupport.Capture out = start(Mode.ONCE);
        Lockdep.assertHeld(a);
        Lockdep.assertHeld(a);
        assertEquals(2, Lockdep.reportCount(), "WARN, not WARN_ONCE");
        assertTrue(Lockdep.enabled(), "a WARN does not turn lockdep off");
        assertTrue(out.text().contains("Tainted: G        W 3.16.0-mmulab #1"), out.text());
        Lockdep.release(a);
        assertTrue(out.text().contains("3.16.0-mmulab #1 Tainted: G        W\n"), out.text());
    }

    @Test
    void mightSleepUnderSpinlockReports() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.mightSleep("kernel/locking/mutex.c", 101, 0);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("in_atomic(): 1, irqs_disabled(): 0, pid: 1, name: "), out.text());
    }

    @Test
    void mightSleepUnderMutexOnlyIsFine() {
        start(Mode.WARN);
        Lockdep.acquire(a, false);
        Lockdep.mightSleep("kernel/locking/mutex.c", 101, 0);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void mightSleepWithOffsetOneAndOneSpinlockIsFine() {
        start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.mightSleep("arch/x86/kvm/mmu.c", 1891, 1);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void mightSleepWithOffsetOneAndTwoSpinlocksReports() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.mightSleep("arch/x86/kvm/mmu.c", 1891, 1);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("2 locks held by "), out.text());
    }

    @Test
    void irqsOffMakesMightSleepReport() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.irqsOff();
        Lockdep.mightSleep("kernel/sched/core.c", 7000, 0);
        Lockdep.irqsOn();
        Lockdep.mightSleep("kernel/sched/core.c", 7000, 0);
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.contains("in_atomic(): 0, irqs_disabled(): 1, pid: 1"), s);
        // the event numbers are kept; the sites are not walked for on every toggle (too dear);
        // never enabled since the thread started: event 0, ip 0, printed as the kernel's (null)
        assertTrue(s.contains("irq event stamp: 1\nhardirqs last  enabled at (0): (null)\n"
                + "hardirqs last disabled at (1): (site not recorded)\n"), s);
    }

    @Test
    void classTakenOnlyWithIrqsOffShowsNoEnabledBits() {
        start(Mode.WARN);
        Lockdep.irqsOff();
        Lockdep.acquire(a, true);
        assertTrue(Lockdep.heldLocks().contains(" #0:  (&a->lock){......}, at: "), Lockdep.heldLocks());
        Lockdep.release(a);
        Lockdep.irqsOn();
    }

    @Test
    void aKnownChainTakenWithIrqsOnForTheFirstTimeGainsTheEnabledBits() {
        start(Mode.WARN);
        Lockdep.irqsOff();
        for (int i = 0; i < 3; i++) { // the chain {a} is validated, then served from the memo
            Lockdep.acquire(a, true);
            Lockdep.release(a);
        }
        Lockdep.irqsOn();
        Lockdep.acquire(a, true);
        assertTrue(Lockdep.heldLocks().contains(" #0:  (&a->lock){+.+...}, at: "), Lockdep.heldLocks());
        Lockdep.release(a);
        assertEquals(1, Lockdep.chainCount());
    }

    @Test
    void oneLockOnDifferentChainsIsValidatedOnEach() {
        TestSupport.Capture out = start(Mode.WARN);
        for (int i = 0; i < 3; i++) {
            Lockdep.acquire(b, false); // {b}
            Lockdep.release(b);
            Lockdep.acquire(a, false); // {a}, then {a,b}: b on a second chain key
            Lockdep.acquire(b, false);
            Lockdep.release(b);
            Lockdep.release(a);
        }
        assertEquals(3, Lockdep.chainCount(), "{b} {a} {a,b}");
        Lockdep.acquire(b, false);
        Lockdep.acquire(a, false); // b -> a closes the cycle a -> b: the memo of {b} must not hide it
        assertEquals(1, Lockdep.reportCount(), out.text());
        assertTrue(out.text().contains("[ INFO: possible circular locking dependency detected ]"), out.text());
        Lockdep.release(a);
        Lockdep.release(b);
    }

    @Test
    void depthOverflowTurnsLockdepOff() {
        TestSupport.Capture out = start(Mode.WARN);
        FakeLock[] locks = new FakeLock[49];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new FakeLock("&l" + i);
        }
        for (int i = 0; i < 47; i++) {
            Lockdep.acquire(locks[i], false);
        }
        assertEquals(0, Lockdep.reportCount());
        Lockdep.acquire(locks[47], false);
        Lockdep.acquire(locks[48], false);
        String s = out.text();
        assertEquals(1, Lockdep.reportCount(), s);
        assertTrue(s.startsWith("BUG: MAX_LOCK_DEPTH too low!\nturning off the locking correctness validator.\n"
                + "Please attach the output of /proc/lock_stat to the bug report\n"
                + "depth: 48  max: 48!\n48 locks held by "), s);
        assertFalse(Lockdep.enabled());
        Lockdep.acquire(locks[0], false); // recursion, but lockdep is off
        assertEquals(1, Lockdep.reportCount());
    }

    @Test
    void onceModeStopsAfterFirstReport() {
        TestSupport.Capture out = start(Mode.ONCE);
        Lockdep.acquire(a, false);
        Lockdep.acquire(a, false);
        assertEquals(1, Lockdep.reportCount());
        assertFalse(Lockdep.enabled());
        Lockdep.release(c);    // bad unlock: silent now
        Lockdep.assertHeld(c); // silent once lockdep is off, as in 3.16
        assertEquals(1, Lockdep.reportCount(), out.text());
        Lockdep.acquire(b, true);
        Lockdep.mightSleep("kernel/locking/mutex.c", 101, 0); // not a lockdep report: still printed
        assertEquals(2, Lockdep.reportCount());
        assertTrue(out.text().contains("INFO: lockdep is turned off.\n"), out.text());
    }

    @Test
    void warnModeContinuesAfterReports() {
        start(Mode.WARN);
        Lockdep.acquire(a, false);
        Lockdep.acquire(a, false);
        Lockdep.release(c);
        Lockdep.assertHeld(c);
        assertEquals(3, Lockdep.reportCount());
        assertTrue(Lockdep.enabled());
    }

    @Test
    void failModeThrowsInOffendingThread() {
        TestSupport.Capture out = start(Mode.FAIL);
        Lockdep.acquire(a, false);
        LockdepError e = assertThrows(LockdepError.class, () -> Lockdep.acquire(a, false));
        assertEquals("[ INFO: possible recursive locking detected ]", e.getMessage());
        assertEquals(out.text(), e.report());
        assertTrue(Lockdep.heldLocks().startsWith("1 lock held by "), "the failed acquire was not pushed");
        assertThrows(LockdepError.class, () -> Lockdep.acquire(a, false), "FAIL keeps checking");
        assertThrows(LockdepError.class, () -> Lockdep.assertHeld(b));
        assertEquals(3, Lockdep.reportCount());
    }

    @Test
    void failModeThrowsOnCircularInSecondThread() {
        start(Mode.FAIL);
        runAs("t1", () -> {
            Lockdep.acquire(a, false);
            Lockdep.acquire(b, false);
        });
        assertThrows(LockdepError.class, () -> runAs("t2", () -> {
            Lockdep.acquire(b, false);
            Lockdep.acquire(a, false);
        }));
    }

    @Test
    void reportCountAndResetCount() {
        start(Mode.WARN);
        assertEquals(0, Lockdep.reportCount());
        Lockdep.release(a);
        Lockdep.release(b);
        assertEquals(2, Lockdep.reportCount());
        Lockdep.reset();
        assertEquals(0, Lockdep.reportCount());
        assertTrue(Lockdep.heldLocks().startsWith("no locks held by "), Lockdep.heldLocks());
    }

    @Test
    void heldLocksFormat() {
        start(Mode.WARN);
        String name = Thread.currentThread().getName();
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        assertEquals("no locks held by " + comm + "/1.\n", Lockdep.heldLocks());
        int l1 = lineHere(); Lockdep.acquire(a, false);
        int l2 = lineHere(); Lockdep.acquire(b, true);
        String site = "org.mmulab.lockdep.LockdepTest.heldLocksFormat(LockdepTest.java:";
        assertEquals("2 locks held by " + comm + "/1:\n"
                + " #0:  (&a->lock){+.+...}, at: " + site + l1 + ")\n"
                + " #1:  (&b->lock){+.+...}, at: " + site + l2 + ")\n", Lockdep.heldLocks());
    }

    @Test
    void sameNameDifferentKeyGetsVersionSuffix() {
        start(Mode.WARN);
        FakeLock other = new FakeLock("&a->lock", new Object());
        Lockdep.acquire(a, false);
        Lockdep.acquire(other, false);
        assertEquals(0, Lockdep.reportCount(), "different keys are different classes");
        assertTrue(Lockdep.heldLocks().contains("(&a->lock#2)"), Lockdep.heldLocks());
    }

    @Test
    void lockWithoutDepMapIsFiledUnderItsJavaClass() {
        start(Mode.WARN);
        Object plain = new StringBuilder();
        Lockdep.acquire(plain, false);
        assertTrue(Lockdep.heldLocks().contains("(StringBuilder)"), Lockdep.heldLocks());
    }

    @Test
    void threadExitWithLocksHeldReports() {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("worker", () -> {
            Lockdep.acquire(a, false);
            Lockdep.threadExit();
        });
        String s = out.text();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(s.startsWith("\n=====================================\n[ BUG: worker/1 still has locks held! ]\n"
                + "3.16.0-mmulab #1 Not tainted\n-------------------------------------\n1 lock held by worker/1:\n"), s);
    }

    @Test
    void threadExitWithoutLocksIsQuiet() {
        start(Mode.WARN);
        runAs("worker", Lockdep::threadExit);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void releaseOutOfOrderRecomputesTheChainKey() {
        start(Mode.WARN);
        FakeLock d = new FakeLock("&d->lock");
        Lockdep.acquire(b, false);
        Lockdep.acquire(c, false);
        Lockdep.acquire(d, false);
        Lockdep.release(d);
        Lockdep.release(c);
        Lockdep.release(b);
        assertEquals(3, Lockdep.chainCount(), "{b} {b,c} {b,c,d}");
        Lockdep.acquire(a, false);
        Lockdep.acquire(b, false);
        Lockdep.acquire(c, false);
        Lockdep.release(a); // from the bottom: b and c stay, and the key must be that of {b,c}
        Lockdep.acquire(d, false);
        assertEquals(6, Lockdep.chainCount(), "{a} {a,b} {a,b,c} new; {b,c,d} already known");
        Lockdep.release(d);
        Lockdep.release(c);
        Lockdep.release(b);
        assertEquals(0, Lockdep.reportCount());
        assertTrue(Lockdep.heldLocks().startsWith("no locks held by "), Lockdep.heldLocks());
    }

    @Test
    void heldStackGrowsPastMaxLockDepthAndUnwinds() {
        TestSupport.Capture out = start(Mode.WARN);
        FakeLock[] locks = new FakeLock[100];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new FakeLock("&deep" + i);
            Lockdep.acquire(locks[i], true);
        }
        assertEquals(1, Lockdep.reportCount(), out.text());
        assertFalse(Lockdep.enabled());
        assertTrue(Lockdep.heldLocks().startsWith("100 locks held by "), Lockdep.heldLocks());
        Lockdep.mightSleep("test.c", 1, 100); // exactly the 100 spinlocks it allows: quiet
        assertEquals(1, Lockdep.reportCount());
        for (int i = locks.length - 1; i >= 0; i--) {
            Lockdep.release(locks[i]);
        }
        assertTrue(Lockdep.heldLocks().startsWith("no locks held by "), Lockdep.heldLocks());
        Lockdep.mightSleep("test.c", 2, 0);
        assertEquals(1, Lockdep.reportCount());
    }
}
