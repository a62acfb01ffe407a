// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.mmulab.kernel.linux.kvm_host_h.EXITING_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_RELOAD;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.READING_SHADOW_PAGE_TABLES;
import static org.mmulab.kernel.linux.kvm_host_h.mode_name;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.exercises.Points;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Grader of exercise 8: the entry into guest mode ({@code vcpu_enter_guest}) against the requester
 * ({@code make_all_cpus_request}). The single-threaded tests pin what the entry does when nothing
 * or something is pending; the race tests put a requester at every point of the entry, in turn,
 * and fail with the steps that led to a guest write through a TLB entry a finished flush was meant
 * to drop. See {@link EntryBench}: the turns are fixed handovers between two threads, not timing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex8Grader {
    public Ex8Grader() {}

    static String mode(int m) {
        return mode_name(m);
    }

    /** What every return from vcpu_enter_guest leaves behind, whatever happened inside. */
    static void leftClean(EntryBench b, int preemptBefore, long srcuBefore, String when) {
        assertEquals(mode(OUTSIDE_GUEST_MODE), mode(b.vcpu.rawMode()), when + ": vcpu->mode afterwards");
        assertFalse(irqflags.irqs_disabled(), when + ": interrupts must be on again afterwards");
        assertEquals(preemptBefore, preempt.preempt_count(), when + ": preempt count afterwards (every preempt_disable undone)");
        assertEquals(srcuBefore, b.kvm.srcu.active_readers(), when + ": kvm->srcu must be held again afterwards (srcu_read_lock,"
                + " its index in vcpu->srcu_idx), as the caller held it");
        assertTrue(b.vcpu.srcu_idx == 0 || b.vcpu.srcu_idx == 1, when + ": vcpu->srcu_idx is an srcu index");
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("nothing pending: enters the guest in IN_GUEST_MODE, interrupts off, kvm->srcu let go")
    void entersWhenNothingIsPending() {
        try (EntryBench b = new EntryBench()) {
            int preempt0 = preempt.preempt_count();
            long srcu0 = b.kvm.srcu.active_readers();
            int r = b.enter(null);
            assertEquals(1, b.guestRuns, "with no request, kick, reschedule or signal, the vCPU enters the guest once");
            assertEquals(mode(IN_GUEST_MODE), mode(b.modeInGuest), "vcpu->mode inside the guest");
            assertTrue(b.irqsOffInGuest, "the guest is entered with interrupts off: an IPI must wait for the exit");
            assertEquals(srcu0 - 1, b.srcuReadersInGuest, "kvm->srcu is let go (srcu_read_unlock) while the guest runs");
            assertEquals(preempt0 + 1, b.preemptCountInGuest, "preemption stays off while the guest runs");
            assertEquals(1, r, "vcpu_enter_guest returns what handle_exit returned (1 here)");
            leftClean(b, preempt0, srcu0, "after a guest entry");
        }
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("a request made before the check: backs out, returns 1, OUTSIDE_GUEST_MODE; the next entry honours it")
    void backsOutOnARequest() {
        try (EntryBench b = new EntryBench()) {
            int preempt0 = preempt.preempt_count();
            long srcu0 = b.kvm.srcu.active_readers();
            int r = b.enter((k, what, x) -> {
                if (k == 0) {
                    kvm_host_h.kvm_make_request(KVM_REQ_TLB_FLUSH, x.vcpu); // as if from another CPU, just now
                }
            });
            assertEquals(0, b.guestRuns, "KVM_REQ_TLB_FLUSH was made after the requests were handled at the top of"
                    + " vcpu_enter_guest, before the entry: the vCPU must back out instead of entering the guest");
            assertEquals(1, r, "backing out returns 1: __vcpu_run goes round again and handles the request");
            assertTrue(b.flushRequested(), "backing out leaves the request pending (the next round handles it)");
            leftClean(b, preempt0, srcu0, "after backing out");

            int r2 = b.enter(null);
            assertEquals(1, b.tlbFlushes, "the next entry handles KVM_REQ_TLB_FLUSH (kvm_x86_ops->tlb_flush)");
            assertFalse(b.flushRequested(), "the request is consumed");
            assertEquals(1, b.guestRuns, "then enters the guest");
            assertEquals(1, r2);
            leftClean(b, preempt0, srcu0, "after the next entry");
        }
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("a kick that finds the vCPU in guest mode (EXITING_GUEST_MODE): it does not enter the guest")
    void backsOutOnAKick() throws Exception {
        int n = EntryBench.pointsOfOneEntry();
        for (int k = 0; k < n; k++) {
            try (EntryBench b = new EntryBench()) {
                int preempt0 = preempt.preempt_count();
                long srcu0 = b.kvm.srcu.active_readers();
                int r = b.enter(EntryBench.requesterAt(k, EntryBench.Action.KICK));
                b.joinRequester();
                if (b.enteredAfterKick > 0) {
                    fail("kvm_vcpu_kick at point " + k + " moved vcpu->mode to EXITING_GUEST_MODE before the check, yet the vCPU"
                            + " entered the guest: a kicked vCPU must back out (the VMM kicks to stop it). The steps:" + b.shown());
                }
                assertEquals(1, r, "kick at point " + k + ": vcpu_enter_guest returns 1");
                leftClean(b, preempt0, srcu0, "kick at point " + k);
            }
        }
    }

    @Test
    @Order(4)
    @Points(1)
    @DisplayName("need_resched() or a pending signal: backs out and returns 1")
    void backsOutOnReschedOrSignal() {
        for (String why : List.of("need_resched", "signal")) {
            try (EntryBench b = new EntryBench()) {
                int preempt0 = preempt.preempt_count();
                long srcu0 = b.kvm.srcu.active_readers();
                int r = b.enter((k, what, x) -> {
                    if (k == 0) {
                        if (why.equals("signal")) {
                            task_struct.current().sigpending = true;
                        } else {
                            task_struct.current().need_resched_flag = true;
                        }
                    }
                });
                boolean sig = task_struct.current().sigpending;
                task_struct.current().sigpending = false;
                assertEquals(0, b.guestRuns, why + ": the vCPU must not enter the guest (it would run on until the next exit)");
                assertEquals(1, r, why + ": backing out returns 1 (__vcpu_run reschedules, or returns -EINTR for the signal)");
                assertEquals(why.equals("signal"), sig, "the signal stays pending for __vcpu_run");
                leftClean(b, preempt0, srcu0, why);
            }
        }
    }

    /** Runs the race with {@code plan(k)} at every point k of an entry; fails with the steps of the first missed flush. */
    static void raceAtEveryPoint(IntFunction<EntryBench.Plan> plan, String who) throws Exception {
        int n = EntryBench.pointsOfOneEntry();
        assertTrue(n >= 2, "an entry into the guest passes at least two points (vcpu->mode written, the guest entered); this one "
                + n);
        for (int k = 0; k < n; k++) {
            try (EntryBench b = new EntryBench()) {
                List<Integer> rs = b.enterUntilGuestRan(plan.apply(k), 3);
                b.joinRequester();
                if (b.staleWrites > 0) {
                    fail("MISSED FLUSH with " + who + " at point " + k + " of vcpu_enter_guest: the guest wrote a page after"
                            + " kvm_flush_remote_tlbs had returned, through the TLB entry that flush was meant to drop. The steps:"
                            + b.shown() + "\n  The vCPU must publish IN_GUEST_MODE before it looks at its requests for the last"
                            + " time, and the requester must set the request before it reads the mode.");
                }
                assertEquals(1, b.guestRuns, who + " at point " + k + ": the guest should run once within three entries"
                        + " (entries returned " + rs + "); the steps:" + b.shown());
            }
        }
    }

    @Test
    @Order(5)
    @Points(3)
    @DisplayName("race: a requester's whole flush at every point of the entry: no missed flush")
    void raceWholeFlushAtEveryPoint() throws Exception {
        raceAtEveryPoint(k -> EntryBench.requesterAt(k, EntryBench.Action.FLUSH), "a requester's whole kvm_flush_remote_tlbs");
    }

    @Test
    @Order(6)
    @Points(3)
    @DisplayName("race: the requester reads the mode at every point, finishes once the vCPU is in the guest: no missed flush")
    void raceModeReadAtEveryPoint() throws Exception {
        raceAtEveryPoint(EntryBench::pausingRequesterAt, "a requester that reads vcpu->mode there and finishes later");
    }

    @Test
    @Order(7)
    @Points(2)
    @DisplayName("make_all_cpus_request: requests every vCPU, interrupts only those in guest mode on other CPUs")
    void requesterSide() throws Exception {
        CountDownLatch registered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        int[] idle = {-1};
        Thread other = new Thread(() -> {
            idle[0] = task_struct.current().cpu; // a CPU with interrupts on, doing nothing
            registered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "idle-cpu");
        other.setDaemon(true);
        other.start();
        registered.await();
        try (EntryBench b = new EntryBench(6)) {
            kvm_vcpu[] v = b.kvm.vcpus;
            int me = task_struct.current().cpu;
            v[1].cpu = idle[0];
            v[1].set_mode(IN_GUEST_MODE);
            v[2].cpu = idle[0];
            v[3].cpu = -1; // never loaded
            v[3].set_mode(IN_GUEST_MODE);
            v[4].cpu = me; // this CPU's own vCPU
            v[4].set_mode(IN_GUEST_MODE);
            v[5].cpu = idle[0];
            v[5].set_mode(READING_SHADOW_PAGE_TABLES);
            long taken0 = smp.irqs_taken(idle[0]);
            boolean called = kvm_main.make_all_cpus_request(b.kvm, KVM_REQ_TLB_FLUSH);
            for (int i = 0; i < 6; i++) {
                assertTrue(bitops.test_bit(KVM_REQ_TLB_FLUSH, v[i].requests), "vcpu" + i + ": the request is made on every vCPU,"
                        + " in guest mode or not");
            }
            assertEquals(mode(EXITING_GUEST_MODE), mode(v[1].mode()), "vcpu1, in guest mode on another CPU: moved to EXITING_GUEST_MODE");
            assertEquals(mode(OUTSIDE_GUEST_MODE), mode(v[2].mode()), "vcpu2, outside guest mode: left alone");
            assertEquals(mode(IN_GUEST_MODE), mode(v[3].mode()), "vcpu3 was never loaded (cpu -1): not touched");
            assertEquals(mode(IN_GUEST_MODE), mode(v[4].mode()), "vcpu4 is on the requester's own CPU: not touched");
            assertEquals(mode(READING_SHADOW_PAGE_TABLES), mode(v[5].mode()), "vcpu5 walks shadow pages: its mode stays");
            assertTrue(called, "an IPI went out, so make_all_cpus_request returns true");
            assertEquals(taken0 + 1, smp.irqs_taken(idle[0]), "vcpu1 and vcpu5 share one CPU: exactly one IPI reached it");

            for (int i = 1; i < 6; i++) {
                v[i].set_mode(OUTSIDE_GUEST_MODE);
            }
            v[4].set_mode(IN_GUEST_MODE);
            v[3].set_mode(IN_GUEST_MODE);
            boolean again = kvm_main.make_all_cpus_request(b.kvm, KVM_REQ_MMU_RELOAD);
            for (int i = 0; i < 6; i++) {
                assertTrue(bitops.test_bit(KVM_REQ_MMU_RELOAD, v[i].requests), "vcpu" + i + ": KVM_REQ_MMU_RELOAD made too");
            }
            assertFalse(again, "nobody to interrupt: make_all_cpus_request returns false");
            assertEquals(taken0 + 1, smp.irqs_taken(idle[0]), "and sends no IPI");
            for (int i = 1; i < 6; i++) {
                v[i].set_mode(OUTSIDE_GUEST_MODE);
            }
        } finally {
            release.countDown();
            other.join();
        }
    }

    @Test
    @Order(8)
    @Points(2)
    @DisplayName("order, vCPU side: vcpu->mode = IN_GUEST_MODE, then smp_mb(), then vcpu->requests read")
    void entryBarrierOrder() throws Throwable {
        ProgramOrder.inLoader("entrySide");
    }

    @Test
    @Order(9)
    @Points(1)
    @DisplayName("order, backing out: vcpu->mode = OUTSIDE_GUEST_MODE, then smp_mb(), then interrupts on")
    void backOutBarrierOrder() throws Throwable {
        ProgramOrder.inLoader("backOut");
    }

    @Test
    @Order(10)
    @Points(2)
    @DisplayName("order, requester side: request set, then smp_mb(), then vcpu->mode read")
    void requesterBarrierOrder() throws Throwable {
        ProgramOrder.inLoader("requesterSide");
    }
}
