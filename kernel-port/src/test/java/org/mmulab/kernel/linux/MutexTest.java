// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * {@code struct mutex} (v3.16 kernel/locking/mutex.c 101-111, 205-220, 857-868): a sleeping lock
 * with an owner; only the owner may unlock it (what a CONFIG_DEBUG_MUTEXES kernel checks on the
 * unlock slow path): the port WARNs and leaves the mutex locked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MutexTest {
    /**
     * Tests that misuse a lock on purpose: under the lockdep agent they print a "bad unlock
     * balance" report, as they should, so the agent's run of this suite leaves them out.
     */
    static final String LOCKDEP_MISUSE = "lockdep-misuse";

    static final long JOIN_MS = 10_000;

    @Test
    void excludesUnderContentionAndRecordsTheOwner() throws Exception {
        mutex m = mutex.mutex_init("test_mutex");
        final int threads = 4;
        final int iters = 2_000;
        int[] counter = {0};
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger problems = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<CpuThread> cpus = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            cpus.add(CpuThread.start("locker" + t, () -> {
                CpuThread.await(go, "go");
                for (int i = 0; i < iters; i++) {
                    mutex.mutex_lock(m);
                    if (inside.incrementAndGet() != 1 || m.owner() != task_struct.current() || !mutex.mutex_is_locked(m)) {
                        problems.incrementAndGet();
                    }
                    counter[0]++;
                    if (i % 64 == 0) {
                        Thread.yield(); // let others queue up and park
                    }
                    inside.decrementAndGet();
                    mutex.mutex_unlock(m);
                }
            }));
        }
        go.countDown();
        for (CpuThread c : cpus) {
            c.join(30_000);
        }
        mutex.mutex_lock(m);
        int total = counter[0];
        mutex.mutex_unlock(m);
        assertEquals(0, problems.get(), "overlap, or holder not recorded as owner");
        assertEquals(threads * iters, total, "lost increments");
        assertFalse(mutex.mutex_is_locked(m));
        assertNull(m.owner());
    }

    @Test
    void ownerIsTheLockingTask() {
        mutex m = mutex.mutex_init("owner");
        assertFalse(mutex.mutex_is_locked(m));
        mutex.mutex_lock(m);
        assertTrue(mutex.mutex_is_locked(m));
        assertSame(task_struct.current(), m.owner());
        mutex.mutex_unlock(m);
        assertFalse(mutex.mutex_is_locked(m));
        assertNull(m.owner());
    }

    @Test
    void trylockTakesOnlyAFreeMutex() throws Exception {
        mutex m = mutex.mutex_init("trylock");
        assertTrue(mutex.mutex_trylock(m), "free: taken");
        assertSame(task_struct.current(), m.owner());
        assertFalse(mutex.mutex_trylock(m), "not recursive: the owner cannot take it again");

        boolean[] other = {true};
        CpuThread.start("other", () -> other[0] = mutex.mutex_trylock(m)).join(JOIN_MS);
        assertFalse(other[0], "held by another task: not taken");
        assertSame(task_struct.current(), m.owner());

        mutex.mutex_unlock(m);
        CpuThread o = CpuThread.start("other2", () -> {
            other[0] = mutex.mutex_trylock(m);
            mutex.mutex_unlock(m);
        });
        o.join(JOIN_MS);
        assertTrue(other[0], "free again: taken");
        assertFalse(mutex.mutex_is_locked(m));
    }

    @Test
    @Tag(LOCKDEP_MISUSE)
    void unlockByANonOwnerWarnsAndLeavesItLocked() throws Exception {
        mutex m = mutex.mutex_init("non_owner");
        mutex.mutex_lock(m);
        task_struct me = task_struct.current();
        long warnings0 = bug.warningCount();
        CpuThread.start("intruder", () -> mutex.mutex_unlock(m)).join(JOIN_MS);
        assertEquals(warnings0 + 1, bug.warningCount(), "mutex_unlock by a non-owner WARNs");
        assertTrue(mutex.mutex_is_locked(m), "still locked");
        assertSame(me, m.owner(), "still ours");

        boolean[] got = {true};
        CpuThread.start("prober", () -> got[0] = mutex.mutex_trylock(m)).join(JOIN_MS);
        assertFalse(got[0], "nobody else can take it");

        long warnings1 = bug.warningCount();
        mutex.mutex_unlock(m);
        assertEquals(warnings1, bug.warningCount(), "the owner's unlock is quiet");
        assertFalse(mutex.mutex_is_locked(m));
    }

    @Test
    @Tag(LOCKDEP_MISUSE)
    void unlockOfAnUnlockedMutexWarns() {
        mutex m = mutex.mutex_init("unlocked");
        long warnings0 = bug.warningCount();
        mutex.mutex_unlock(m);
        assertEquals(warnings0 + 1, bug.warningCount());
        assertFalse(mutex.mutex_is_locked(m));
    }

    @Test
    void aSleepingWaiterGetsTheMutexOnUnlock() throws Exception {
        mutex m = mutex.mutex_init("handover");
        mutex.mutex_lock(m);
        CountDownLatch acquired = new CountDownLatch(1);
        CountDownLatch mayUnlock = new CountDownLatch(1);
        task_struct[] ownerSeen = {null};
        CpuThread waiter = CpuThread.start("waiter", () -> {
            mutex.mutex_lock(m);
            ownerSeen[0] = m.owner();
            acquired.countDown();
            CpuThread.await(mayUnlock, "unlock");
            mutex.mutex_unlock(m);
        });
        try {
            CpuThread.awaitTrue("waiter asleep on the mutex", JOIN_MS,
                    () -> waiter.thread().getState() == Thread.State.WAITING);
            assertEquals(1, acquired.getCount(), "the waiter does not get in while we hold it");
        } finally {
            mutex.mutex_unlock(m);
        }
        CpuThread.await(acquired, "waiter woken and holding");
        assertSame(waiter.task(), m.owner());
        mayUnlock.countDown();
        waiter.join(JOIN_MS);
        assertSame(waiter.task(), ownerSeen[0]);
        assertFalse(mutex.mutex_is_locked(m));
    }
}
