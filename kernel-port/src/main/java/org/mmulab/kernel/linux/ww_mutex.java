// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct ww_mutex}: a mutex ({@link #base}) that records the acquire context holding it, so a
 * second context contending for it can tell by their stamps which one backs off. v3.16 implements
 * wait-die: a context that already holds ww_mutexes and finds this one held by an older context
 * (lower stamp) gets -EDEADLK and must release everything, then ww_mutex_lock_slow the contended
 * lock; an older context waits. Taking a lock the context already holds returns -EALREADY.
 */
@KernelSource(file = "include/linux/ww_mutex.h", lines = "45-51", name = "struct ww_mutex")
public final class ww_mutex {
    public final mutex base;
    /** The acquire context holding the lock, or null (also null when taken without one). */
    public volatile ww_acquire_ctx ctx;
    final ww_class ww_class;

    private ww_mutex(ww_class ww_class) {
        this.ww_class = ww_class;
        this.base = mutex.ww_base(this, ww_class.mutex_name, ww_class.mutex_key);
    }

    @KernelSource(file = "include/linux/ww_mutex.h", lines = "85-93")
    public static ww_mutex ww_mutex_init(ww_class ww_class) {
        return new ww_mutex(ww_class);
    }

    /** Starts an acquire context: a new stamp from the class, and (lockdep) the context's map held. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "119-140",
            note = "no debug_check_no_locks_freed (the port has no freed memory to check); no deadlock injection")
    public static void ww_acquire_init(ww_acquire_ctx ctx, ww_class ww_class) {
        ctx.task = task_struct.current();
        ctx.stamp = ww_class.stamp.incrementAndGet();
        ctx.acquired = 0;
        ctx.ww_class = ww_class;
        ctx.done_acquire = 0;
        ctx.contending_lock = null;
        ctx.dep_map.name = ww_class.acquire_name;
        ctx.dep_map.key = ww_class.acquire_key;
        lockdep.lockdep_init_map(ctx.dep_map, ww_class.acquire_name, ww_class.acquire_key, 0);
        lockdep.mutex_acquire(ctx.dep_map, 0, 0, lockdep._RET_IP_());
    }

    /** Marks the end of the acquire phase: no more ww_mutex_lock in this context. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "153-161")
    public static void ww_acquire_done(ww_acquire_ctx ctx) {
        lockdep.lockdep_assert_held(ctx);
        debug_locks.DEBUG_LOCKS_WARN_ON(ctx.done_acquire != 0);
        ctx.done_acquire = 1;
    }

    /** Ends the context; every ww_mutex taken in it must have been unlocked. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "170-187",
            note = "CONFIG_PROVE_LOCKING and CONFIG_DEBUG_LOCK_ALLOC both on: neither config_enabled branch runs")
    public static void ww_acquire_fini(ww_acquire_ctx ctx) {
        lockdep.mutex_release(ctx.dep_map, 0, lockdep._THIS_IP_());
        debug_locks.DEBUG_LOCKS_WARN_ON(ctx.acquired != 0);
    }

    /**
     * Whether a context that holds locks must back off from {@code lock}: -EALREADY when it is its
     * own, -EDEADLK when the holder's context is older (lower stamp; equal stamps are ordered by the
     * contexts' addresses, here by identity hash), 0 to wait.
     */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "262-284",
            note = "the ctx > hold_ctx address tie-break becomes an identity-hash comparison")
    static int __mutex_lock_check_stamp(mutex lock, ww_acquire_ctx ctx) {
        ww_mutex ww = lock.ww;
        ww_acquire_ctx hold_ctx = ww.ctx;

        if (hold_ctx == null) {
            return 0;
        }
        if (ctx == hold_ctx) {
            return -errno.EALREADY;
        }
        if (ctx.stamp - hold_ctx.stamp >= 0
                && (ctx.stamp != hold_ctx.stamp
                    || System.identityHashCode(ctx) > System.identityHashCode(hold_ctx))) {
            debug_locks.DEBUG_LOCKS_WARN_ON(ctx.contending_lock != null);
            ctx.contending_lock = ww;
            return -errno.EDEADLK;
        }
        return 0;
    }

    /** The CONFIG_DEBUG_MUTEXES checks of a ww acquisition, then one more lock in the context. */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "286-324")
    static void ww_mutex_lock_acquired(ww_mutex ww, ww_acquire_ctx ww_ctx) {
        debug_locks.DEBUG_LOCKS_WARN_ON(ww.ctx != null);
        debug_locks.DEBUG_LOCKS_WARN_ON(ww_ctx.done_acquire != 0);
        if (ww_ctx.contending_lock != null) {
            debug_locks.DEBUG_LOCKS_WARN_ON(ww_ctx.contending_lock != ww);
            debug_locks.DEBUG_LOCKS_WARN_ON(ww_ctx.acquired > 0);
            ww_ctx.contending_lock = null;
        }
        debug_locks.DEBUG_LOCKS_WARN_ON(ww_ctx.ww_class != ww.ww_class);
        ww_ctx.acquired++;
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "648-660", name = "__ww_mutex_lock",
            note = "the CONFIG_DEBUG_LOCK_ALLOC one; no deadlock injection")
    static int __ww_mutex_lock(ww_mutex lock, ww_acquire_ctx ctx) {
        sched.might_sleep();
        return mutex.__mutex_lock_common(lock.base, mutex.TASK_UNINTERRUPTIBLE, 0, ctx.dep_map,
                lockdep._RET_IP_(), ctx, true);
    }

    /**
     * Takes {@code lock} in context {@code ctx}: 0 when taken, -EDEADLK when the context must back
     * off (release all its ww_mutexes, then ww_mutex_lock_slow this one), -EALREADY when it holds
     * it already. Without a context it is a plain mutex_lock.
     */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "223-230",
            note = "without ctx: mutex_lock's body, not the by-name-woven mutex_lock")
    public static int ww_mutex_lock(ww_mutex lock, ww_acquire_ctx ctx) {
        if (ctx != null) {
            return __ww_mutex_lock(lock, ctx);
        }
        sched.might_sleep();
        mutex.__mutex_lock_common(lock.base, mutex.TASK_UNINTERRUPTIBLE, 0, null, lockdep._RET_IP_(), null, false);
        return 0;
    }

    /** After -EDEADLK and releasing everything: sleeps until the contended lock is free and takes it. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "294-303")
    public static void ww_mutex_lock_slow(ww_mutex lock, ww_acquire_ctx ctx) {
        debug_locks.DEBUG_LOCKS_WARN_ON(ctx.contending_lock == null);
        ww_mutex_lock(lock, ctx);
    }

    /** Takes the lock if it is free, outside any context. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "349-352",
            note = "mutex_trylock's body, not the by-name-woven mutex_trylock; boolean for the C int")
    public static boolean ww_mutex_trylock(ww_mutex lock) {
        return mutex.__mutex_trylock(lock.base);
    }

    /** Drops the lock and, when taken in a context, one count of that context. */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "235-259")
    public static void ww_mutex_unlock(ww_mutex lock) {
        ww_acquire_ctx c = lock.ctx;
        if (c != null) {
            debug_locks.DEBUG_LOCKS_WARN_ON(c.acquired == 0);
            if (c.acquired > 0) {
                c.acquired--;
            }
            lock.ctx = null;
        }
        mutex.__mutex_unlock_slowpath(lock.base);
    }

    @KernelSource(file = "include/linux/ww_mutex.h", lines = "373-376")
    public static boolean ww_mutex_is_locked(ww_mutex lock) {
        return mutex.mutex_is_locked(lock.base);
    }

    /** The context holding the lock, or null. */
    public ww_acquire_ctx ctx() {
        return ctx;
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
