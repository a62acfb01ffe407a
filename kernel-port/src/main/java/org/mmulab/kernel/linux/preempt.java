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
            bug.WARN_ON(true);
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
}
