// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * Cross-CPU calls (v3.16 kernel/smp.c 106-110, 203-253, 378-440) in the machine model: a CPU is a
 * thread; with interrupts on it takes an IPI at once (the sender runs the handler on its behalf
 * and counts it, see smp.java), with interrupts off the IPI waits until {@code local_irq_enable},
 * {@code handle_pending_ipis} or {@code safe_halt}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SmpTest {
    static final long JOIN_MS = 10_000;

    static cpumask mask(int... cpus) {
        cpumask m = new cpumask();
        for (int c : cpus) {
            cpumask.cpumask_set_cpu(c, m);
        }
        return m;
    }

    /** An idle CPU: halts with interrupts on until told to stop, answering IPIs as they come. */
    static CpuThread idleCpu(String name, AtomicBoolean stop) {
        return CpuThread.start(name, () -> {
            while (!stop.get()) {
                smp.safe_halt(TimeUnit.MILLISECONDS.toNanos(5));
            }
        });
    }

    @Test
    void anIpiToACpuWithInterruptsOffWaitsForLocalIrqEnable() throws Exception {
        CountDownLatch irqsOff = new CountDownLatch(1);
        CountDownLatch enable = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicBoolean senderReturned = new AtomicBoolean();
        boolean[] ranBeforeEnable = {true};
        int[] polledWithIrqsOff = {-1};
        boolean[] ranAtEnable = {false};
        boolean[] senderReturnedBeforeEnable = {true};

        CpuThread target = CpuThread.start("target", () -> {
            irqflags.local_irq_disable();
            irqsOff.countDown();
            CpuThread.await(enable, "enable");
            CpuThread.awaitTrue("IPI queued", JOIN_MS, smp::ipi_pending);
            polledWithIrqsOff[0] = smp.handle_pending_ipis(); // interrupts off: takes nothing
            ranBeforeEnable[0] = ran.get();
            senderReturnedBeforeEnable[0] = senderReturned.get();
            irqflags.local_irq_enable(); // the IPI is taken here, on this CPU
            ranAtEnable[0] = ran.get();
        });
        CpuThread.await(irqsOff, "target has interrupts off");
        Consumer<Object> func = info -> {
            ranOn.set(Thread.currentThread());
            ran.set(true);
        };
        CpuThread sender = CpuThread.start("sender", () -> {
            smp.smp_call_function_many(mask(target.cpu()), func, null, true);
            senderReturned.set(true);
        });
        try {
            assertFalse(sender.joinQuietly(200), "smp_call_function_many(wait) returned while the target had interrupts off");
            assertFalse(ran.get());
        } finally {
            enable.countDown();
        }
        target.join(JOIN_MS);
        sender.join(JOIN_MS);
        assertEquals(0, polledWithIrqsOff[0], "no IPI taken with interrupts off");
        assertFalse(ranBeforeEnable[0], "function ran while interrupts were off");
        assertFalse(senderReturnedBeforeEnable[0], "sender returned before the target ran the function");
        assertTrue(ranAtEnable[0], "local_irq_enable delivers the pending IPI");
        assertSame(target.thread(), ranOn.get(), "the function runs on the target CPU");
        assertTrue(senderReturned.get());
    }

    @Test
    void waitReturnsOnlyAfterEveryTargetRanTheFunction() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<CpuThread> targets = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                targets.add(idleCpu("idle" + i, stop));
            }
            Map<Thread, Integer> runs = new ConcurrentHashMap<>();
            Object info = new Object();
            AtomicInteger badInfo = new AtomicInteger();
            int[] cpus = targets.stream().mapToInt(CpuThread::cpu).toArray();
            long[] takenBefore = java.util.Arrays.stream(cpus).mapToLong(smp::irqs_taken).toArray();
            int[] seenAtReturn = {-1};
            CpuThread sender = CpuThread.start("sender", () -> {
                for (int round = 0; round < 20; round++) {
                    smp.smp_call_function_many(mask(cpus), x -> {
                        if (x != info) {
                            badInfo.incrementAndGet();
                        }
                        runs.merge(Thread.currentThread(), 1, Integer::sum);
                    }, info, true);
                    int total = runs.values().stream().mapToInt(Integer::intValue).sum();
                    if (total != 3 * (round + 1)) {
                        seenAtReturn[0] = total;
                        return;
                    }
                }
            });
            sender.join(JOIN_MS);
            assertEquals(-1, seenAtReturn[0], "smp_call_function_many(wait) returned before all targets ran");
            assertEquals(0, badInfo.get(), "info passed through");
            assertEquals(60, runs.values().stream().mapToInt(Integer::intValue).sum(), "once per target per call");
            // An idle CPU has interrupts on, so it takes each IPI at once; the model runs the
            // handler at that instant and counts it as taken by the target (smp.java).
            for (int i = 0; i < cpus.length; i++) {
                assertEquals(20, smp.irqs_taken(cpus[i]) - takenBefore[i],
                        targets.get(i).thread().getName() + " took one IPI per call");
            }
        } finally {
            stop.set(true);
            for (CpuThread t : targets) {
                t.joinQuietly(JOIN_MS);
            }
        }
    }

    @Test
    void withoutWaitTheCallReturnsAndTheTargetRunsItLater() throws Exception {
        CountDownLatch irqsOff = new CountDownLatch(1);
        CountDownLatch enable = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        CpuThread target = CpuThread.start("target", () -> {
            irqflags.local_irq_disable();
            irqsOff.countDown();
            CpuThread.await(enable, "enable");
            irqflags.local_irq_enable();
        });
        CpuThread.await(irqsOff, "target has interrupts off");
        CpuThread.start("sender", () -> smp.smp_call_function_many(mask(target.cpu()), x -> ran.set(true), null, false))
                .join(JOIN_MS);
        assertFalse(ran.get(), "ran although the target's interrupts are off");
        enable.countDown();
        target.join(JOIN_MS);
        assertTrue(ran.get(), "taken at local_irq_enable");
    }

    @Test
    void aDeadTargetIsSkipped() throws Exception {
        CpuThread dead = CpuThread.start("short-lived", () -> { });
        dead.join(JOIN_MS);
        assertFalse(smp.cpu_online(dead.cpu()), "a CPU whose thread ended is offline");
        AtomicBoolean stop = new AtomicBoolean();
        CpuThread live = idleCpu("live", stop);
        try {
            assertTrue(smp.cpu_online(live.cpu()));
            Map<Thread, Integer> runs = new ConcurrentHashMap<>();
            long liveBefore = smp.irqs_taken(live.cpu());
            long deadBefore = smp.irqs_taken(dead.cpu());
            CpuThread.start("sender", () -> {
                smp.smp_call_function_many(mask(dead.cpu()), x -> runs.merge(Thread.currentThread(), 1, Integer::sum), null, true);
                smp.smp_call_function_many(mask(dead.cpu(), live.cpu()),
                        x -> runs.merge(Thread.currentThread(), 1, Integer::sum), null, true);
            }).join(JOIN_MS);
            assertEquals(1, runs.values().stream().mapToInt(Integer::intValue).sum(), "ran once, for the live target");
            assertEquals(1, smp.irqs_taken(live.cpu()) - liveBefore, "the live target took it");
            assertEquals(0, smp.irqs_taken(dead.cpu()) - deadBefore, "the offline CPU took nothing");
        } finally {
            stop.set(true);
            live.joinQuietly(JOIN_MS);
        }
    }

    @Test
    void aTargetThatDiesWithTheIpiPendingDoesNotHangTheSender() throws Exception {
        CountDownLatch irqsOff = new CountDownLatch(1);
        CountDownLatch die = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        CpuThread target = CpuThread.start("doomed", () -> {
            irqflags.local_irq_disable();
            irqsOff.countDown();
            CpuThread.awaitTrue("IPI queued", JOIN_MS, smp::ipi_pending);
            CpuThread.await(die, "die");
            // ends with interrupts off: the IPI is never taken
        });
        CpuThread.await(irqsOff, "target has interrupts off");
        CpuThread sender = CpuThread.start("sender", () ->
                smp.smp_call_function_many(mask(target.cpu()), x -> ran.set(true), null, true));
        try {
            assertFalse(sender.joinQuietly(100), "returned while the target was alive and had not run it");
        } finally {
            die.countDown();
        }
        target.join(JOIN_MS);
        sender.join(JOIN_MS);
        assertFalse(ran.get());
    }

    @Test
    void theCallingCpuIsSkipped() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CpuThread.start("self", () -> {
            int me = smp.smp_processor_id();
            smp.smp_call_function_many(mask(me), x -> runs.incrementAndGet(), null, true);
            assertEquals(0, smp.handle_pending_ipis(), "nothing was queued for this CPU");
        }).join(JOIN_MS);
        assertEquals(0, runs.get());
    }

    @Test
    void twoCpusCallingEachOtherWithWaitDoNotDeadlock() throws Exception {
        CountDownLatch bothUp = new CountDownLatch(2);
        int[] cpuOf = new int[2];
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        CpuThread[] c = new CpuThread[2];
        c[0] = CpuThread.start("A", () -> {
            bothUp.countDown();
            CpuThread.await(go, "go");
            for (int i = 0; i < 50; i++) {
                smp.smp_call_function_many(mask(cpuOf[1]), x -> ranOnB.incrementAndGet(), null, true);
            }
            // keep answering until B is done too
            CpuThread.awaitTrue("B done", JOIN_MS, () -> {
                smp.handle_pending_ipis();
                return ranOnA.get() == 50;
            });
        });
        c[1] = CpuThread.start("B", () -> {
            bothUp.countDown();
            CpuThread.await(go, "go");
            for (int i = 0; i < 50; i++) {
                smp.smp_call_function_many(mask(cpuOf[0]), x -> ranOnA.incrementAndGet(), null, true);
            }
            CpuThread.awaitTrue("A done", JOIN_MS, () -> {
                smp.handle_pending_ipis();
                return ranOnB.get() == 50;
            });
        });
        cpuOf[0] = c[0].cpu();
        cpuOf[1] = c[1].cpu();
        CpuThread.await(bothUp, "both up");
        go.countDown();
        c[0].join(JOIN_MS);
        c[1].join(JOIN_MS);
        assertEquals(50, ranOnA.get());
        assertEquals(50, ranOnB.get());
    }

    @Test
    void safeHaltIsWokenByAnIpi() throws Exception {
        CountDownLatch halting = new CountDownLatch(1);
        int[] taken = {-1};
        AtomicBoolean ran = new AtomicBoolean();
        CpuThread target = CpuThread.start("halter", () -> {
            irqflags.local_irq_disable();
            halting.countDown();
            CpuThread.awaitTrue("IPI queued", JOIN_MS, smp::ipi_pending);
            taken[0] = smp.safe_halt(TimeUnit.SECONDS.toNanos(60)); // sti; hlt: returns at once for a pending IPI
            assertFalse(irqflags.irqs_disabled(), "safe_halt leaves interrupts on");
        });
        CpuThread.await(halting, "target up");
        CpuThread.start("sender", () -> smp.smp_call_function_many(mask(target.cpu()), x -> ran.set(true), null, true))
                .join(JOIN_MS);
        target.join(JOIN_MS);
        assertEquals(1, taken[0]);
        assertTrue(ran.get());

        // And an IPI that arrives during the halt wakes it (the halt itself is a minute long).
        CountDownLatch inHalt = new CountDownLatch(1);
        int[] taken2 = {-1};
        CpuThread sleeper = CpuThread.start("sleeper", () -> {
            inHalt.countDown();
            int n = 0;
            while (n == 0) {
                n = smp.safe_halt(TimeUnit.SECONDS.toNanos(60));
            }
            taken2[0] = n;
        });
        CpuThread.await(inHalt, "sleeper about to halt");
        CpuThread.awaitTrue("sleeper parked", JOIN_MS, () -> sleeper.thread().getState() == Thread.State.TIMED_WAITING);
        CpuThread.start("sender2", () -> smp.smp_call_function_many(mask(sleeper.cpu()), x -> { }, null, true))
                .join(JOIN_MS);
        sleeper.join(JOIN_MS);
        assertEquals(1, taken2[0]);
    }
}
