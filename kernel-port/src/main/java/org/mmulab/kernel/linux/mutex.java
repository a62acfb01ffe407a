// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct mutex}: a sleeping lock with an owner. {@code mutex_lock} may sleep, so it starts
 * with {@code might_sleep()} as the kernel's does; then {@code __mutex_lock_common} tells lockdep
 * ({@code mutex_acquire_nest}), tries the lock, reports contention ({@code lock_contended}) and
 * waits, and reports the acquisition ({@code lock_acquired}), as v3.16's kernel/locking/mutex.c
 * with CONFIG_DEBUG_LOCK_ALLOC does. A waiter parks until the owner hands over.
 * Not recursive: a second {@code mutex_lock} by the owner sleeps forever, as in the kernel.
 */
@KernelSource(file = "include/linux/mutex.h", lines = "50-65", name = "struct mutex")
public final class mutex {
    /** The lock word: the owner, null when free (the kernel's count plus its CONFIG_DEBUG_MUTEXES owner). */
    private final AtomicReference<task_struct> owner = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Thread> wait_list = new ConcurrentLinkedQueue<>();
    public final lockdep_map dep_map;
    /** The owner oopsed with it held: whoever waits for it gives up (see {@link Oops}). */
    private volatile boolean owner_died;
    /** The ww_mutex this mutex is the {@code base} of, or null: the port's container_of. */
    final ww_mutex ww;

    @KernelSource(file = "include/linux/sched.h", lines = "202")
    public static final int TASK_INTERRUPTIBLE = 1;
    @KernelSource(file = "include/linux/sched.h", lines = "203")
    public static final int TASK_UNINTERRUPTIBLE = 2;

    private mutex(String name, ww_mutex ww) {
        this.dep_map = new lockdep_map(name, this);
        this.ww = ww;
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "55-67", note = "the key is the name unless a ww_class gives one")
    public static void __mutex_init(mutex lock, String name, Object key) {
        debug_locks.debug_check_no_locks_freed(lock, 1); // debug_mutex_init, mutex-debug.c 100
        lockdep.lockdep_init_map(lock.dep_map, name, key, 0);
    }

    /** mutex_init(&kvm->slots_lock): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/mutex.h", lines = "94-99")
    public static mutex mutex_init(String name) {
        mutex lock = new mutex(name, null);
        __mutex_init(lock, name, name);
        return lock;
    }

    /** The base mutex of a ww_mutex, filed under the class's mutex name and key. */
    static mutex ww_base(ww_mutex ww, String name, Object key) {
        mutex lock = new mutex(name, ww);
        lock.dep_map.key = key;
        __mutex_init(lock, name, key);
        return lock;
    }

    /**
     * The common sleeping path of every mutex_lock variant. Returns 0 with the lock held, or
     * -EINTR (interruptible, a signal is pending) / -EDEADLK / -EALREADY (a ww context must back
     * off) with lockdep told of the release.
     */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "374-580",
            note = "no optimistic spinning; wait_lock is the lock-free wait_list; a waiter parks instead of schedule()")
    static int __mutex_lock_common(mutex lock, int state, int subclass, lockdep_map nest_lock, long ip,
                                   ww_acquire_ctx ww_ctx, boolean use_ww_ctx) {
        task_struct task = task_struct.current();
        int ret;

        preempt.preempt_disable();
        lockdep.mutex_acquire_nest(lock.dep_map, subclass, 0, nest_lock, ip);

        if (!lock.owner.compareAndSet(null, task)) {
            Thread self = Thread.currentThread();
            lock.wait_list.add(self);
            lockdep.lock_contended(lock.dep_map, ip);
            try {
                for (;;) {
                    if (lock.owner.compareAndSet(null, task)) {
                        break;
                    }
                    if (lock.owner_died) {
                        lockdep.mutex_release(lock.dep_map, 1, ip);
                        preempt.preempt_enable();
                        throw new VmDeadException(lock + " was left held by a task that oopsed");
                    }
                    if (state == TASK_INTERRUPTIBLE && sched.signal_pending(task)) {
                        ret = -errno.EINTR;
                        return err(lock, ret, ip);
                    }
                    if (use_ww_ctx && ww_ctx.acquired > 0) {
                        ret = ww_mutex.__mutex_lock_check_stamp(lock, ww_ctx);
                        if (ret != 0) {
                            return err(lock, ret, ip);
                        }
                    }
                    LockSupport.park(lock);
                }
            } finally {
                lock.wait_list.remove(self);
            }
        }

        // skip_wait: got the lock
        lockdep.lock_acquired(lock.dep_map, ip);
        if (use_ww_ctx) {
            ww_mutex.ww_mutex_lock_acquired(lock.ww, ww_ctx);
            lock.ww.ctx = ww_ctx;
            // waiters recheck whether they must back off
            for (Thread t : lock.wait_list) {
                LockSupport.unpark(t);
            }
        }
        preempt.preempt_enable();
        return 0;
    }

    private static int err(mutex lock, int ret, long ip) {
        lockdep.mutex_release(lock.dep_map, 1, ip);
        preempt.preempt_enable();
        return ret;
    }

    /** With CONFIG_DEBUG_LOCK_ALLOC, mutex.h 147 makes this mutex_lock_nested(lock, 0). */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "101-111",
            note = "body of mutex_lock_nested (mutex.c 583-589): might_sleep, then __mutex_lock_common")
    public static void mutex_lock(mutex lock) {
        sched.might_sleep();
        __mutex_lock_common(lock, TASK_UNINTERRUPTIBLE, 0, null, lockdep._RET_IP_(), null, false);
    }

    /** Takes a second mutex of a class already held, one nesting level deeper. */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "583-589")
    public static void mutex_lock_nested(mutex lock, int subclass) {
        sched.might_sleep();
        __mutex_lock_common(lock, TASK_UNINTERRUPTIBLE, subclass, null, lockdep._RET_IP_(), null, false);
    }

    /** Takes a mutex of a class already held, serialised by {@code nest_lock} (the outer lock's dep_map). */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "593-599", name = "_mutex_lock_nest_lock",
            note = "mutex.h 151-155's mutex_lock_nest_lock; takes &(nest_lock)->dep_map directly")
    public static void mutex_lock_nest_lock(mutex lock, lockdep_map nest_lock) {
        sched.might_sleep();
        __mutex_lock_common(lock, TASK_UNINTERRUPTIBLE, 0, nest_lock, lockdep._RET_IP_(), null, false);
    }

    /** Like mutex_lock, but a pending signal ends the wait: 0 with the lock held, or -EINTR. */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "747-758",
            note = "body of mutex_lock_interruptible_nested (mutex.c 612-618)")
    public static int mutex_lock_interruptible(mutex lock) {
        sched.might_sleep();
        return __mutex_lock_common(lock, TASK_INTERRUPTIBLE, 0, null, lockdep._RET_IP_(), null, false);
    }

    /** Takes the mutex if it is free; lockdep hears of it only when taken (trylock = 1). */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "857-868",
            note = "__mutex_trylock_slowpath (mutex.c 820-841) tells lockdep; boolean for the C int")
    public static boolean mutex_trylock(mutex lock) {
        return __mutex_trylock(lock);
    }

    /** mutex_trylock's body, for the ww_mutex path (so that today's by-name weaving stays paired). */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "820-841", name = "__mutex_trylock_slowpath")
    static boolean __mutex_trylock(mutex lock) {
        if (lock.owner.compareAndSet(null, task_struct.current())) {
            lockdep.mutex_acquire(lock.dep_map, 0, 1, lockdep._RET_IP_());
            return true;
        }
        return false;
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "205-220",
            note = "with CONFIG_DEBUG_MUTEXES every unlock takes __mutex_unlock_common_slowpath (mutex.c 684-714)")
    public static void mutex_unlock(mutex lock) {
        __mutex_unlock_slowpath(lock);
    }

    /** Tells lockdep, checks the owner (CONFIG_DEBUG_MUTEXES), frees the lock and wakes the first waiter. */
    @KernelSource(file = "kernel/locking/mutex.c", lines = "684-714", name = "__mutex_unlock_common_slowpath",
            note = "nested = 1 as __mutex_unlock_slowpath passes it")
    static void __mutex_unlock_slowpath(mutex lock) {
        lockdep.mutex_release(lock.dep_map, 1, lockdep._RET_IP_());
        task_struct me = task_struct.current();
        if (debug_locks.DEBUG_LOCKS_WARN_ON_KEEP(lock.owner.get() != me)) { // debug_mutex_unlock
            return;
        }
        lock.owner.set(null);
        Thread next = lock.wait_list.peek();
        if (next != null) {
            LockSupport.unpark(next);
        }
    }

    @KernelSource(file = "include/linux/mutex.h", lines = "129-132")
    public static boolean mutex_is_locked(mutex lock) {
        return lock.owner.get() != null;
    }

    /** Whether a task waits for the mutex (the wait_list is not empty). */
    boolean has_waiters() {
        return !wait_list.isEmpty();
    }

    /** Marks the mutex abandoned by an oops and wakes its waiters, who then give up. */
    void owner_died() {
        owner_died = true;
        for (Thread t : wait_list) {
            LockSupport.unpark(t);
        }
    }

    /** The owning task, or null (the kernel keeps it under CONFIG_DEBUG_MUTEXES). */
    public task_struct owner() {
        return owner.get();
    }

    @Override
    public String toString() {
        return dep_map.name;
    }
}
