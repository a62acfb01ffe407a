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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * {@code spinlock_t} as the v3.16 x86 ticket lock (arch/x86/include/asm/spinlock.h 82-175) under
 * {@code CONFIG_PREEMPT} (include/linux/spinlock.h 301-389), and the scheduler hooks built on it:
 * {@code spin_needbreak} (include/linux/sched.h 2761-2768) and {@code __cond_resched_lock}
 * (kernel/sched/core.c 4166-4185).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpinlockTest {
    static final long JOIN_MS = 10_000;
    long savedSlice;

    @BeforeEach
    void saveSlice() {
        savedSlice = sched.sched_slice_ns;
    }

    @AfterEach
    void restoreSlice() {
        sched.sched_slice_ns = savedSlice;
    }

    /** No resched due on this task for the rest of the test: a long slice, and a fresh one. */
    static void noReschedDue() {
        sched.sched_slice_ns = TimeUnit.HOURS.toNanos(1);
        sched.schedule(); // clears TIF_NEED_RESCHED and restarts the slice
        assertFalse(sched.need_resched());
    }

    @Test
    void ticketLockExcludesUnderContention() throws Exception {
        spinlock_t lock = spinlock_t.spin_lock_init("test_lock");
        final int threads = 4;
        final int iters = 5_000;
        int[] counter = {0}; // plain, unsynchronized: only the lock orders the increments
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger badPreempt = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<CpuThread> cpus = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            cpus.add(CpuThread.start("locker" + t, () -> {
                int base = preempt.preempt_count();
                CpuThread.await(go, "go");
                for (int i = 0; i < iters; i++) {
                    spinlock_t.spin_lock(lock);
                    if (inside.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    if (preempt.preempt_count() != base + 1 || lock.owner() != task_struct.current()) {
                        badPreempt.incrementAndGet();
                    }
                    counter[0]++;
                    inside.decrementAndGet();
                    spinlock_t.spin_unlock(lock);
                }
                assertEquals(base, preempt.preempt_count(), "preempt_count restored after the last unlock");
            }));
        }
        go.countDown();
        for (CpuThread c : cpus) {
            c.join(30_000);
        }
        spinlock_t.spin_lock(lock);
        int total = counter[0];
        spinlock_t.spin_unlock(lock);
        assertEquals(0, overlaps.get(), "two holders at once");
        assertEquals(0, badPreempt.get(), "holder without raised preempt_count or owner");
        assertEquals(threads * iters, total, "lost increments");
        assertFalse(spinlock_t.spin_is_locked(lock));
    }

    @Test
    void lockIsHeldAndPreemptionOffWhileHeld() {
        spinlock_t a = spinlock_t.spin_lock_init("a");
        spinlock_t b = spinlock_t.spin_lock_init("b");
        int base = preempt.preempt_count();
        assertFalse(spinlock_t.spin_is_locked(a));
        assertNull(a.owner());

        spinlock_t.spin_lock(a);
        assertTrue(spinlock_t.spin_is_locked(a));
        assertSame(task_struct.current(), a.owner());
        assertEquals(base + 1, preempt.preempt_count());
        assertFalse(spinlock_t.spin_is_contended(a), "a lone holder is not contention");

        spinlock_t.spin_lock(b);
        assertEquals(base + 2, preempt.preempt_count(), "one preempt_disable per lock held");
        spinlock_t.spin_unlock(b);
        assertEquals(base + 1, preempt.preempt_count());

        spinlock_t.spin_unlock(a);
        assertFalse(spinlock_t.spin_is_locked(a));
        assertNull(a.owner());
        assertEquals(base, preempt.preempt_count());
    }

    @Test
    void contendedOnlyWhileASecondTicketWaits() throws Exception {
        spinlock_t lock = spinlock_t.spin_lock_init("contended");
        CountDownLatch waiterHolds = new CountDownLatch(1);
        CountDownLatch waiterMayUnlock = new CountDownLatch(1);
        spinlock_t.spin_lock(lock);
        assertFalse(spinlock_t.spin_is_contended(lock));
        assertFalse(sched.spin_needbreak(lock));

        CpuThread waiter = CpuThread.start("waiter", () -> {
            spinlock_t.spin_lock(lock);
            waiterHolds.countDown();
            CpuThread.await(waiterMayUnlock, "unlock");
            spinlock_t.spin_unlock(lock);
        });
        try {
            CpuThread.awaitTrue("the waiter's ticket shows as contention", JOIN_MS, () -> spinlock_t.spin_is_contended(lock));
            assertTrue(sched.spin_needbreak(lock), "spin_needbreak follows contention");
            assertSame(task_struct.current(), lock.owner(), "the waiter does not get in while we hold it");
            assertEquals(1, waiterHolds.getCount());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        CpuThread.await(waiterHolds, "waiter holds the lock");
        // One ticket outstanding again (the waiter's, now the holder's): not contended.
        assertTrue(spinlock_t.spin_is_locked(lock));
        assertFalse(spinlock_t.spin_is_contended(lock));
        assertFalse(sched.spin_needbreak(lock));
        assertSame(waiter.task(), lock.owner());
        waiterMayUnlock.countDown();
        waiter.join(JOIN_MS);
        assertFalse(spinlock_t.spin_is_locked(lock));
        assertFalse(spinlock_t.spin_is_contended(lock));
    }

    /** Tickets handed out so far minus tickets served: the holder plus everyone spinning. */
    static int ticketsOutstanding(spinlock_t lock) {
        try {
            java.lang.reflect.Field head = spinlock_t.class.getDeclaredField("head");
            java.lang.reflect.Field tail = spinlock_t.class.getDeclaredField("tail");
            head.setAccessible(true);
            tail.setAccessible(true);
            return ((AtomicInteger) tail.get(lock)).get() - ((AtomicInteger) head.get(lock)).get();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("spinlock_t no longer keeps head/tail tickets", e);
        }
    }

    @Test
    void waitersAreServedInTicketOrder() throws Exception {
        spinlock_t lock = spinlock_t.spin_lock_init("fifo");
        List<String> order = new ArrayList<>(); // appended under the lock only
        List<CpuThread> waiters = new ArrayList<>();
        spinlock_t.spin_lock(lock);
        try {
            for (int i = 0; i < 4; i++) {
                String name = "w" + i;
                waiters.add(CpuThread.start(name, () -> {
                    spinlock_t.spin_lock(lock);
                    order.add(name);
                    spinlock_t.spin_unlock(lock);
                }));
                final int expected = i + 2; // the holder's ticket and i + 1 waiters
                CpuThread.awaitTrue(name + " took its ticket", JOIN_MS, () -> ticketsOutstanding(lock) == expected);
            }
            assertTrue(order.isEmpty());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        for (CpuThread w : waiters) {
            w.join(JOIN_MS);
        }
        spinlock_t.spin_lock(lock);
        List<String> served = new ArrayList<>(order);
        spinlock_t.spin_unlock(lock);
        assertEquals(List.of("w0", "w1", "w2", "w3"), served, "a ticket lock serves waiters first come, first served");
    }

    @Test
    void condReschedLockLetsTheWaiterInAndTakesTheLockBack() throws Exception {
        spinlock_t lock = spinlock_t.spin_lock_init("cond_resched");
        noReschedDue();
        AtomicBoolean waiterWasIn = new AtomicBoolean();
        int base = preempt.preempt_count();
        spinlock_t.spin_lock(lock);
        CpuThread waiter = CpuThread.start("waiter", () -> {
            spinlock_t.spin_lock(lock);
            waiterWasIn.set(true);
            spinlock_t.spin_unlock(lock);
        });
        int r;
        try {
            CpuThread.awaitTrue("waiter queued on the lock", JOIN_MS, () -> spinlock_t.spin_is_contended(lock));
            assertTrue(sched.spin_needbreak(lock));
            r = sched.__cond_resched_lock(lock);
            // Ticket order: the waiter's ticket precedes the one we took again, so it has been in.
            assertTrue(waiterWasIn.get(), "__cond_resched_lock retook the lock before the waiter got in");
            assertSame(task_struct.current(), lock.owner(), "lock held again on return");
            assertEquals(base + 1, preempt.preempt_count());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        assertEquals(1, r, "dropped the lock: returns 1");
        waiter.join(JOIN_MS);
        assertEquals(base, preempt.preempt_count());
    }

    @Test
    void condReschedLockMacroAlsoBreaksForAWaiter() throws Exception {
        spinlock_t lock = spinlock_t.spin_lock_init("cond_resched_macro");
        noReschedDue();
        AtomicBoolean waiterWasIn = new AtomicBoolean();
        spinlock_t.spin_lock(lock);
        CpuThread waiter = CpuThread.start("waiter", () -> {
            spinlock_t.spin_lock(lock);
            waiterWasIn.set(true);
            spinlock_t.spin_unlock(lock);
        });
        int r;
        try {
            CpuThread.awaitTrue("waiter queued on the lock", JOIN_MS, () -> spinlock_t.spin_is_contended(lock));
            r = sched.cond_resched_lock(lock);
            assertTrue(waiterWasIn.get());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        assertEquals(1, r);
        waiter.join(JOIN_MS);
    }

    @Test
    void condReschedLockKeepsTheLockWhenNobodyWaitsAndNoReschedIsDue() {
        spinlock_t lock = spinlock_t.spin_lock_init("quiet");
        noReschedDue();
        int base = preempt.preempt_count();
        spinlock_t.spin_lock(lock);
        try {
            assertEquals(0, sched.__cond_resched_lock(lock));
            assertEquals(0, sched.cond_resched_lock(lock));
            assertSame(task_struct.current(), lock.owner());
            assertEquals(base + 1, preempt.preempt_count());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        assertEquals(base, preempt.preempt_count());
    }

    @Test
    void condReschedLockKeepsTheLockOnADueReschedAsV316DoesAndUnlockPreempts() {
        // v3.16 under CONFIG_PREEMPT: should_resched() (arch/x86/include/asm/preempt.h 96-99) is
        // false while the caller's spinlock holds preempt_count above zero, so
        // __cond_resched_lock (kernel/sched/core.c 4166-4185) breaks only for contention; the
        // due reschedule happens at spin_unlock, whose preempt_enable is a preemption point
        // (include/linux/preempt.h 53-58).
        spinlock_t lock = spinlock_t.spin_lock_init("resched");
        noReschedDue();
        task_struct me = task_struct.current();
        int base = preempt.preempt_count();
        spinlock_t.spin_lock(lock);
        try {
            sched.resched_curr(me); // the tick says our slice is over
            assertTrue(sched.need_resched());
            assertFalse(sched.should_resched(), "not while the lock keeps preempt_count up");
            assertEquals(0, sched.__cond_resched_lock(lock), "no waiter: the lock is kept");
            assertEquals(0, sched.cond_resched_lock(lock));
            assertSame(me, lock.owner());
            assertTrue(me.need_resched_flag, "the reschedule is still pending");
            assertEquals(base + 1, preempt.preempt_count());
        } finally {
            spinlock_t.spin_unlock(lock);
        }
        assertFalse(me.need_resched_flag, "spin_unlock's preempt_enable scheduled");
        assertEquals(base, preempt.preempt_count());
    }
}
