// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct rw_semaphore}: the sleeping reader/writer lock, ported from the generic
 * spinlock-based implementation (kernel/locking/rwsem-spinlock.c, CONFIG_RWSEM_GENERIC_SPINLOCK):
 * {@code count} is 0 when free, the number of readers when read-held, -1 when write-held. Waiters
 * queue FIFO; a new reader queues behind any waiter, so a waiting writer is not starved. A
 * sleeping reader parks until a waker grants it the lock; a sleeping writer waits on this object's
 * monitor, which stands in for the raw wait_lock (invisible to lockdep, as the kernel's is).
 *
 * <p>The lock paths are kernel/locking/rwsem.c's: might_sleep first, then rwsem_acquire[_read],
 * then LOCK_CONTENDED over the __down_* trylock and sleeping paths.
 */
@KernelSource(file = "include/linux/rwsem-spinlock.h", lines = "23-30", name = "struct rw_semaphore",
        note = "the generic spinlock-based rwsem rather than x86's rwsem-xadd; same semantics")
public final class rw_semaphore {
    /** A queued down_read or down_write. */
    private static final class rwsem_waiter {
        final boolean write;
        /** Cleared by the waker when a reader is granted the lock (the kernel's waiter->task = NULL). */
        volatile Thread task;

        rwsem_waiter(boolean write) {
            this.write = write;
            this.task = Thread.currentThread();
        }
    }

    /** 0 free, >0 readers, -1 one writer. Guarded by this object's monitor. */
    private int count;
    private final ArrayDeque<rwsem_waiter> wait_list = new ArrayDeque<>();
    public final lockdep_map dep_map;

    private rw_semaphore(String name) {
        this.dep_map = new lockdep_map(name, this);
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "39-52")
    public static void __init_rwsem(rw_semaphore sem, String name, Object key) {
        debug_locks.debug_check_no_locks_freed(sem, 1);
        lockdep.lockdep_init_map(sem.dep_map, name, key, 0);
    }

    /** init_rwsem(&mm->mmap_sem): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/rwsem.h", lines = "87-92")
    public static rw_semaphore init_rwsem(String name) {
        rw_semaphore sem = new rw_semaphore(name);
        __init_rwsem(sem, name, name);
        return sem;
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "23-33")
    public static boolean rwsem_is_locked(rw_semaphore sem) {
        synchronized (sem) {
            return sem.count != 0;
        }
    }

    /** Whether anyone waits for the semaphore. */
    @KernelSource(file = "include/linux/rwsem.h", lines = "100-103")
    public static boolean rwsem_is_contended(rw_semaphore sem) {
        synchronized (sem) {
            return !sem.wait_list.isEmpty();
        }
    }

    // ---- rwsem-spinlock.c: the lock word and its wait queue ----

    /** Grants the lock to the first waiter if it is a writer (and wakewrite), else to the leading readers. */
    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "64-102")
    private void __rwsem_do_wake(boolean wakewrite) {
        rwsem_waiter waiter = wait_list.peekFirst();
        if (waiter.write) {
            if (wakewrite) {
                LockSupport.unpark(waiter.task);
            }
            return;
        }
        int woken = 0;
        while (waiter != null && !waiter.write) {
            wait_list.pollFirst();
            Thread tsk = waiter.task;
            waiter.task = null;
            LockSupport.unpark(tsk);
            woken++;
            waiter = wait_list.peekFirst();
        }
        count += woken;
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "107-116")
    private void __rwsem_wake_one_writer() {
        LockSupport.unpark(wait_list.peekFirst().task);
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "121-160")
    private void __down_read() {
        rwsem_waiter waiter;
        synchronized (this) {
            if (count >= 0 && wait_list.isEmpty()) {
                count++;
                return;
            }
            waiter = new rwsem_waiter(false);
            wait_list.addLast(waiter);
        }
        while (waiter.task != null) {
            LockSupport.park(this);
        }
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "165-182")
    private synchronized boolean __down_read_trylock() {
        if (count >= 0 && wait_list.isEmpty()) {
            count++;
            return true;
        }
        return false;
    }

    /** Queues as a writer and sleeps (Object.wait on the wait_lock monitor) until the count is 0. */
    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "187-221", name = "__down_write_nested")
    private void __down_write() {
        rwsem_waiter waiter = new rwsem_waiter(true);
        boolean interrupted = false;
        synchronized (this) {
            wait_list.addLast(waiter);
            while (count != 0) {
                try {
                    this.wait(); // drops the wait_lock while asleep, as the kernel's loop does
                } catch (InterruptedException e) {
                    interrupted = true; // TASK_UNINTERRUPTIBLE: keep waiting
                }
            }
            count = -1;
            wait_list.remove(waiter);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "231-247")
    private synchronized boolean __down_write_trylock() {
        if (count == 0) {
            count = -1;
            return true;
        }
        return false;
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "252-262")
    private synchronized void __up_read() {
        if (--count == 0 && !wait_list.isEmpty()) {
            __rwsem_wake_one_writer();
            notifyAll();
        }
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "267-278")
    private synchronized void __up_write() {
        count = 0;
        if (!wait_list.isEmpty()) {
            __rwsem_do_wake(true);
            notifyAll();
        }
    }

    @KernelSource(file = "kernel/locking/rwsem-spinlock.c", lines = "284-295")
    private synchronized void __downgrade_write() {
        count = 1;
        if (!wait_list.isEmpty()) {
            __rwsem_do_wake(false);
            notifyAll();
        }
    }

    // ---- kernel/locking/rwsem.c ----

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "39-45")
    public static void down_read(rw_semaphore sem) {
        sched.might_sleep();
        lockdep.rwsem_acquire_read(sem.dep_map, 0, 0, lockdep._RET_IP_());
        lockdep.LOCK_CONTENDED(sem.dep_map, sem::__down_read_trylock, sem::__down_read);
    }

    /** Takes the semaphore for reading if that needs no wait; boolean for the C int. */
    @KernelSource(file = "kernel/locking/rwsem.c", lines = "52-59")
    public static boolean down_read_trylock(rw_semaphore sem) {
        boolean ret = sem.__down_read_trylock();
        if (ret) {
            lockdep.rwsem_acquire_read(sem.dep_map, 0, 1, lockdep._RET_IP_());
        }
        return ret;
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "66-73", note = "no rwsem_set_owner (no optimistic spinning)")
    public static void down_write(rw_semaphore sem) {
        sched.might_sleep();
        lockdep.rwsem_acquire(sem.dep_map, 0, 0, lockdep._RET_IP_());
        lockdep.LOCK_CONTENDED(sem.dep_map, sem::__down_write_trylock, sem::__down_write);
    }

    /** Takes the semaphore for writing if it is free; boolean for the C int. */
    @KernelSource(file = "kernel/locking/rwsem.c", lines = "80-90")
    public static boolean down_write_trylock(rw_semaphore sem) {
        boolean ret = sem.__down_write_trylock();
        if (ret) {
            lockdep.rwsem_acquire(sem.dep_map, 0, 1, lockdep._RET_IP_());
        }
        return ret;
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "97-102")
    public static void up_read(rw_semaphore sem) {
        lockdep.rwsem_release(sem.dep_map, 1, lockdep._RET_IP_());
        sem.__up_read();
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "109-115")
    public static void up_write(rw_semaphore sem) {
        lockdep.rwsem_release(sem.dep_map, 1, lockdep._RET_IP_());
        sem.__up_write();
    }

    /** Turns the caller's write hold into a read hold, letting waiting readers in. Lockdep keeps it as a write. */
    @KernelSource(file = "kernel/locking/rwsem.c", lines = "122-130")
    public static void downgrade_write(rw_semaphore sem) {
        sem.__downgrade_write();
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "136-142")
    public static void down_read_nested(rw_semaphore sem, int subclass) {
        sched.might_sleep();
        lockdep.rwsem_acquire_read(sem.dep_map, subclass, 0, lockdep._RET_IP_());
        lockdep.LOCK_CONTENDED(sem.dep_map, sem::__down_read_trylock, sem::__down_read);
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "166-173")
    public static void down_write_nested(rw_semaphore sem, int subclass) {
        sched.might_sleep();
        lockdep.rwsem_acquire(sem.dep_map, subclass, 0, lockdep._RET_IP_());
        lockdep.LOCK_CONTENDED(sem.dep_map, sem::__down_write_trylock, sem::__down_write);
    }

    @KernelSource(file = "kernel/locking/rwsem.c", lines = "146-153", name = "_down_write_nest_lock",
            note = "rwsem.h 158-161's down_write_nest_lock; takes &(nest_lock)->dep_map directly")
    public static void down_write_nest_lock(rw_semaphore sem, lockdep_map nest_lock) {
        sched.might_sleep();
        lockdep.rwsem_acquire_nest(sem.dep_map, 0, 0, nest_lock, lockdep._RET_IP_());
        lockdep.LOCK_CONTENDED(sem.dep_map, sem::__down_write_trylock, sem::__down_write);
    }

    @Override
    public String toString() {
        return dep_map.name;
    }
}
