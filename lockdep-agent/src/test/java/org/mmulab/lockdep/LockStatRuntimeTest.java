// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.LockStat.ClassStats;
import org.mmulab.lockdep.LockStat.SiteHold;
import org.mmulab.lockdep.LockStat.Stats;

/**
 * CONFIG_LOCK_STAT wired into the runtime: the acquisition stamps (lockdep.c 3133-3136),
 * lock_contended and lock_acquired (3685-3796) and lock_release_holdtime (257-273), driven through
 * the hooks the port calls, and mmulab's per-site split of the hold times.
 */
class LockStatRuntimeTest {
    private TestSupport.Capture out;

    @BeforeEach
    void start() {
        out = TestSupport.start(LockdepConfig.Mode.WARN);
    }

    @AfterEach
    void stop() {
        Lockdep.setLockStat(false);
        Lockdep.reset();
    }

    private static ClassStats statsOf(String name) {
        for (ClassStats s : LockStat.classes()) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no class " + name + " in " + LockStat.classes());
    }

    private static void drop(FakeLock l) {
        Lockdep.lock_release(l.dep_map, 1);
    }

    // spin_lock's hooks with no contention, called where the port's spin_lock is: lock_acquire,
    // then lock_acquired (the site is the method that calls them)
    private static void holdBriefly(FakeLock l) {
        Lockdep.lock_acquire(l.dep_map, 0, 0, 0, 1, null);
        Lockdep.lock_acquired(l.dep_map);
        drop(l);
    }

    private static void holdTwentyMillis(FakeLock l) throws InterruptedException {
        Lockdep.lock_acquire(l.dep_map, 0, 0, 0, 1, null);
        Lockdep.lock_acquired(l.dep_map);
        Thread.sleep(20);
        drop(l);
    }

    @Test
    void offByDefaultNothingIsCounted() {
        FakeLock l = new FakeLock("&kvm->mmu_lock");
        holdBriefly(l);
        holdBriefly(l);
        Stats st = LockStat.lock_stats(statsOf("&kvm->mmu_lock"));
        assertEquals(0, st.write_holdtime.nr);
        assertEquals(0, st.bounces[LockStat.bounce_acquired_write]);
        assertTrue(LockStat.holdSites(statsOf("&kvm->mmu_lock")).isEmpty());
        assertEquals("", out.text());
    }

    @Test
    void holdTimesAreCountedPerClassAndSplitBySite() throws InterruptedException {
        FakeLock l = new FakeLock("&kvm->mmu_lock");
        // validated once before lock_stat is on: a first acquisition's hold includes validate_chain
        // (the kernel stamps the hold before it too), which a cold JVM can make long
        holdBriefly(l);
        Lockdep.setLockStat(true);
        // and once with lock_stat on, then cleared: the first lock_acquired sets up the map's
        // cpu/ip accessors inside the hold
        holdBriefly(l);
        LockStat.clearAll();
        holdBriefly(l);
        holdBriefly(l);
        holdTwentyMillis(l);
        ClassStats s = statsOf("&kvm->mmu_lock");
        Stats st = LockStat.lock_stats(s);
        assertEquals(3, st.write_holdtime.nr);
        assertEquals(0, st.read_holdtime.nr);
        assertTrue(st.write_holdtime.max >= 20_000_000, st.write_holdtime.toString());
        assertEquals(0, st.contentions(), "nobody waited");
        List<SiteHold> sites = LockStat.holdSites(s);
        assertEquals(2, sites.size(), sites.toString());
        SiteHold brief = sites.stream().filter(h -> h.site.contains("holdBriefly")).findFirst().orElseThrow();
        SiteHold longer = sites.stream().filter(h -> h.site.contains("holdTwentyMillis")).findFirst().orElseThrow();
        assertEquals(2, brief.time().nr);
        assertEquals(1, longer.time().nr);
        assertTrue(longer.time().min >= 20_000_000, longer.time().toString());
        String holds = LockStatProc.lock_stat_holds();
        assertTrue(holds.contains("&kvm->mmu_lock") && holds.contains("holdTwentyMillis"), holds);
        // the longest total hold is listed first
        assertTrue(holds.indexOf("holdTwentyMillis") < holds.indexOf("holdBriefly"), holds);
    }

    @Test
    void aContendedAcquisitionCountsItsWaitPointsAndBounces() throws Exception {
        Lockdep.setLockStat(true);
        FakeLock l = new FakeLock("&kvm->mmu_lock");
        ReentrantLock real = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            real.lock();
            holderTakes(l);
            held.countDown();
            try {
                waiting.await(5, TimeUnit.SECONDS);
                Thread.sleep(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drop(l);
            real.unlock();
        }, "holder");
        holder.start();
        assertTrue(held.await(5, TimeUnit.SECONDS));
        TestSupport.runAs("waiter", () -> {
            // LOCK_CONTENDED: lock_acquire, the trylock fails, lock_contended, the slow lock, lock_acquired
            Lockdep.lock_acquire(l.dep_map, 0, 0, 0, 1, null);
            assertTrue(!real.tryLock());
            Lockdep.lock_contended(l.dep_map);
            waiting.countDown();
            real.lock();
            Lockdep.lock_acquired(l.dep_map);
            drop(l);
            real.unlock();
        });
        holder.join();
        Stats st = LockStat.lock_stats(statsOf("&kvm->mmu_lock"));
        assertEquals(1, st.write_waittime.nr);
        assertTrue(st.write_waittime.total >= 3_000_000, st.write_waittime.toString());
        assertEquals(2, st.write_holdtime.nr);
        assertEquals(1, st.bounces[LockStat.bounce_contended_write], "the holder's thread last had it");
        assertEquals(1, st.contentions());
        assertNotNull(st.contentionPoints[0]);
        assertTrue(st.contentionPoints[0].contains("lambda$aContendedAcquisitionCountsItsWaitPointsAndBounces"),
                st.contentionPoints[0]);
        assertTrue(st.contendingPoints[0].contains("holderTakes"), st.contendingPoints[0]);
        // the waiter's acquisition moved the lock to its thread: an acquired bounce
        assertTrue(st.bounces[LockStat.bounce_acquired_write] >= 1);
        assertEquals("", out.text());
    }

    private static void holderTakes(FakeLock l) {
        Lockdep.lock_acquire(l.dep_map, 0, 0, 0, 1, null);
        Lockdep.lock_acquired(l.dep_map);
    }
}
