// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * The scheduler hooks the MMU paths call: {@code need_resched}, {@code cond_resched_lock},
 * {@code spin_needbreak}, {@code might_sleep}.
 *
 * <p>Model: the port behaves like a {@code CONFIG_PREEMPT=y} kernel (so {@code spin_needbreak}
 * reports real contention on a ticket lock) built without {@code CONFIG_DEBUG_ATOMIC_SLEEP} (so
 * {@code __might_sleep} is empty until the lockdep agent weaves it). {@code TIF_NEED_RESCHED} is
 * set when a task has run longer than {@link #sched_slice_ns} since it last scheduled, or when
 * someone calls {@link #resched_curr(task_struct)}.
 */
@KernelSource(file = "include/linux/sched.h", lines = "1-2999", name = "sched.h")
public final class sched {
    private sched() {}

    /** The time slice after which {@code need_resched()} turns true: 4 ms, one tick at HZ=250. */
    public static volatile long sched_slice_ns = 4_000_000L;

    /** PREEMPT_OFFSET: what one spin_lock adds to preempt_count. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "42", name = "PREEMPT_OFFSET")
    public static final int PREEMPT_OFFSET = 1;

    /** PREEMPT_LOCK_OFFSET: the one spinlock cond_resched_lock() may be called with. */
    @KernelSource(file = "include/linux/sched.h", lines = "2730", name = "PREEMPT_LOCK_OFFSET")
    public static final int PREEMPT_LOCK_OFFSET = PREEMPT_OFFSET;

    /** Sets TIF_NEED_RESCHED on a task, as the scheduler tick would. */
    @KernelSource(file = "kernel/sched/core.c", lines = "596-616", name = "resched_task",
            note = "sets the flag only; there is no run queue")
    public static void resched_curr(task_struct t) {
        t.need_resched_flag = true;
    }

    @KernelSource(file = "include/linux/sched.h", lines = "2846-2849")
    public static boolean need_resched() {
        task_struct t = task_struct.current();
        if (!t.need_resched_flag && System.nanoTime() - t.last_schedule_ns > sched_slice_ns) {
            t.need_resched_flag = true;
        }
        return t.need_resched_flag;
    }

    /** should_resched(): a reschedule is pending and preemption is allowed. */
    @KernelSource(file = "arch/x86/include/asm/preempt.h", lines = "96-99")
    public static boolean should_resched() {
        return task_struct.current().preempt_count == 0 && need_resched();
    }

    /** schedule(): the task gives up its CPU. Here: a Java yield, and the slice starts again. */
    @KernelSource(file = "kernel/sched/core.c", lines = "2826-2834", name = "schedule",
            note = "Thread.yield(); no run queue is modelled")
    public static void schedule() {
        task_struct t = task_struct.current();
        t.need_resched_flag = false;
        Thread.yield();
        t.last_schedule_ns = System.nanoTime();
    }

    @KernelSource(file = "kernel/sched/core.c", lines = "4141-4146")
    static void __cond_resched() {
        schedule();
    }

    @KernelSource(file = "kernel/sched/core.c", lines = "4148-4156", name = "_cond_resched")
    public static int cond_resched() {
        __might_sleep("include/linux/sched.h", 2723, 0);
        if (should_resched()) {
            __cond_resched();
            return 1;
        }
        return 0;
    }

    /** spin_needbreak(): with CONFIG_PREEMPT, whether another CPU waits for the lock. */
    @KernelSource(file = "include/linux/sched.h", lines = "2761-2768")
    public static boolean spin_needbreak(spinlock_t lock) {
        return spinlock_t.spin_is_contended(lock);
    }

    /**
     * cond_resched_lock(): the macro at sched.h 2735-2738 checks for sleeping with exactly this one
     * spinlock held ({@link #PREEMPT_LOCK_OFFSET}), then calls {@link #__cond_resched_lock}.
     */
    @KernelSource(file = "include/linux/sched.h", lines = "2735-2738")
    public static int cond_resched_lock(spinlock_t lock) {
        __might_sleep("include/linux/sched.h", 2736, PREEMPT_LOCK_OFFSET);
        return __cond_resched_lock(lock);
    }

    /**
     * Drops {@code lock} when another CPU waits for it or a reschedule is due, then takes it
     * again; returns 1 if it did. Faithful to v3.16, including its flaw: the caller's spinlock
     * keeps preempt_count above zero, so {@link #should_resched()} is always false here and the
     * lock is dropped only on contention (a later kernel compares against PREEMPT_LOCK_OFFSET).
     * A due reschedule still happens, at the caller's spin_unlock (a preemption point).
     */
    @KernelSource(file = "kernel/sched/core.c", lines = "4166-4185")
    public static int __cond_resched_lock(spinlock_t lock) {
        boolean resched = should_resched();
        int ret = 0;

        lockdep.lockdep_assert_held(lock);

        if (spin_needbreak(lock) || resched) {
            spinlock_t.spin_unlock(lock);
            if (resched) {
                __cond_resched();
            } else {
                cpu_relax();
            }
            ret = 1;
            spinlock_t.spin_lock(lock);
        }
        return ret;
    }

    @KernelSource(file = "include/linux/sched.h", lines = "2688-2691")
    public static boolean signal_pending(task_struct p) {
        return p.sigpending;
    }

    /** might_sleep(): an annotation for code that may sleep; see {@link #__might_sleep}. */
    @KernelSource(file = "include/linux/kernel.h", lines = "181")
    public static void might_sleep() {
        __might_sleep("include/linux/kernel.h", 181, 0);
    }

    /**
     * The check behind might_sleep(). Empty: this is a kernel without
     * {@code CONFIG_DEBUG_ATOMIC_SLEEP} (kernel.h 179-180). The lockdep agent weaves the check of
     * kernel/sched/core.c 7043- into this method: preempt_count above {@code preempt_offset}, or
     * interrupts off, means "sleeping function called from invalid context".
     */
    @KernelSource(file = "include/linux/kernel.h", lines = "179-180",
            note = "empty as without CONFIG_DEBUG_ATOMIC_SLEEP; woven by the lockdep agent")
    public static void __might_sleep(String file, int line, int preempt_offset) {
        // CONFIG_DEBUG_ATOMIC_SLEEP=n: nothing to check.
    }

    /** cpu_relax(): the PAUSE instruction of a spin loop. */
    @KernelSource(file = "arch/x86/include/asm/processor.h", lines = "694-697")
    public static void cpu_relax() {
        Thread.onSpinWait();
    }
}
