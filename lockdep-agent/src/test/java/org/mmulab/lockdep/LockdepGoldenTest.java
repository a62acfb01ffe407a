// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.lockdep.TestSupport.normalize;
import static org.mmulab.lockdep.TestSupport.runAs;
import static org.mmulab.lockdep.TestSupport.start;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.LockdepConfig.Mode;

/**
 * Compares whole reports with hand-written golden text (src/test/resources/.../golden), after
 * {@link TestSupport#normalize}: each stack keeps its innermost frame, line numbers become N.
 * The bodies run on named threads through method references, so the innermost frame is the body.
 */
class LockdepGoldenTest {
    private static final FakeLock MMU_LOCK = new FakeLock("&kvm->mmu_lock");
    private static final FakeLock MMU_LOCK_2 = new FakeLock("&kvm->mmu_lock"); // another struct kvm's
    private static final FakeLock SLOTS_LOCK = new FakeLock("&kvm->slots_lock");
    private static final FakeLock SRCU = new FakeLock("&kvm->srcu");

    @AfterEach
    void tearDown() {
        Lockdep.reset();
        Lockdep.configure(LockdepConfig.defaults());
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = LockdepGoldenTest.class.getResourceAsStream("golden/" + name)) {
            if (in == null) {
                throw new AssertionError("no golden file golden/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Asserts the whole normalized output equals the golden file. With
     * {@code -Dmmulab.golden.write=true} the file is (re)written from this run instead: read the
     * diff against the 3.16 report shape before committing it.
     */
    private static void assertGolden(String name, TestSupport.Capture out) throws IOException {
        if (Boolean.getBoolean("mmulab.golden.write")) {
            Path file = Paths.get("src/test/resources/org/mmulab/lockdep/golden", name);
            Files.writeString(file, normalize(out.text()), StandardCharsets.UTF_8);
        }
        assertEquals(golden(name), normalize(out.text()), "report shape differs from golden/" + name);
    }

    static void t1Body() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.release(MMU_LOCK);
        Lockdep.release(SLOTS_LOCK);
    }

    static void t2Body() {
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.release(SLOTS_LOCK);
        Lockdep.release(MMU_LOCK);
    }

    @Test
    void circularReportMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("t1", LockdepGoldenTest::t1Body);
        runAs("t2", LockdepGoldenTest::t2Body);
        assertEquals(golden("circular.txt"), normalize(out.text()));
    }

    static void recursiveBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.acquire(MMU_LOCK_2, true);
    }

    @Test
    void recursiveReportMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("b1", LockdepGoldenTest::recursiveBody);
        assertEquals(golden("recursive.txt"), normalize(out.text()));
    }

    static void mightSleepBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.mightSleep("arch/x86/kvm/mmu.c", 4317, 0);
        Lockdep.mightSleep("arch/x86/kvm/mmu.c", 4317, 1); // cond_resched_lock: fine
        Lockdep.release(MMU_LOCK);
        Lockdep.release(SLOTS_LOCK);
    }

    @Test
    void mightSleepReportMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("m1", LockdepGoldenTest::mightSleepBody);
        assertEquals(golden("might_sleep.txt"), normalize(out.text()));
    }

    static void chain3Body() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(SRCU, false);
        Lockdep.release(SRCU);
        Lockdep.release(SLOTS_LOCK);
        Lockdep.acquire(SRCU, false);
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.release(MMU_LOCK);
        Lockdep.release(SRCU);
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.acquire(SLOTS_LOCK, false);
    }

    @Test
    void threeLockCycleScenarioMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("c1", LockdepGoldenTest::chain3Body);
        String s = normalize(out.text());
        String part = golden("chain3.txt");
        assertTrue(s.contains(part), s);
        assertTrue(s.contains("\n-> #2 (&kvm->mmu_lock){+.+...}:\n       org.mmulab.lockdep.LockdepGoldenTest.chain3Body"), s);
    }

    static void badUnlockBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.release(MMU_LOCK); // never taken
        Lockdep.release(SLOTS_LOCK);
    }

    @Test
    void badUnlockBalanceReportMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("u1", LockdepGoldenTest::badUnlockBody);
        assertGolden("bad_unlock.txt", out);
    }

    static void assertHeldBody() {
        Lockdep.acquire(MMU_LOCK, true);
        Lockdep.assertHeld(SLOTS_LOCK);
        Lockdep.assertHeld(SLOTS_LOCK); // a WARN each time, not one-shot
        Lockdep.release(MMU_LOCK);
    }

    @Test
    void assertHeldWarningMatchesGoldenAndRepeats() throws IOException {
        TestSupport.Capture out = start(Mode.ONCE);
        runAs("w1", LockdepGoldenTest::assertHeldBody);
        assertGolden("assert_held.txt", out);
    }

    static void maxDepthBody() {
        for (int i = 0; i < Lockdep.MAX_LOCK_DEPTH; i++) {
            Lockdep.acquire(new FakeLock(String.format("&nest->lock%02d", i)), false);
        }
    }

    @Test
    void maxLockDepthReportMatchesGoldenAndTurnsLockdepOff() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("d1", LockdepGoldenTest::maxDepthBody);
        runAs("u2", LockdepGoldenTest::badUnlockBody); // debug_locks is off: no more reports
        assertGolden("max_lock_depth.txt", out);
    }

    static void exitBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(SRCU, false);
        Lockdep.threadExit();
    }

    @Test
    void stillHasLocksHeldAtExitMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("x1", LockdepGoldenTest::exitBody);
        assertGolden("still_has_locks.txt", out);
    }

    static void returnToUserBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.returnToUser();
    }

    @Test
    void lockHeldReturningToUserMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("r1", LockdepGoldenTest::returnToUserBody);
        assertGolden("return_to_user.txt", out);
    }

    // ------------------------------------------------------------------ irq states (reports C, D, E) and G

    private static final FakeLock IRQ_LOCK = new FakeLock("&ioapic->lock");
    private static final FakeLock WAIT_LOCK = new FakeLock("&kvm->irq_lock");

    /** IRQ_LOCK taken in a hardirq handler (irqs off inside it): it becomes HARDIRQ-safe. */
    static void inHardirq(FakeLock l) {
        Lockdep.trace_hardirqs_off();
        Lockdep.trace_hardirq_enter();
        Lockdep.acquire(l, true);
        Lockdep.release(l);
        Lockdep.trace_hardirq_exit();
        Lockdep.trace_hardirqs_on();
    }

    static void inconsistentBody() {
        inHardirq(IRQ_LOCK);
        Lockdep.acquire(IRQ_LOCK, true); // irqs on: HARDIRQ-ON-W after IN-HARDIRQ-W
        Lockdep.release(IRQ_LOCK);
    }

    @Test
    void inconsistentLockStateMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("i1", LockdepGoldenTest::inconsistentBody);
        assertGolden("inconsistent.txt", out);
    }

    static void safeToUnsafeBody() {
        inHardirq(IRQ_LOCK);
        Lockdep.acquire(WAIT_LOCK, true); // irqs on: HARDIRQ-unsafe
        Lockdep.release(WAIT_LOCK);
        Lockdep.trace_hardirqs_off();
        Lockdep.acquire(IRQ_LOCK, true);
        Lockdep.acquire(WAIT_LOCK, true); // HARDIRQ-safe -> HARDIRQ-unsafe
        Lockdep.release(WAIT_LOCK);
        Lockdep.release(IRQ_LOCK);
        Lockdep.trace_hardirqs_on();
    }

    @Test
    void hardirqSafeToUnsafeOrderMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("s1", LockdepGoldenTest::safeToUnsafeBody);
        assertGolden("irq_safe_unsafe.txt", out);
    }

    static void inversionBody() {
        Lockdep.acquire(WAIT_LOCK, true); // irqs on: HARDIRQ-unsafe
        Lockdep.release(WAIT_LOCK);
        Lockdep.trace_hardirqs_off();
        Lockdep.acquire(IRQ_LOCK, true);
        Lockdep.acquire(WAIT_LOCK, true); // IRQ_LOCK -> WAIT_LOCK, fine so far
        Lockdep.release(WAIT_LOCK);
        Lockdep.release(IRQ_LOCK);
        Lockdep.trace_hardirqs_on();
        inHardirq(IRQ_LOCK); // now IRQ_LOCK becomes HARDIRQ-safe: inversion
    }

    @Test
    void irqLockInversionMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("v1", LockdepGoldenTest::inversionBody);
        assertGolden("irq_inversion.txt", out);
    }

    static void nestedNotTakenBody() {
        Lockdep.lock_acquire(MMU_LOCK, 0, 0, 0, 1, SLOTS_LOCK); // nest_lock not held
    }

    @Test
    void nestedLockNotTakenMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("n1", LockdepGoldenTest::nestedNotTakenBody);
        assertGolden("nested_not_taken.txt", out);
    }

    static void badContentionBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.lock_contended(MMU_LOCK); // contended without lock_acquire first
        Lockdep.release(SLOTS_LOCK);
    }

    @Test
    void badContentionMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        runAs("k1", LockdepGoldenTest::badContentionBody);
        assertGolden("bad_contention.txt", out);
    }

    static void maxKeysBody() {
        Lockdep.acquire(SLOTS_LOCK, false);
        Lockdep.acquire(MMU_LOCK, true);
    }

    @Test
    void maxLockdepKeysMatchesGolden() throws IOException {
        TestSupport.Capture out = start(Mode.WARN);
        LockGraph.MAX_LOCKDEP_KEYS = 1;
        try {
            runAs("K1", LockdepGoldenTest::maxKeysBody);
        } finally {
            LockGraph.MAX_LOCKDEP_KEYS = (1 << 13) - 1;
        }
        assertGolden("max_lockdep_keys.txt", out);
    }
}
