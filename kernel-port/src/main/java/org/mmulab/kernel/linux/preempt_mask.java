// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code include/linux/preempt_mask.h}: the fields of {@code preempt_count}. Bits 0-7 count
 * preempt_disable nesting, 8-15 softirq (bit 8 while a softirq is being served, +2 per
 * local_bh_disable), 16-19 hardirq nesting, 20 NMI. The port keeps the count per task
 * ({@link task_struct#preempt_count}), one CPU per task, as the kernel keeps it per CPU.
 */
@KernelSource(file = "include/linux/preempt_mask.h", lines = "1-117", name = "preempt_mask.h")
public final class preempt_mask {
    private preempt_mask() {}

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "25")
    public static final int PREEMPT_BITS = 8;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "26")
    public static final int SOFTIRQ_BITS = 8;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "27")
    public static final int HARDIRQ_BITS = 4;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "28")
    public static final int NMI_BITS = 1;

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "30")
    public static final int PREEMPT_SHIFT = 0;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "31")
    public static final int SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "32")
    public static final int HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "33")
    public static final int NMI_SHIFT = HARDIRQ_SHIFT + HARDIRQ_BITS;

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "35")
    static int __IRQ_MASK(int x) {
        return (1 << x) - 1;
    }

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "37")
    public static final int PREEMPT_MASK = __IRQ_MASK(PREEMPT_BITS) << PREEMPT_SHIFT;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "38")
    public static final int SOFTIRQ_MASK = __IRQ_MASK(SOFTIRQ_BITS) << SOFTIRQ_SHIFT;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "39")
    public static final int HARDIRQ_MASK = __IRQ_MASK(HARDIRQ_BITS) << HARDIRQ_SHIFT;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "40")
    public static final int NMI_MASK = __IRQ_MASK(NMI_BITS) << NMI_SHIFT;

    /** PREEMPT_OFFSET (preempt_mask.h 42), cited where the port first had it: {@link sched#PREEMPT_OFFSET}. */
    public static final int PREEMPT_OFFSET = sched.PREEMPT_OFFSET;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "43")
    public static final int SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "44")
    public static final int HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT;
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "45")
    public static final int NMI_OFFSET = 1 << NMI_SHIFT;

    /** What local_bh_disable adds: twice SOFTIRQ_OFFSET, so "disabled" and "serving" stay apart. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "47")
    public static final int SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;

    /** CONFIG_PREEMPT_COUNT=y (the port is a CONFIG_PREEMPT kernel). */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "75")
    public static final int PREEMPT_CHECK_OFFSET = 1;

    /** What spin_lock_bh adds: the bh disable plus the spinlock's preempt_disable. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "93")
    public static final int SOFTIRQ_LOCK_OFFSET = SOFTIRQ_DISABLE_OFFSET + PREEMPT_CHECK_OFFSET;

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "53")
    public static int hardirq_count() {
        return preempt.preempt_count() & HARDIRQ_MASK;
    }

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "54")
    public static int softirq_count() {
        return preempt.preempt_count() & SOFTIRQ_MASK;
    }

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "55-56")
    public static int irq_count() {
        return preempt.preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK);
    }

    /** Serving a hardirq. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "64")
    public static boolean in_irq() {
        return hardirq_count() != 0;
    }

    /** Serving a softirq or with bottom halves disabled. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "65")
    public static boolean in_softirq() {
        return softirq_count() != 0;
    }

    /** In hardirq, softirq (served or bh disabled) or NMI context. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "66")
    public static boolean in_interrupt() {
        return irq_count() != 0;
    }

    /** Serving a softirq (not merely with bottom halves disabled). */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "67")
    public static boolean in_serving_softirq() {
        return (softirq_count() & SOFTIRQ_OFFSET) != 0;
    }

    @KernelSource(file = "include/linux/preempt_mask.h", lines = "72")
    public static boolean in_nmi() {
        return (preempt.preempt_count() & NMI_MASK) != 0;
    }

    /** PREEMPT_ACTIVE is not modelled, so any nonzero count is atomic. */
    @KernelSource(file = "include/linux/preempt_mask.h", lines = "102", note = "no PREEMPT_ACTIVE bit in the port")
    public static boolean in_atomic() {
        return preempt.preempt_count() != 0;
    }
}
