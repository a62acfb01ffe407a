// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.lockdep.TestSupport.runAs;
import static org.mmulab.lockdep.TestSupport.start;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.LockdepConfig.Mode;

/**
 * The parts of v3.16's validator beyond the order checker: read locks and their recursion rule,
 * subclasses, nest_lock, irq states, lock_release_non_nested's re-validation, per-acquisition
 * sites, the capacity limits and FAIL mode's first error. Locks are stand-ins with a dep_map.
 */
class LockdepV316Test {
    private final FakeLock a = new FakeLock("&a->lock");
    private final FakeLock b = new FakeLock("&b->lock");
    private final FakeLock c = new FakeLock("&c->lock");

    @AfterEach
    void tearDown() {
        LockGraph.MAX_LOCKDEP_KEYS = (1 << 13) - 1;
        LockGraph.MAX_LOCKDEP_ENTRIES = 32768;
        LockGraph.MAX_LOCKDEP_CHAINS = 1 << 16;
        Lockdep.reset();
        Lockdep.configure(LockdepConfig.defaults());
    }

    private static void read(Object l, int read) {
        Lockdep.lock_acquire(l, 0, 0, read, 1, null);
    }

    // ------------------------------------------------------------------ read locks (check_deadlock, check_prev_add)

    @Test
    void aRecursiveReadOfAReadHeldRwlockIsAllowed() {
        start(Mode.WARN);
        read(a, 2); // read_lock: rwlock_t's read side is recursive (read == 2)
        read(a, 2);
        Lockdep.lock_release(a, 1);
        Lockdep.lock_release(a, 1);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void aSecondRwsemReadIsRecursiveLocking() {
        TestSupport.Capture out = start(Mode.WARN);
        read(a, 1); // down_read: read == 1, not recursive
        read(a, 1);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("[ INFO: possible recursive locking detected ]"), out.text());
    }

    @Test
    void aRecursiveReadAfterTheWriteSideIsRecursiveLocking() {
        start(Mode.WARN);
        Lockdep.acquire(a, true);
        read(a, 2);
        assertEquals(1, Lockdep.reportCount());
    }

    @Test
    void aRecursiveReadAddsNoDependency() {
        start(Mode.WARN);
        read(a, 2);
        Lockdep.acquire(b, true); // a (read 2) -> b is checked, not stored
        Lockdep.release(b);
        Lockdep.lock_release(a, 1);
        Lockdep.acquire(b, true);
        Lockdep.acquire(a, true);
        assertEquals(0, Lockdep.reportCount());
        assertFalse(LockdepProc.lockdep().contains("-> [0000000000000002] &b->lock\n"), LockdepProc.lockdep());
    }

    @Test
    void anRwsemReadDependencyIsStoredAndInvertingItIsCircular() {
        TestSupport.Capture out = start(Mode.WARN);
        read(a, 1);
        Lockdep.acquire(b, false);
        Lockdep.release(b);
        Lockdep.lock_release(a, 1);
        Lockdep.acquire(b, false);
        read(a, 1);
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("possible circular locking dependency detected"), out.text());
    }

    // ------------------------------------------------------------------ subclasses and nest_lock

    @Test
    void aSubclassIsItsOwnClassAndNamedWithItsNumber() {
        start(Mode.WARN);
        FakeLock a2 = new FakeLock("&a->lock"); // same key
        Lockdep.acquire(a, true);
        Lockdep.lock_acquire(a2, 1, 0, 0, 1, null); // spin_lock_nested(..., SINGLE_DEPTH_NESTING)
        assertEquals(0, Lockdep.reportCount());
        assertTrue(Lockdep.heldLocks().contains(" #1:  (&a->lock/1){+.+...}, at: "), Lockdep.heldLocks());
    }

    @Test
    void theSubclassIsPartOfTheChainKey() {
        start(Mode.WARN);
        FakeLock a2 = new FakeLock("&a->lock");
        Lockdep.acquire(a, true);
        Lockdep.lock_acquire(a2, 1, 0, 0, 1, null);
        Lockdep.release(a2);
        Lockdep.release(a);
        int chains = Lockdep.chainCount();
        Lockdep.lock_acquire(a, 1, 0, 0, 1, null); // subclass 1 at the head: another chain than subclass 0
        Lockdep.release(a);
        assertEquals(chains + 1, Lockdep.chainCount());
    }

    @Test
    void aSubclassOfEightOrMoreTurnsLockdepOff() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.lock_acquire(a, 8, 0, 0, 1, null);
        assertTrue(out.text().startsWith("BUG: looking up invalid subclass: 8\nturning off the locking correctness validator.\n"),
                out.text());
        assertFalse(Lockdep.enabled());
    }

    @Test
    void locksOfOneClassUnderTheirNestLockAreOneEntryWithReferences() {
        start(Mode.WARN);
        FakeLock x1 = new FakeLock("&x->lock");
        FakeLock x2 = new FakeLock("&x->lock");
        Lockdep.acquire(b, false); // the nest lock, e.g. mm->mmap_sem for mm_take_all_locks
        Lockdep.lock_acquire(x1, 0, 0, 0, 1, b);
        Lockdep.lock_acquire(x2, 0, 0, 0, 1, b);
        assertEquals(0, Lockdep.reportCount());
        assertEquals(java.util.List.of("&b->lock", "&x->lock"), Lockdep.heldClassNames());
        Lockdep.lock_release(x2, 1);
        assertEquals(2, Lockdep.heldClassNames().size()); // one reference left
        Lockdep.lock_release(x1, 1);
        assertEquals(java.util.List.of("&b->lock"), Lockdep.heldClassNames());
        assertEquals(0, Lockdep.reportCount());
    }

    // ------------------------------------------------------------------ irq states

    @Test
    void enablingIrqsMarksTheHeldLocks() {
        start(Mode.WARN);
        Lockdep.trace_hardirqs_off();
        Lockdep.acquire(a, true);
        assertTrue(Lockdep.heldLocks().contains("(&a->lock){......}"), Lockdep.heldLocks());
        Lockdep.trace_hardirqs_on(); // mark_held_locks: ENABLED_HARDIRQ and ENABLED_SOFTIRQ
        assertTrue(Lockdep.heldLocks().contains("(&a->lock){+.+...}"), Lockdep.heldLocks());
        Lockdep.release(a);
    }

    @Test
    void enablingIrqsWhileHoldingAHardirqSafeLockIsInconsistent() {
        TestSupport.Capture out = start(Mode.WARN);
        LockdepGoldenTest.inHardirq(a);
        Lockdep.trace_hardirqs_off();
        Lockdep.acquire(a, true);
        Lockdep.trace_hardirqs_on();
        assertEquals(1, Lockdep.reportCount());
        assertTrue(out.text().contains("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."), out.text());
    }

    private static void readInHardirq(Object l) {
        Lockdep.trace_hardirqs_off();
        Lockdep.trace_hardirq_enter();
        read(l, 2);
        Lockdep.lock_release(l, 1);
        Lockdep.trace_hardirq_exit();
        Lockdep.trace_hardirqs_on();
    }

    @Test
    void anRwlockReadInHardirqAndReadWithIrqsOnIsFine() {
        TestSupport.Capture out = start(Mode.WARN);
        readInHardirq(a);
        read(a, 2); // HARDIRQ-ON-R after IN-HARDIRQ-R: readers do not wait for readers
        Lockdep.lock_release(a, 1);
        assertEquals(0, Lockdep.reportCount(), out.text());
    }

    @Test
    void anRwlockReadInHardirqThenWrittenWithIrqsOnIsInconsistent() {
        TestSupport.Capture out = start(Mode.WARN);
        readInHardirq(a);
        Lockdep.acquire(a, true); // write_lock with irqs on: HARDIRQ-ON-W after IN-HARDIRQ-R
        assertTrue(out.text().contains("inconsistent {IN-HARDIRQ-R} -> {HARDIRQ-ON-W} usage."), out.text());
    }

    @Test
    void aSoftirqSafeLockTakenWithSoftirqsOnIsInconsistent() {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.trace_softirqs_off();
        Lockdep.lockdep_softirq_enter();
        Lockdep.acquire(a, true);
        Lockdep.release(a);
        Lockdep.lockdep_softirq_exit();
        Lockdep.trace_softirqs_on();
        Lockdep.acquire(a, true);
        assertTrue(out.text().contains("inconsistent {IN-SOFTIRQ-W} -> {SOFTIRQ-ON-W} usage."), out.text());
    }

    @Test
    void aLockTakenOnlyWithBhDisabledIsSoftirqSafeAndShowsIt() {
        start(Mode.WARN);
        Lockdep.trace_softirqs_off(); // spin_lock_bh
        Lockdep.acquire(a, true);
        assertTrue(Lockdep.heldLocks().contains("(&a->lock){+.....}"), Lockdep.heldLocks());
        Lockdep.release(a);
        Lockdep.trace_softirqs_on();
    }

    @Test
    void anIrqContextStartsItsOwnChain() {
        start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.trace_hardirqs_off();
        Lockdep.trace_hardirq_enter();
        Lockdep.acquire(b, true); // an interrupt while a is held: no a -> b dependency
        Lockdep.release(b);
        Lockdep.trace_hardirq_exit();
        Lockdep.trace_hardirqs_on();
        Lockdep.release(a);
        assertFalse(LockdepProc.lockdep().contains(" -> ["), LockdepProc.lockdep());
    }

    // ------------------------------------------------------------------ lock_release_non_nested

    @Test
    void releasingAMiddleLockReacquiresTheOnesAboveAndNamesTheChainAsV316() {
        TestSupport.Capture out = start(Mode.WARN);
        int[] releaseLine = new int[1];
        runAs("T1", () -> {
            Lockdep.acquire(a, true);
            Lockdep.acquire(b, true);
            Lockdep.acquire(c, true);
            releaseLine[0] = TestSupport.lineHere(); Lockdep.release(b); // c is acquired again on top of a: a -> c
            Lockdep.release(a);
            Lockdep.release(c);
        });
        runAs("T2", () -> {
            Lockdep.acquire(c, true);
            Lockdep.acquire(a, true);
        });
        String s = out.text();
        assertEquals(1, Lockdep.reportCount(), s);
        String chain = s.substring(s.indexOf("the existing dependency chain"), s.indexOf("other info"));
        // #1 is held c, whose dependency a -> c was added when releasing b re-acquired c on top of a
        assertTrue(chain.contains("-> #1 (&c->lock)") && chain.contains("-> #0 (&a->lock)"), chain);
        assertTrue(chain.indexOf("LockdepV316Test.java:" + releaseLine[0] + ")") > 0, chain);
        assertFalse(chain.contains("&b->lock"), chain);
        assertFalse(s.contains("Chain exists of:"), s);
    }

    @Test
    void releasingAMiddleLockKeepsTheOthersHeldInOrder() {
        start(Mode.WARN);
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.acquire(c, true);
        Lockdep.release(a);
        assertEquals(java.util.List.of("&b->lock", "&c->lock"), Lockdep.heldClassNames());
        Lockdep.release(c);
        Lockdep.release(b);
        assertEquals(0, Lockdep.reportCount());
    }

    // ------------------------------------------------------------------ per-acquisition sites

    @Test
    void aHeldLocksSiteIsWhereThisThreadTookItNotWhereTheChainWasFirstValidated() throws Exception {
        start(Mode.WARN);
        runAs("first", () -> {
            Lockdep.acquire(a, true);
            Lockdep.release(a);
        });
        String[] held = new String[1];
        int[] line = new int[1];
        runAs("second", () -> {
            line[0] = TestSupport.lineHere(); Lockdep.acquire(a, true);
            held[0] = Lockdep.heldLocks();
            Lockdep.release(a);
        });
        assertTrue(held[0].contains("LockdepV316Test.java:" + line[0] + ")"), held[0]);
    }

    // ------------------------------------------------------------------ capacity limits

    @Test
    void moreClassesThanMaxLockdepKeysTurnLockdepOff() {
        TestSupport.Capture out = start(Mode.WARN);
        LockGraph.MAX_LOCKDEP_KEYS = 2;
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.acquire(c, true);
        assertTrue(out.text().startsWith("BUG: MAX_LOCKDEP_KEYS too low!\nturning off the locking correctness validator.\n"
                + "Please attach the output of /proc/lock_stat to the bug report\n"), out.text());
        assertFalse(Lockdep.enabled());
        assertEquals(3, Lockdep.heldClassNames().size()); // still held (might_sleep counts them)
        Lockdep.release(c);
        Lockdep.release(b);
        Lockdep.release(a);
        assertEquals(1, Lockdep.reportCount());
    }

    @Test
    void moreDependenciesThanMaxLockdepEntriesTurnLockdepOff() {
        TestSupport.Capture out = start(Mode.WARN);
        LockGraph.MAX_LOCKDEP_ENTRIES = 2; // one dependency: two list entries
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.acquire(c, true);
        assertTrue(out.text().startsWith("BUG: MAX_LOCKDEP_ENTRIES too low!\n"), out.text());
        assertFalse(Lockdep.enabled());
    }

    @Test
    void moreChainsThanMaxLockdepChainsTurnLockdepOff() {
        TestSupport.Capture out = start(Mode.WARN);
        LockGraph.MAX_LOCKDEP_CHAINS = 2;
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.acquire(c, true);
        assertTrue(out.text().startsWith("BUG: MAX_LOCKDEP_CHAINS too low!\n"), out.text());
        assertEquals(ReportKind.MAX_LOCKDEP_CHAINS, ReportKind.valueOf("MAX_LOCKDEP_CHAINS"));
        assertFalse(Lockdep.enabled());
    }

    @Test
    void theLimitsAreV316s() {
        assertEquals(8191, LockGraph.MAX_LOCKDEP_KEYS);
        assertEquals(32768, LockGraph.MAX_LOCKDEP_ENTRIES);
        assertEquals(65536, LockGraph.MAX_LOCKDEP_CHAINS);
    }

    // ------------------------------------------------------------------ FAIL mode

    @Test
    void inFailModeALaterReportIsSuppressedOnTheErrorAlreadyUnwinding() {
        start(Mode.FAIL);
        Lockdep.acquire(a, true);
        Lockdep.acquire(b, true);
        Lockdep.release(b);
        Lockdep.release(a);
        Lockdep.acquire(b, true);
        LockdepError first = assertThrows(LockdepError.class, () -> Lockdep.acquire(a, true));
        Lockdep.returnToUser(first); // the ioctl's exit check, with the circular error unwinding through it
        assertEquals(ReportKind.CIRCULAR_DEPENDENCY, first.kind());
        assertEquals(1, first.getSuppressed().length);
        assertEquals(ReportKind.HELD_RETURNING_TO_USER, ((LockdepError) first.getSuppressed()[0]).kind());
    }

    @Test
    void inFailModeMaxLockDepthThrowsAndLockdepStaysOn() {
        start(Mode.FAIL);
        for (int i = 0; i < Lockdep.MAX_LOCK_DEPTH - 1; i++) {
            Lockdep.acquire(new FakeLock(String.format("&nest->lock%02d", i)), false);
        }
        LockdepError e = assertThrows(LockdepError.class, () -> Lockdep.acquire(new FakeLock("&nest->lock47"), false));
        assertEquals(ReportKind.MAX_LOCK_DEPTH, e.kind());
        assertTrue(Lockdep.enabled());
        assertEquals(Lockdep.MAX_LOCK_DEPTH - 1, Lockdep.heldClassNames().size()); // the 48th was not taken
    }

    // ------------------------------------------------------------------ threads that end with locks held

    @Test
    void theReaperReportsAThreadThatEndedWithLocksHeld() throws Exception {
        TestSupport.Capture out = start(Mode.WARN);
        Lockdep.startReaper(3_600_000); // the test reaps by hand
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            Lockdep.acquire(a, true);
            Lockdep.acquire(b, false);
            done.countDown();
        }, "leaver");
        t.start();
        done.await();
        t.join();
        assertEquals(1, Lockdep.reapDeadThreads());
        assertEquals(0, Lockdep.reapDeadThreads()); // once
        String s = out.text();
        assertTrue(s.contains("[ BUG: leaver/1 still has locks held! ]\n"), s);
        assertTrue(s.contains("2 locks held by leaver/1:\n #0:  (&a->lock){+.+...}, at: "), s);
        assertTrue(s.contains(" (the thread has ended; found by the lockdep reaper)\n"), s);
        assertNotNull(Lockdep.config());
    }

    // ------------------------------------------------------------------ lockdep_init_map, lock_set_class

    /** Shaped like the port's lockdep_map after issue 16: name and key settable, the owner lock. */
    public static final class Map {
        public String name;
        public Object key;
        public final Object owner;

        Map(String name, Object key, Object owner) {
            this.name = name;
            this.key = key;
            this.owner = owner;
        }
    }

    @Test
    void lockSetClassMovesAHeldLockToItsNewClassAndTheChainsAboveWithIt() {
        start(Mode.WARN);
        Map m = new Map("&inode->i_mutex", "i_mutex_key", null);
        Lockdep.lock_acquire(m, 0, 0, 0, 1, null);
        Lockdep.acquire(b, false);
        Lockdep.lock_set_class(m, "&inode->i_mutex_dir", "i_mutex_dir_key", 0);
        assertEquals(java.util.List.of("&inode->i_mutex_dir", "&b->lock"), Lockdep.heldClassNames());
        Lockdep.release(b);
        Lockdep.lock_release(m, 1);
        Lockdep.lock_acquire(m, 0, 0, 0, 1, null); // after release it keeps the new class (the map's key was set)
        assertEquals(java.util.List.of("&inode->i_mutex_dir"), Lockdep.heldClassNames());
        Lockdep.lock_release(m, 1);
        assertEquals(0, Lockdep.reportCount());
    }

    @Test
    void reinitialisingAMapInUseDropsTheCachedClass() {
        start(Mode.WARN);
        Map m = new Map("&x->lock", "x_key", null);
        Lockdep.lock_acquire(m, 0, 0, 0, 1, null);
        Lockdep.lock_release(m, 1);
        Lockdep.lock_acquire(m, 0, 0, 0, 1, null); // a memo hit now
        Lockdep.lock_release(m, 1);
        Lockdep.lockdep_init_map(m, "&y->lock", "y_key", 0); // lockdep_set_class
        Lockdep.lock_acquire(m, 0, 0, 0, 1, null);
        assertEquals(java.util.List.of("&y->lock"), Lockdep.heldClassNames());
        Lockdep.lock_release(m, 1);
    }

    @Test
    void aMapsOwnerTellsASpinningLockFromASleepingOne() {
        TestSupport.Capture out = start(Mode.WARN);
        Map spin = new Map("&kvm->mmu_lock", "mmu_lock", new spinlock_t());
        Map sleep = new Map("&kvm->slots_lock", "slots_lock", new Object());
        Lockdep.lock_acquire(sleep, 0, 0, 0, 1, null);
        Lockdep.mightSleep("virt/kvm/kvm_main.c", 1, 0);
        assertEquals(0, Lockdep.reportCount(), out.text());
        Lockdep.lock_acquire(spin, 0, 0, 0, 1, null);
        Lockdep.mightSleep("virt/kvm/kvm_main.c", 2, 0);
        assertEquals(1, Lockdep.reportCount(), out.text());
    }

    /** Named as the port's spinlock type. */
    @SuppressWarnings("checkstyle:TypeName")
    static final class spinlock_t {
    }
}
