// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * preempt_count's fields (include/linux/preempt_mask.h), bottom halves (kernel/softirq.c 94-175),
 * hardirq entry and exit (hardirq.h, softirq.c 321-392) and softirq service (__do_softirq): what
 * in_irq(), in_softirq(), in_serving_softirq() and in_interrupt() answer inside the port's context
 * runners, and when a raised softirq runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IrqContextTest {
    /** What the context predicates say, as a string, e.g. "irq=1 softirq=0 serving=0 interrupt=1 irqs_off=1". */
    private static String ctx() {
        return "irq=" + b(preempt_mask.in_irq()) + " softirq=" + b(preempt_mask.in_softirq())
                + " serving=" + b(preempt_mask.in_serving_softirq()) + " interrupt=" + b(preempt_mask.in_interrupt())
                + " irqs_off=" + b(irqflags.irqs_disabled());
    }

    private static int b(boolean v) {
        return v ? 1 : 0;
    }

    @Test
    void theFieldsHaveTheKernelsBits() {
        assertEquals(0x000000ff, preempt_mask.PREEMPT_MASK);
        assertEquals(0x0000ff00, preempt_mask.SOFTIRQ_MASK);
        assertEquals(0x000f0000, preempt_mask.HARDIRQ_MASK);
        assertEquals(0x00100000, preempt_mask.NMI_MASK);
        assertEquals(0x100, preempt_mask.SOFTIRQ_OFFSET);
        assertEquals(0x200, preempt_mask.SOFTIRQ_DISABLE_OFFSET);
        assertEquals(0x10000, preempt_mask.HARDIRQ_OFFSET);
        assertEquals(0x201, preempt_mask.SOFTIRQ_LOCK_OFFSET);
    }

    @Test
    void taskContextIsNoInterrupt() {
        assertEquals("irq=0 softirq=0 serving=0 interrupt=0 irqs_off=0", ctx());
    }

    @Test
    void hardirqRunnerIsHardirqContextWithInterruptsOff() {
        int base = preempt.preempt_count();
        List<String> seen = new ArrayList<>();
        int[] count = new int[1];
        softirq.run_in_hardirq(() -> {
            seen.add(ctx());
            count[0] = preempt.preempt_count();
        });
        assertEquals(List.of("irq=1 softirq=0 serving=0 interrupt=1 irqs_off=1"), seen);
        assertEquals(base + preempt_mask.HARDIRQ_OFFSET, count[0], "irq_enter added HARDIRQ_OFFSET");
        assertEquals(base, preempt.preempt_count(), "irq_exit took it off");
        assertEquals("irq=0 softirq=0 serving=0 interrupt=0 irqs_off=0", ctx(), "the interrupted context's flags are back");
        assertEquals(0, task_struct.current().hardirq_context);
    }

    @Test
    void hardirqRunnerKeepsInterruptsOffWhenTheyWereOff() {
        long flags = irqflags.local_irq_save();
        softirq.run_in_hardirq(() -> { });
        assertTrue(irqflags.irqs_disabled(), "iret restores the interrupted context's IF: off");
        irqflags.local_irq_restore(flags);
        assertFalse(irqflags.irqs_disabled());
    }

    @Test
    void softirqRunnerServesWithInterruptsOn() {
        int base = preempt.preempt_count();
        List<String> seen = new ArrayList<>();
        int[] count = new int[1];
        softirq.run_in_softirq(() -> {
            seen.add(ctx());
            count[0] = preempt.preempt_count();
            seen.add("softirq_context=" + task_struct.current().softirq_context);
        });
        assertEquals(List.of("irq=0 softirq=1 serving=1 interrupt=1 irqs_off=0", "softirq_context=1"), seen);
        assertEquals(base + preempt_mask.SOFTIRQ_OFFSET, count[0], "__do_softirq added SOFTIRQ_OFFSET");
        assertEquals(base, preempt.preempt_count());
        assertEquals("irq=0 softirq=0 serving=0 interrupt=0 irqs_off=0", ctx());
    }

    @Test
    void softirqRaisedInHardirqRunsAtIrqExitOutsideHardirq() {
        List<String> seen = new ArrayList<>();
        softirq.run_in_hardirq(() -> {
            softirq.raise_softirq_irqoff(() -> seen.add("softirq: " + ctx() + " hardirq_context=" + task_struct.current().hardirq_context));
            seen.add("handler done");
        });
        assertEquals(List.of("handler done", "softirq: irq=0 softirq=1 serving=1 interrupt=1 irqs_off=0 hardirq_context=0"), seen,
                "served from irq_exit after HARDIRQ_OFFSET is gone, with lockdep told it left hardirq context");
        assertEquals(0, task_struct.current().hardirq_context);
        assertEquals(0, preempt.preempt_count());
    }

    @Test
    void softirqRaisedWithBottomHalvesOffWaitsForLocalBhEnable() {
        List<String> seen = new ArrayList<>();
        softirq.local_bh_disable();
        assertEquals("irq=0 softirq=1 serving=0 interrupt=1 irqs_off=0", ctx(), "bh off: in_softirq but not serving");
        assertEquals(preempt_mask.SOFTIRQ_DISABLE_OFFSET, preempt.preempt_count() & preempt_mask.SOFTIRQ_MASK);
        softirq.run_in_softirq(() -> seen.add(ctx()));
        assertEquals(List.of(), seen, "in_interrupt(): do_softirq leaves it pending");
        softirq.local_bh_enable();
        assertEquals(List.of("irq=0 softirq=1 serving=1 interrupt=1 irqs_off=0"), seen, "local_bh_enable served it");
        assertEquals(0, preempt.preempt_count());
    }

    @Test
    void hardirqInsideSoftirqNestsTheCounts() {
        List<Integer> counts = new ArrayList<>();
        softirq.run_in_softirq(() -> softirq.run_in_hardirq(() -> counts.add(preempt.preempt_count())));
        assertEquals(List.of(preempt_mask.SOFTIRQ_OFFSET + preempt_mask.HARDIRQ_OFFSET), counts);
        assertEquals(0, preempt.preempt_count());
    }

    @Test
    void spinLockBhAddsSoftirqLockOffset() {
        spinlock_t l = spinlock_t.spin_lock_init("&t->bh");
        spinlock_t.spin_lock_bh(l);
        assertEquals(preempt_mask.SOFTIRQ_LOCK_OFFSET, preempt.preempt_count());
        assertTrue(preempt_mask.in_softirq());
        spinlock_t.spin_unlock_bh(l);
        assertEquals(0, preempt.preempt_count());
        assertTrue(spinlock_t.spin_trylock_bh(l));
        assertEquals(preempt_mask.SOFTIRQ_LOCK_OFFSET, preempt.preempt_count());
        spinlock_t.spin_unlock_bh(l);
        assertEquals("irq=0 softirq=0 serving=0 interrupt=0 irqs_off=0", ctx());
    }
}
