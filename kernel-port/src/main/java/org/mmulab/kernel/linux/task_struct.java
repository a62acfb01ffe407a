// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * The slice of {@code struct task_struct} (and of the per-CPU state a task sees while it runs) that
 * the ported paths touch: name, pid, preempt count, interrupt flag, need-resched flag.
 *
 * <p>The machine model: every Java thread is one task pinned to its own CPU, so per-CPU state
 * (preempt count, IRQ flag) lives here. {@link #current()} is the kernel's {@code current}.
 */
@KernelSource(file = "include/linux/sched.h", lines = "1224-1658", name = "struct task_struct",
        note = "only comm, pid, preempt_count, the IRQ flag and TIF_NEED_RESCHED; one CPU per thread")
public final class task_struct {
    private static final AtomicInteger next_pid = new AtomicInteger(1);
    private static final AtomicInteger next_cpu = new AtomicInteger(0);
    private static final ThreadLocal<task_struct> CURRENT = ThreadLocal.withInitial(task_struct::new);

    public final Thread thread;
    public final String comm;
    public final int pid;
    /** The CPU this task runs on; in this model each thread has its own. */
    public final int cpu;
    /** preempt_count(): raised by spin_lock, lowered by spin_unlock. */
    public int preempt_count;
    /** irqs_disabled() for this task's CPU; read by IPI senders on other CPUs. */
    public volatile boolean irqs_off;
    /** TIF_NEED_RESCHED, set by {@link sched#resched_curr(task_struct)} or by the time slice running out. */
    public volatile boolean need_resched_flag;
    /** TIF_SIGPENDING: a signal waits; KVM_RUN returns -EINTR to userspace when it sees it. */
    public volatile boolean sigpending;
    /**
     * The spinlocks this task holds, in the order taken: what an oops reports as left held. The
     * kernel only knows this under lockdep; the port always keeps it (a Java helper).
     */
    public final ArrayList<spinlock_t> spinlocks_held = new ArrayList<>(4);
    /** CONFIG_TRACE_IRQFLAGS's hardirq_context: hardirq nesting, kept by {@link irqflags#trace_hardirq_enter()}. */
    public int hardirq_context;
    /** CONFIG_TRACE_IRQFLAGS's softirq_context: softirq nesting, kept by {@link irqflags#lockdep_softirq_enter()}. */
    public int softirq_context;
    /** The softirqs raised on this task's CPU and not yet served (the port's __softirq_pending). */
    public final java.util.ArrayDeque<Runnable> softirq_pending = new java.util.ArrayDeque<>(2);
    /** When this task last went through the scheduler, for the time-slice model of need_resched(). */
    public long last_schedule_ns = System.nanoTime();

    private task_struct() {
        this.thread = Thread.currentThread();
        this.comm = thread.getName();
        this.pid = next_pid.getAndIncrement();
        this.cpu = next_cpu.getAndIncrement();
        smp.cpu_register(this);
    }

    /** The kernel's {@code current}. */
    public static task_struct current() {
        return CURRENT.get();
    }

    @Override
    public String toString() {
        return comm + "/" + pid;
    }
}
