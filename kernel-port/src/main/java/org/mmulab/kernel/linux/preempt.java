// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/** {@code include/linux/preempt.h}: the preempt count that makes a spinlock holder atomic. */
@KernelSource(file = "include/linux/preempt.h", lines = "1-195", name = "preempt.h")
public final class preempt {
    private preempt() {}

    @KernelSource(file = "include/linux/preempt.h", lines = "38-42", name = "preempt_disable")
    public static void preempt_disable() {
        task_struct.current().preempt_count++;
    }

    /**
     * CONFIG_PREEMPT: dropping the count to zero is a preemption point, so a task whose time
     * slice ran out while it held a spinlock gives up the CPU at the unlock.
     */
    @KernelSource(file = "include/linux/preempt.h", lines = "53-58", name = "preempt_enable")
    public static void preempt_enable() {
        task_struct t = task_struct.current();
        if (t.preempt_count == 0) {
            // CONFIG_DEBUG_PREEMPT's DEBUG_LOCKS_WARN_ON (sched/core.c preempt_count_sub): quiet while
            // debug_locks_silent is set (the locking self-test); otherwise a WARN each time
            debug_locks.DEBUG_LOCKS_WARN_ON_KEEP(true);
            return;
        }
        if (--t.preempt_count == 0 && !t.irqs_off && sched.need_resched()) {
            sched.schedule(); // __preempt_schedule -> preempt_schedule
        }
    }

    @KernelSource(file = "arch/x86/include/asm/preempt.h", lines = "20-23")
    public static int preempt_count() {
        return task_struct.current().preempt_count;
    }

    /** Overwrites this CPU's preempt count (the locking self-test restores it after each case). */
    @KernelSource(file = "arch/x86/include/asm/preempt.h", lines = "25-28")
    public static void preempt_count_set(int pc) {
        task_struct.current().preempt_count = pc;
    }

    /** Adds {@code val} to this CPU's preempt count (the softirq and hardirq bits go through here). */
    @KernelSource(file = "include/linux/preempt.h", lines = "25", note = "__preempt_count_add, arch/x86/include/asm/preempt.h 73-76")
    public static void preempt_count_add(int val) {
        task_struct.current().preempt_count += val;
    }

    /** Subtracts {@code val} from this CPU's preempt count. */
    @KernelSource(file = "include/linux/preempt.h", lines = "26", note = "__preempt_count_sub, arch/x86/include/asm/preempt.h 78-81")
    public static void preempt_count_sub(int val) {
        task_struct.current().preempt_count -= val;
    }

    @KernelSource(file = "include/linux/preempt.h", lines = "34")
    public static void preempt_count_dec() {
        preempt_count_sub(1);
    }

    /** CONFIG_PREEMPT: a preemption point once the count is back to zero. */
    @KernelSource(file = "include/linux/preempt.h", lines = "60-64")
    public static void preempt_check_resched() {
        if (sched.should_resched() && !task_struct.current().irqs_off) {
            sched.schedule(); // __preempt_schedule
        }
    }
}
