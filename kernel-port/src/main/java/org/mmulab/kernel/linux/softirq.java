// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.mmulab.kernel.linux.preempt_mask.HARDIRQ_OFFSET;
import static org.mmulab.kernel.linux.preempt_mask.SOFTIRQ_DISABLE_OFFSET;
import static org.mmulab.kernel.linux.preempt_mask.SOFTIRQ_MASK;
import static org.mmulab.kernel.linux.preempt_mask.SOFTIRQ_OFFSET;

import org.mmulab.kernel.KernelSource;

/**
 * {@code kernel/softirq.c} with {@code include/linux/bottom_half.h} and {@code hardirq.h}'s
 * irq_enter/irq_exit, as a {@code CONFIG_TRACE_IRQFLAGS} kernel runs them: bottom halves are
 * disabled by adding {@link preempt_mask#SOFTIRQ_DISABLE_OFFSET} to preempt_count, a served
 * softirq adds {@link preempt_mask#SOFTIRQ_OFFSET}, a hardirq {@link preempt_mask#HARDIRQ_OFFSET},
 * and the {@link irqflags} trace hooks are called where v3.16 calls them.
 *
 * <p>The machine model has no interrupt controller: a test or scenario makes the current task take
 * an interrupt with {@link #run_in_hardirq(Runnable)} (the handler runs between irq_enter and
 * irq_exit, interrupts off, as do_IRQ runs it), and serves a softirq with
 * {@link #run_in_softirq(Runnable)} (raised, then run by do_softirq through __do_softirq). Softirq
 * "vectors" are the raised Runnables themselves, kept per task ({@link task_struct#softirq_pending}).
 */
@KernelSource(file = "kernel/softirq.c", lines = "1-784", name = "softirq.c")
public final class softirq {
    private softirq() {}

    // ---- bottom halves (softirq.c 94-175, bottom_half.h) ----

    @KernelSource(file = "kernel/softirq.c", lines = "95-119",
            note = "the CONFIG_TRACE_IRQFLAGS definition; no preempt tracer")
    static void __local_bh_disable_ip(long ip, int cnt) {
        bug.WARN_ON(preempt_mask.in_irq());

        long flags = irqflags.raw_local_irq_save();
        preempt.preempt_count_add(cnt);
        if (preempt_mask.softirq_count() == (cnt & SOFTIRQ_MASK)) {
            irqflags.trace_softirqs_off(ip);
        }
        irqflags.raw_local_irq_restore(flags);
    }

    @KernelSource(file = "kernel/softirq.c", lines = "123-130")
    static void __local_bh_enable(int cnt) {
        bug.WARN_ON(!irqflags.irqs_disabled());

        if (preempt_mask.softirq_count() == (cnt & SOFTIRQ_MASK)) {
            irqflags.trace_softirqs_on(lockdep._RET_IP_());
        }
        preempt.preempt_count_sub(cnt);
    }

    /** Re-enables bottom halves without running pending softirqs (and from a context that may not). */
    @KernelSource(file = "kernel/softirq.c", lines = "137-141")
    public static void _local_bh_enable() {
        bug.WARN_ON(preempt_mask.in_irq());
        __local_bh_enable(SOFTIRQ_DISABLE_OFFSET);
    }

    @KernelSource(file = "kernel/softirq.c", lines = "144-174")
    static void __local_bh_enable_ip(long ip, int cnt) {
        bug.WARN_ON(preempt_mask.in_irq() || irqflags.irqs_disabled());
        irqflags.local_irq_disable();
        if (preempt_mask.softirq_count() == SOFTIRQ_DISABLE_OFFSET) {
            irqflags.trace_softirqs_on(ip);
        }
        preempt.preempt_count_sub(cnt - 1);

        if (!preempt_mask.in_interrupt() && local_softirq_pending()) {
            do_softirq();
        }

        preempt.preempt_count_dec();
        irqflags.local_irq_enable();
        preempt.preempt_check_resched();
    }

    @KernelSource(file = "include/linux/bottom_half.h", lines = "17-20")
    public static void local_bh_disable() {
        __local_bh_disable_ip(lockdep._THIS_IP_(), SOFTIRQ_DISABLE_OFFSET);
    }

    @KernelSource(file = "include/linux/bottom_half.h", lines = "30-33")
    public static void local_bh_enable() {
        __local_bh_enable_ip(lockdep._THIS_IP_(), SOFTIRQ_DISABLE_OFFSET);
    }

    // ---- softirq processing (softirq.c 193-316, 394-427) ----

    @KernelSource(file = "include/linux/irq_cpustat.h", lines = "25-26",
            note = "whether this task's CPU has raised softirqs waiting")
    static boolean local_softirq_pending() {
        return !task_struct.current().softirq_pending.isEmpty();
    }

    @KernelSource(file = "kernel/softirq.c", lines = "200-212")
    static boolean lockdep_softirq_start() {
        boolean in_hardirq = false;
        if (irqflags.trace_hardirq_context(task_struct.current()) != 0) {
            in_hardirq = true;
            irqflags.trace_hardirq_exit();
        }
        irqflags.lockdep_softirq_enter();
        return in_hardirq;
    }

    @KernelSource(file = "kernel/softirq.c", lines = "214-220")
    static void lockdep_softirq_end(boolean in_hardirq) {
        irqflags.lockdep_softirq_exit();
        if (in_hardirq) {
            irqflags.trace_hardirq_enter();
        }
    }

    /**
     * Serves the raised softirqs with SOFTIRQ_OFFSET in preempt_count and interrupts on, then
     * re-checks once (the kernel restarts up to MAX_SOFTIRQ_RESTART times, then wakes ksoftirqd;
     * the port runs whatever was raised meanwhile in the same loop, bounded the same way).
     */
    @KernelSource(file = "kernel/softirq.c", lines = "226-298",
            note = "actions are Runnables; no jiffies budget; after MAX_SOFTIRQ_RESTART rounds the rest stay pending (no ksoftirqd)")
    static void __do_softirq() {
        task_struct me = task_struct.current();
        int max_restart = MAX_SOFTIRQ_RESTART;

        __local_bh_disable_ip(lockdep._RET_IP_(), SOFTIRQ_OFFSET);
        boolean in_hardirq = lockdep_softirq_start();
        try {
            while (true) {
                java.util.List<Runnable> pending = new java.util.ArrayList<>(me.softirq_pending);
                me.softirq_pending.clear();

                irqflags.local_irq_enable();
                for (Runnable h : pending) {
                    int prev_count = preempt.preempt_count();
                    h.run();
                    if (prev_count != preempt.preempt_count()) {
                        bug.WARN_ON(true); // the kernel's pr_err "huh, entered softirq ..."
                        me.preempt_count = prev_count;
                    }
                }
                irqflags.local_irq_disable();

                if (!local_softirq_pending() || sched.need_resched() || --max_restart == 0) {
                    break;
                }
            }
        } finally {
            lockdep_softirq_end(in_hardirq);
            __local_bh_enable(SOFTIRQ_OFFSET);
        }
        bug.WARN_ON(preempt_mask.in_interrupt());
    }

    @KernelSource(file = "kernel/softirq.c", lines = "191", name = "MAX_SOFTIRQ_RESTART")
    static final int MAX_SOFTIRQ_RESTART = 10;

    /** Serves pending softirqs from task context, unless already in interrupt context. */
    @KernelSource(file = "kernel/softirq.c", lines = "300-316", note = "do_softirq_own_stack is __do_softirq on the task's stack")
    public static void do_softirq() {
        if (preempt_mask.in_interrupt()) {
            return;
        }
        long flags = irqflags.local_irq_save();
        if (local_softirq_pending()) {
            __do_softirq();
        }
        irqflags.local_irq_restore(flags);
    }

    /** Marks {@code action} pending on this CPU; it runs at the next irq_exit / local_bh_enable / do_softirq. */
    @KernelSource(file = "kernel/softirq.c", lines = "423-427", note = "the action itself stands for the vector nr")
    static void __raise_softirq_irqoff(Runnable action) {
        task_struct.current().softirq_pending.add(action);
    }

    @KernelSource(file = "kernel/softirq.c", lines = "397-412", note = "no ksoftirqd to wake: outside interrupt context the action waits for do_softirq")
    public static void raise_softirq_irqoff(Runnable action) {
        __raise_softirq_irqoff(action);
    }

    @KernelSource(file = "kernel/softirq.c", lines = "414-421")
    public static void raise_softirq(Runnable action) {
        long flags = irqflags.local_irq_save();
        raise_softirq_irqoff(action);
        irqflags.local_irq_restore(flags);
    }

    // ---- hardirq entry and exit (hardirq.h 35-60, softirq.c 321-392) ----

    @KernelSource(file = "include/linux/hardirq.h", lines = "35-40", note = "no irq time accounting")
    public static void __irq_enter() {
        preempt.preempt_count_add(HARDIRQ_OFFSET);
        irqflags.trace_hardirq_enter();
    }

    @KernelSource(file = "include/linux/hardirq.h", lines = "50-55", note = "no irq time accounting")
    public static void __irq_exit() {
        irqflags.trace_hardirq_exit();
        preempt.preempt_count_sub(HARDIRQ_OFFSET);
    }

    /** Enters hardirq context. No RCU and no idle-task tick: the port has neither. */
    @KernelSource(file = "kernel/softirq.c", lines = "321-335", note = "rcu_irq_enter and the idle tick left out")
    public static void irq_enter() {
        __irq_enter();
    }

    @KernelSource(file = "kernel/softirq.c", lines = "337-358", note = "the softirqs run on the task's stack (do_softirq_own_stack)")
    static void invoke_softirq() {
        __do_softirq();
    }

    /** Leaves hardirq context and serves softirqs raised meanwhile when back outside interrupts. */
    @KernelSource(file = "kernel/softirq.c", lines = "376-392", note = "x86 has no __ARCH_IRQ_EXIT_IRQS_DISABLED; no tick or RCU")
    public static void irq_exit() {
        irqflags.local_irq_disable();
        preempt.preempt_count_sub(HARDIRQ_OFFSET);
        if (!preempt_mask.in_interrupt() && local_softirq_pending()) {
            invoke_softirq();
        }
        irqflags.trace_hardirq_exit(); // must be last
    }

    // ---- the machine's way in: take an interrupt / serve a softirq on the current task ----

    /**
     * Runs {@code handler} as an interrupt handler on the current task: the CPU clears IF on
     * delivery, the entry code tells lockdep (TRACE_IRQS_OFF), do_IRQ brackets the handler with
     * irq_enter/irq_exit, and the return path (ret_from_intr, TRACE_IRQS_IRETQ) restores the
     * interrupted context's flags. Softirqs the handler raised run at irq_exit, unless the
     * interrupted context was already in interrupt context or had bottom halves off.
     */
    @KernelSource(file = "arch/x86/kernel/irq.c", lines = "187-216", name = "do_IRQ",
            note = "with entry_64.S common_interrupt/ret_from_intr (764-832): IF cleared and TRACE_IRQS_OFF on entry, TRACE_IRQS_IRETQ on return")
    public static void run_in_hardirq(Runnable handler) {
        long flags = irqflags.raw_local_irq_save();
        irqflags.trace_hardirqs_off();
        irq_enter();
        try {
            handler.run();
        } finally {
            irq_exit();
            irqflags.raw_local_irq_disable();
            irqflags.trace_hardirqs_off();
            if (!irqflags.raw_irqs_disabled_flags(flags)) {
                irqflags.trace_hardirqs_on();
            }
            irqflags.raw_local_irq_restore(flags);
        }
    }

    /**
     * Raises {@code action} as a softirq and serves it at once through do_softirq, as a
     * local_bh_enable or an irq_exit would: it runs in softirq context (in_serving_softirq()) with
     * interrupts on. Called in interrupt context or with bottom halves off, it stays pending until
     * that context ends, as in the kernel.
     */
    // A machine helper, not a kernel element: raise_softirq (softirq.c 414-421), then do_softirq (300-316).
    public static void run_in_softirq(Runnable action) {
        raise_softirq(action);
        do_softirq();
    }
}
