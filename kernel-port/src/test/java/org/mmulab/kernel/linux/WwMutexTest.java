// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * {@code ww_mutex} (v3.16 include/linux/ww_mutex.h, kernel/locking/mutex.c 235-324): contexts draw
 * increasing stamps from their class; a context that holds locks and meets one held by an older
 * context gets -EDEADLK (wait-die), an older one waits; a context meeting its own lock gets
 * -EALREADY; after backing off, ww_mutex_lock_slow takes the contended lock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WwMutexTest {
    @Test
    void stampsIncreaseInInitOrder() {
        ww_class c = ww_class.DEFINE_WW_CLASS("t_stamp");
        ww_acquire_ctx first = new ww_acquire_ctx();
        ww_acquire_ctx second = new ww_acquire_ctx();
        // one context at a time per task: two held at once are recursive locking to lockdep
        // (lib/locking-selftest.c's ww_test_two_contexts)
        ww_mutex.ww_acquire_init(first, c);
        assertEquals("t_stamp_acquire", first.dep_map.name);
        ww_mutex.ww_acquire_fini(first);
        ww_mutex.ww_acquire_init(second, c);
        ww_mutex.ww_acquire_fini(second);
        assertTrue(first.stamp() < second.stamp(), "the context initialised first is older (lower stamp)");
    }

    @Test
    void lockingOwnLockAgainIsEalready() {
        ww_class c = ww_class.DEFINE_WW_CLASS("t_already");
        ww_mutex a = ww_mutex.ww_mutex_init(c);
        ww_acquire_ctx ctx = new ww_acquire_ctx();
        ww_mutex.ww_acquire_init(ctx, c);
        assertEquals(0, ww_mutex.ww_mutex_lock(a, ctx));
        assertSame(ctx, a.ctx(), "the lock records the context holding it");
        assertEquals(-errno.EALREADY, ww_mutex.ww_mutex_lock(a, ctx));
        assertEquals(1, ctx.acquired(), "-EALREADY takes nothing");
        ww_mutex.ww_mutex_unlock(a);
        assertEquals(0, ctx.acquired());
        assertNull(a.ctx());
        assertFalse(ww_mutex.ww_mutex_is_locked(a));
        ww_mutex.ww_acquire_fini(ctx);
    }

    @Test
    void trylockAndContextlessLock() {
        ww_class c = ww_class.DEFINE_WW_CLASS("t_try");
        ww_mutex a = ww_mutex.ww_mutex_init(c);
        assertTrue(ww_mutex.ww_mutex_trylock(a));
        assertFalse(ww_mutex.ww_mutex_trylock(a), "held: the second try fails");
        ww_mutex.ww_mutex_unlock(a);
        assertEquals(0, ww_mutex.ww_mutex_lock(a, null), "without a context it is a plain mutex_lock");
        assertTrue(ww_mutex.ww_mutex_is_locked(a));
        assertNull(a.ctx());
        ww_mutex.ww_mutex_unlock(a);
    }

    /**
     * The classic crossing: the older context holds a and waits for b; the younger holds b and
     * asks for a, gets -EDEADLK, backs off (unlocks b), which lets the older one through, then
     * takes a with ww_mutex_lock_slow once the older one is done.
     */
    @Test
    void youngerBacksOffOlderWaits() throws Exception {
        ww_class c = ww_class.DEFINE_WW_CLASS("t_wd");
        ww_mutex a = ww_mutex.ww_mutex_init(c);
        ww_mutex b = ww_mutex.ww_mutex_init(c);
        ww_acquire_ctx old = new ww_acquire_ctx();
        ww_acquire_ctx young = new ww_acquire_ctx();
        ww_mutex.ww_acquire_init(old, c);
        CountDownLatch youngHoldsB = new CountDownLatch(1);
        AtomicInteger youngFirstTry = new AtomicInteger(1);
        AtomicInteger oldGotB = new AtomicInteger(1);

        assertEquals(0, ww_mutex.ww_mutex_lock(a, old));
        CpuThread younger = CpuThread.start("younger", () -> {
            ww_mutex.ww_acquire_init(young, c); // in its own task, after old's: younger
            assertEquals(0, ww_mutex.ww_mutex_lock(b, young));
            youngHoldsB.countDown();
            // wait until the older context sleeps on b, then ask for a
            CpuThread.awaitTrue("old waits for b", 10_000, () -> mutex_waiting(b));
            youngFirstTry.set(ww_mutex.ww_mutex_lock(a, young));
            if (youngFirstTry.get() == -errno.EDEADLK) {
                ww_mutex.ww_mutex_unlock(b); // back off: release everything
                ww_mutex.ww_mutex_lock_slow(a, young);
                assertSame(young, a.ctx());
                assertEquals(0, ww_mutex.ww_mutex_lock(b, young));
                ww_mutex.ww_mutex_unlock(b);
                ww_mutex.ww_mutex_unlock(a);
            }
            ww_mutex.ww_acquire_fini(young);
        });
        CpuThread.await(youngHoldsB, "young holds b");
        oldGotB.set(ww_mutex.ww_mutex_lock(b, old)); // older: waits instead of backing off
        assertEquals(0, oldGotB.get(), "the older context waited and got b");
        assertEquals(2, old.acquired());
        ww_mutex.ww_mutex_unlock(b);
        ww_mutex.ww_mutex_unlock(a);
        ww_mutex.ww_acquire_fini(old);
        younger.join(10_000);
        assertEquals(-errno.EDEADLK, youngFirstTry.get(), "the younger context was told to back off");
        assertFalse(ww_mutex.ww_mutex_is_locked(a));
        assertFalse(ww_mutex.ww_mutex_is_locked(b));
    }

    @Test
    void contextWithNothingHeldWaitsRatherThanBackingOff() throws Exception {
        ww_class c = ww_class.DEFINE_WW_CLASS("t_empty");
        ww_mutex a = ww_mutex.ww_mutex_init(c);
        ww_acquire_ctx old = new ww_acquire_ctx();
        ww_acquire_ctx young = new ww_acquire_ctx();
        ww_mutex.ww_acquire_init(old, c);
        assertEquals(0, ww_mutex.ww_mutex_lock(a, old));
        AtomicInteger got = new AtomicInteger(1);
        CpuThread younger = CpuThread.start("younger", () -> {
            ww_mutex.ww_acquire_init(young, c); // in its own task, after old's: younger
            got.set(ww_mutex.ww_mutex_lock(a, young)); // acquired == 0: the stamp is not checked
            ww_mutex.ww_mutex_unlock(a);
            ww_mutex.ww_acquire_fini(young);
        });
        CpuThread.awaitTrue("young waits for a", 10_000, () -> mutex_waiting(a));
        ww_mutex.ww_mutex_unlock(a);
        ww_mutex.ww_acquire_fini(old);
        younger.join(10_000);
        assertEquals(0, got.get(), "holding nothing, even the younger context just waits");
    }

    /** Whether a task sleeps in __mutex_lock_common on the lock's base mutex. */
    private static boolean mutex_waiting(ww_mutex m) {
        return m.base.has_waiters();
    }
}
