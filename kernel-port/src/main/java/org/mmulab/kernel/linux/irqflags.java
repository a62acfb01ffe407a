// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code include/linux/irqflags.h}. With interrupts off, this CPU does not take IPIs; turning them
 * back on delivers whatever is pending ({@link smp#handle_pending_ipis()}), which is how a flush
 * waiting in {@code smp_call_function_many} learns that a lockless walker has finished.
 */
@KernelSource(file = "include/linux/irqflags.h", lines = "1-150", name = "irqflags.h")
public final class irqflags {
    private irqflags() {}

    @KernelSource(file = "include/linux/irqflags.h", lines = "137")
    public static void local_irq_disable() {
        task_struct.current().irqs_off = true;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "136")
    public static void local_irq_enable() {
        task_struct.current().irqs_off = false;
        smp.handle_pending_ipis();
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "144")
    public static boolean irqs_disabled() {
        return task_struct.current().irqs_off;
    }
}
