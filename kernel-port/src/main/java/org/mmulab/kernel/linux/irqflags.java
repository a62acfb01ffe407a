// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code include/linux/irqflags.h} as a {@code CONFIG_TRACE_IRQFLAGS} kernel has it: the
 * {@code local_irq_*} wrappers call the {@code trace_hardirqs_on/off} hooks around the raw flag
 * change, in the kernel's order. The hooks themselves ({@code trace_*}, {@code lockdep_softirq_*})
 * are empty here, as with {@code CONFIG_TRACE_IRQFLAGS=n}; the lockdep agent weaves them.
 *
 * <p>With interrupts off, this CPU does not take IPIs; turning them back on delivers whatever is
 * pending ({@link smp#handle_pending_ipis()}), which is how a flush waiting in
 * {@code smp_call_function_many} learns that a lockless walker has finished.
 */
@KernelSource(file = "include/linux/irqflags.h", lines = "1-150", name = "irqflags.h")
public final class irqflags {
    private irqflags() {}

    /** The x86 EFLAGS.IF bit: set in saved flags when interrupts were on. */
    @KernelSource(file = "arch/x86/include/uapi/asm/processor-flags.h", lines = "25", name = "X86_EFLAGS_IF")
    public static final long X86_EFLAGS_IF = 0x00000200L;

    // ---- hooks: CONFIG_TRACE_IRQFLAGS=y declarations, =n (empty) bodies ----

    @KernelSource(file = "include/linux/irqflags.h", lines = "20", name = "trace_hardirqs_on",
            note = "body empty as the =n macro at irqflags.h 32; the agent weaves kernel/locking/lockdep.c 2604-2607")
    public static void trace_hardirqs_on() {
        if (lockdep.probe != null) {
            lockdep.probe("trace_hardirqs_on");
        }
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "21", name = "trace_hardirqs_off",
            note = "body empty as the =n macro at irqflags.h 33; the agent weaves kernel/locking/lockdep.c 2642-2645")
    public static void trace_hardirqs_off() {
        if (lockdep.probe != null) {
            lockdep.probe("trace_hardirqs_off");
        }
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "18", name = "trace_softirqs_on",
            note = "body empty as the =n macro at irqflags.h 34; the agent weaves kernel/locking/lockdep.c 2651-2686")
    public static void trace_softirqs_on(long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("trace_softirqs_on");
        }
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "19", name = "trace_softirqs_off",
            note = "body empty as the =n macro at irqflags.h 35; the agent weaves kernel/locking/lockdep.c 2691-2718")
    public static void trace_softirqs_off(long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("trace_softirqs_off");
        }
    }

    /**
     * The CONFIG_TRACE_IRQFLAGS=y macro: counts hardirq nesting in {@link task_struct#hardirq_context}.
     * Kept in the port (a plain field update, no checking) so {@link softirq#lockdep_softirq_start}
     * can see a softirq served from irq_exit; the agent weaves the checks on top.
     */
    @KernelSource(file = "include/linux/irqflags.h", lines = "26", name = "trace_hardirq_enter",
            note = "the =y macro's counter; =n (irqflags.h 40) is empty")
    public static void trace_hardirq_enter() {
        if (lockdep.probe != null) {
            lockdep.probe("trace_hardirq_enter");
        }
        task_struct.current().hardirq_context++;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "27", name = "trace_hardirq_exit",
            note = "the =y macro's counter; =n (irqflags.h 41) is empty")
    public static void trace_hardirq_exit() {
        if (lockdep.probe != null) {
            lockdep.probe("trace_hardirq_exit");
        }
        task_struct.current().hardirq_context--;
    }

    /** The CONFIG_TRACE_IRQFLAGS=y macro: counts softirq nesting in {@link task_struct#softirq_context}. */
    @KernelSource(file = "include/linux/irqflags.h", lines = "28", name = "lockdep_softirq_enter",
            note = "the =y macro's counter; =n (irqflags.h 42) is empty")
    public static void lockdep_softirq_enter() {
        if (lockdep.probe != null) {
            lockdep.probe("lockdep_softirq_enter");
        }
        task_struct.current().softirq_context++;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "29", name = "lockdep_softirq_exit",
            note = "the =y macro's counter; =n (irqflags.h 43) is empty")
    public static void lockdep_softirq_exit() {
        if (lockdep.probe != null) {
            lockdep.probe("lockdep_softirq_exit");
        }
        task_struct.current().softirq_context--;
    }

    /** current->hardirq_context (irqflags.h 22). */
    @KernelSource(file = "include/linux/irqflags.h", lines = "22")
    public static int trace_hardirq_context(task_struct p) {
        return p.hardirq_context;
    }

    /** current->softirq_context (irqflags.h 23). */
    @KernelSource(file = "include/linux/irqflags.h", lines = "23")
    public static int trace_softirq_context(task_struct p) {
        return p.softirq_context;
    }

    // ---- the raw flag (arch_local_irq_*): this task's CPU's IF bit ----

    @KernelSource(file = "include/linux/irqflags.h", lines = "59", note = "arch_local_irq_disable: clears the task's IF")
    static void raw_local_irq_disable() {
        task_struct.current().irqs_off = true;
    }

    /** Setting IF delivers the IPIs that waited while it was clear. */
    @KernelSource(file = "include/linux/irqflags.h", lines = "60", note = "arch_local_irq_enable: sets the task's IF and takes pending IPIs")
    static void raw_local_irq_enable() {
        task_struct.current().irqs_off = false;
        smp.handle_pending_ipis();
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "61-65", note = "arch_local_irq_save: the old IF as X86_EFLAGS_IF")
    static long raw_local_irq_save() {
        long flags = raw_local_save_flags();
        raw_local_irq_disable();
        return flags;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "66-70", note = "arch_local_irq_restore")
    static void raw_local_irq_restore(long flags) {
        if (raw_irqs_disabled_flags(flags)) {
            raw_local_irq_disable();
        } else {
            raw_local_irq_enable();
        }
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "71-75", note = "arch_local_save_flags")
    static long raw_local_save_flags() {
        return task_struct.current().irqs_off ? 0L : X86_EFLAGS_IF;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "76-80", note = "arch_irqs_disabled_flags")
    static boolean raw_irqs_disabled_flags(long flags) {
        return (flags & X86_EFLAGS_IF) == 0;
    }

    // ---- the CONFIG_TRACE_IRQFLAGS_SUPPORT wrappers ----

    @KernelSource(file = "include/linux/irqflags.h", lines = "89-90")
    public static void local_irq_enable() {
        trace_hardirqs_on();
        raw_local_irq_enable();
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "91-92")
    public static void local_irq_disable() {
        raw_local_irq_disable();
        trace_hardirqs_off();
    }

    /** Disables interrupts and returns the flags to give {@link #local_irq_restore(long)}. */
    @KernelSource(file = "include/linux/irqflags.h", lines = "93-97", note = "returns flags instead of assigning the macro's argument")
    public static long local_irq_save() {
        long flags = raw_local_irq_save();
        trace_hardirqs_off();
        return flags;
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "100-109")
    public static void local_irq_restore(long flags) {
        if (raw_irqs_disabled_flags(flags)) {
            raw_local_irq_restore(flags);
            trace_hardirqs_off();
        } else {
            trace_hardirqs_on();
            raw_local_irq_restore(flags);
        }
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "110-113", note = "returns flags instead of assigning the macro's argument")
    public static long local_save_flags() {
        return raw_local_save_flags();
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "115-118")
    public static boolean irqs_disabled_flags(long flags) {
        return raw_irqs_disabled_flags(flags);
    }

    @KernelSource(file = "include/linux/irqflags.h", lines = "120-125")
    public static boolean irqs_disabled() {
        return task_struct.current().irqs_off;
    }
}
