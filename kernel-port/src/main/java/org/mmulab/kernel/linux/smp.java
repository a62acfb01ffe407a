// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code kernel/smp.c}: cross-CPU function calls (IPIs). Delivery follows the hardware rule: a
 * CPU with interrupts on takes an IPI at once; a CPU with interrupts off (a lockless shadow walk,
 * a vCPU in guest mode) holds it pending until it turns them back on
 * ({@link irqflags#local_irq_enable()}) or, in guest mode, until the machine sees it pending
 * ({@link #ipi_pending()}) and exits the guest.
 *
 * <p>Java cannot interrupt a running thread, so "at once" is modelled by the sender running the
 * handler on the target's behalf at the moment it finds the target's interrupts on, and counting
 * it as taken by the target. The handler the port sends ({@code ack_flush}) does nothing on the
 * target, so this is indistinguishable from delivery on the target's thread.
 *
 * <p>{@code smp_call_function_many(..., wait=true)} returns only after every target took the IPI.
 * A target whose thread has died counts as an offline CPU and is not waited for.
 */
@KernelSource(file = "kernel/smp.c", lines = "1-692", name = "smp.c")
public final class smp {
    private static final Logger printk = LogManager.getLogger("kernel");

    /** How long a sender waits for one CPU before it logs that the CPU is not answering. */
    public static volatile long csd_warn_ns = TimeUnit.SECONDS.toNanos(10);

    private static final Map<Integer, cpu_state> cpus = new ConcurrentHashMap<>();

    private smp() {}

    /** One CPU's IPI queue (the per-CPU call_single_queue). */
    static final class cpu_state {
        final task_struct task;
        final ConcurrentLinkedQueue<call_single_data> call_single_queue = new ConcurrentLinkedQueue<>();
        /** IPIs this CPU has taken, on its own thread or delivered at once by the sender. */
        final java.util.concurrent.atomic.AtomicLong irqs_taken = new java.util.concurrent.atomic.AtomicLong();

        cpu_state(task_struct task) {
            this.task = task;
        }
    }

    /** {@code struct call_single_data}: one queued call; {@code locked} until the target ran it. */
    @KernelSource(file = "include/linux/smp.h", lines = "17-22", name = "struct call_single_data")
    public static final class call_single_data {
        final Consumer<Object> func;
        final Object info;
        volatile boolean locked = true;

        call_single_data(Consumer<Object> func, Object info) {
            this.func = func;
            this.info = info;
        }
    }

    static void cpu_register(task_struct t) {
        if (cpus.size() > 4096) {
            cpus.values().removeIf(c -> !c.task.thread.isAlive());
        }
        cpus.put(t.cpu, new cpu_state(t));
    }

    @KernelSource(file = "include/linux/smp.h", lines = "173", name = "smp_processor_id")
    public static int smp_processor_id() {
        return task_struct.current().cpu;
    }

    @KernelSource(file = "include/linux/smp.h", lines = "176", name = "get_cpu")
    public static int get_cpu() {
        preempt.preempt_disable();
        return smp_processor_id();
    }

    @KernelSource(file = "include/linux/smp.h", lines = "177", name = "put_cpu")
    public static void put_cpu() {
        preempt.preempt_enable();
    }

    /** A CPU is online while the thread that is this CPU is alive. */
    @KernelSource(file = "include/linux/cpumask.h", lines = "89", name = "cpu_online")
    public static boolean cpu_online(int cpu) {
        cpu_state c = cpus.get(cpu);
        return c != null && c.task.thread.isAlive();
    }

    /** smp_mb(): a full fence. */
    @KernelSource(file = "arch/x86/include/asm/barrier.h", lines = "82", name = "smp_mb")
    public static void smp_mb() {
        java.lang.invoke.VarHandle.fullFence();
    }

    /**
     * Runs {@code func(info)} on every CPU of {@code mask} except this one; with {@code wait},
     * returns after all of them did.
     */
    @KernelSource(file = "kernel/smp.c", lines = "378-440")
    public static void smp_call_function_many(cpumask mask, Consumer<Object> func, Object info, boolean wait) {
        int me = smp_processor_id();
        List<call_single_data> sent = new ArrayList<>();
        List<cpu_state> targets = new ArrayList<>();
        for (int cpu = mask.bits.nextSetBit(0); cpu >= 0; cpu = mask.bits.nextSetBit(cpu + 1)) {
            if (cpu == me || !cpu_online(cpu)) {
                continue;
            }
            cpu_state target = cpus.get(cpu);
            call_single_data csd = new call_single_data(func, info);
            if (!target.task.irqs_off) {
                deliver_now(target, csd);
                continue;
            }
            target.call_single_queue.add(csd);
            // The target may have turned interrupts on between the check and the enqueue; if it
            // has and has not taken the call yet, the interrupt is taken now.
            if (!target.task.irqs_off && target.call_single_queue.remove(csd)) {
                deliver_now(target, csd);
                continue;
            }
            sent.add(csd);
            targets.add(target);
        }
        for (cpu_state target : targets) {
            LockSupport.unpark(target.task.thread); // arch_send_call_function_ipi_mask
        }
        if (!wait) {
            return;
        }
        for (int i = 0; i < sent.size(); i++) {
            csd_lock_wait(sent.get(i), targets.get(i));
        }
    }

    @KernelSource(file = "kernel/smp.c", lines = "106-110")
    private static void csd_lock_wait(call_single_data csd, cpu_state target) {
        long start = System.nanoTime();
        long warned = start;
        int spins = 0;
        while (csd.locked) {
            if (!target.task.thread.isAlive()) {
                // flush_smp_call_function_queue(warn_cpu_offline): the CPU went away.
                printk.warn("IPI to offline CPU {} ({}) dropped", target.task.cpu, target.task);
                return;
            }
            // This CPU has interrupts on while it waits, so it answers IPIs sent to it.
            handle_pending_ipis();
            if (++spins < 128) {
                sched.cpu_relax();
            } else {
                LockSupport.parkNanos(50_000);
            }
            long now = System.nanoTime();
            if (now - warned > csd_warn_ns) {
                warned = now;
                printk.warn("CPU {} waits {} ms for CPU {} ({}) to answer an IPI", smp_processor_id(),
                        TimeUnit.NANOSECONDS.toMillis(now - start), target.task.cpu, target.task);
            }
        }
    }

    /** A CPU with interrupts on takes the IPI at once (see the class comment). */
    private static void deliver_now(cpu_state target, call_single_data csd) {
        csd.func.accept(csd.info);
        csd.locked = false;
        target.irqs_taken.incrementAndGet();
        LockSupport.unpark(target.task.thread); // wakes a halted CPU
    }

    /**
     * generic_smp_call_function_single_interrupt(): runs the calls queued for this CPU, if its
     * interrupts are on. Returns how many ran; a CPU in guest mode treats a non-zero answer as an
     * external-interrupt exit.
     */
    @KernelSource(file = "kernel/smp.c", lines = "203-206", name = "generic_smp_call_function_single_interrupt")
    public static int handle_pending_ipis() {
        task_struct t = task_struct.current();
        if (t.irqs_off) {
            return 0;
        }
        cpu_state me = cpus.get(t.cpu);
        if (me == null) {
            return 0;
        }
        return flush_smp_call_function_queue(me);
    }

    @KernelSource(file = "kernel/smp.c", lines = "222-253")
    private static int flush_smp_call_function_queue(cpu_state me) {
        int n = 0;
        call_single_data csd;
        while ((csd = me.call_single_queue.poll()) != null) {
            csd.func.accept(csd.info);
            csd.locked = false; // csd_unlock
            me.irqs_taken.incrementAndGet();
            n++;
        }
        return n;
    }

    /** How many IPIs CPU {@code cpu} has taken so far (0 for an unknown CPU). */
    public static long irqs_taken(int cpu) {
        cpu_state c = cpus.get(cpu);
        return c == null ? 0 : c.irqs_taken.get();
    }

    /** Whether IPIs wait for this CPU. */
    public static boolean ipi_pending() {
        cpu_state me = cpus.get(task_struct.current().cpu);
        return me != null && !me.call_single_queue.isEmpty();
    }

    /**
     * Halts this CPU with interrupts on until an IPI is taken or {@code nanos} pass (the
     * {@code sti; hlt} idiom). Returns how many IPIs it took meanwhile.
     */
    @KernelSource(file = "arch/x86/include/asm/irqflags.h", lines = "47-50", name = "native_safe_halt")
    public static int safe_halt(long nanos) {
        task_struct t = task_struct.current();
        cpu_state me = cpus.get(t.cpu);
        long before = me.irqs_taken.get();
        t.irqs_off = false;
        handle_pending_ipis();
        long deadline = System.nanoTime() + nanos;
        while (me.irqs_taken.get() == before) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(left);
            handle_pending_ipis();
        }
        return (int) (me.irqs_taken.get() - before);
    }

    /**
     * For a CPU in guest mode (interrupts off): waits until an IPI is pending or {@code nanos}
     * pass, without taking it; the machine then exits the guest and the IPI is taken when
     * interrupts come back on. Returns whether one is pending.
     */
    public static boolean wait_for_ipi(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (!ipi_pending()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(left);
        }
        return true;
    }
}
