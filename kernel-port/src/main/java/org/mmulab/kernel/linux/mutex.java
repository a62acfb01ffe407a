// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct mutex}: a sleeping lock with an owner. {@code mutex_lock} may sleep, so it starts
 * with {@code might_sleep()} as the kernel's does; a waiter parks until the owner hands over.
 * Not recursive: a second {@code mutex_lock} by the owner sleeps forever, as in the kernel.
 */
@KernelSource(file = "include/linux/mutex.h", lines = "50-65", name = "struct mutex")
public final class mutex {
    private final AtomicReference<task_struct> owner = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Thread> wait_list = new ConcurrentLinkedQueue<>();
    public final lockdep_map dep_map;
    /** The owner oopsed with it held: whoever waits for it gives up (see {@link Oops}). */
    private volatile boolean owner_died;

    private mutex(String name) {
        this.dep_map = new lockdep_map(name);
    }

    /** mutex_init(&kvm->slots_lock): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/mutex.h", lines = "94-99")
    public static mutex mutex_init(String name) {
        return new mutex(name);
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "101-111")
    public static void mutex_lock(mutex lock) {
        sched.might_sleep();
        task_struct me = task_struct.current();
        if (lock.owner.compareAndSet(null, me)) {
            return;
        }
        Thread self = Thread.currentThread();
        lock.wait_list.add(self);
        try {
            while (!lock.owner.compareAndSet(null, me)) {
                if (lock.owner_died) {
                    throw new VmDeadException(lock + " was left held by a task that oopsed");
                }
                LockSupport.park(lock);
            }
        } finally {
            lock.wait_list.remove(self);
        }
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "857-868")
    public static boolean mutex_trylock(mutex lock) {
        return lock.owner.compareAndSet(null, task_struct.current());
    }

    @KernelSource(file = "kernel/locking/mutex.c", lines = "205-220")
    public static void mutex_unlock(mutex lock) {
        task_struct me = task_struct.current();
        if (bug.WARN_ON(lock.owner.get() != me)) {
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
