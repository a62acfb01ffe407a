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
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
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
}
