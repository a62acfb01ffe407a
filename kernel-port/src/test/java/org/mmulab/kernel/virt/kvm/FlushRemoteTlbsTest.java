// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.virt.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.READING_SHADOW_PAGE_TABLES;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_x86_ops;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.srcu_struct;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.testing.CpuThread;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;

/**
 * {@code kvm_flush_remote_tlbs} and {@code make_all_cpus_request} (v3.16 virt/kvm/kvm_main.c
 * 155-195) against vCPU threads that really enter and leave guest mode through
 * {@code vcpu_enter_guest} (arch/x86/kvm/x86.c 5949-6158), and against a lockless shadow-page walker
 * (arch/x86/kvm/mmu.c 663-688).
 *
 * <p>The "hardware" below runs guest code until an external interrupt is pending for its CPU (the
 * flush IPI) and counts what happens to every vCPU. Orderings are checked through happens-before
 * edges (counters written by the vCPU before it acknowledges the IPI, read by the flusher after it
 * returns), never by timing; the timeouts only turn a hang into a failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlushRemoteTlbsTest {
    static final int MAX = 8;
    static final long JOIN_MS = 10_000;

    /**
     * A vendor module whose {@code run} stays in the guest (interrupts off, as
     * {@code vcpu_enter_guest} calls it) until an IPI is pending for this CPU or the test tells
     * the vCPU to leave. The EPT layout is vmx's.
     */
    static final class GuestHw implements kvm_x86_ops {
        final AtomicIntegerArray tlb_flushes = new AtomicIntegerArray(MAX);
        final AtomicIntegerArray entries = new AtomicIntegerArray(MAX);
        final AtomicIntegerArray exits = new AtomicIntegerArray(MAX);
        final AtomicIntegerArray in_guest = new AtomicIntegerArray(MAX);
        final AtomicIntegerArray leave = new AtomicIntegerArray(MAX);
        /** run() entered with interrupts on, or with a mode other than IN/EXITING_GUEST_MODE. */
        final AtomicInteger bad_entries = new AtomicInteger();
        volatile boolean stop_all;
        /** How long the guest keeps running after the interrupt became pending. */
        volatile long linger_ns;
        /** Runs on the vCPU's thread, in the guest, once the interrupt is pending. */
        volatile Consumer<kvm_vcpu> on_interrupt = v -> { };

        boolean leaving(int id) {
            return stop_all || leave.get(id) != 0;
        }

        @Override
        public kvm_vcpu vcpu_create(kvm kvm, int id) {
            kvm_vcpu vcpu = new kvm_vcpu(kvm, id);
            return kvm_main.kvm_vcpu_init(vcpu, kvm, id) == 0 ? vcpu : null;
        }

        @Override
        public void cache_reg(kvm_vcpu vcpu, int reg) {
            vcpu.arch.regs_avail |= 1 << reg;
        }

        @Override
        public void set_tdp_cr3(kvm_vcpu vcpu, long cr3) {
        }

        @Override
        public int get_tdp_level() {
            return vmx.get_ept_level();
        }

        @Override
        public long get_mt_mask(kvm_vcpu vcpu, long gfn, boolean is_mmio) {
            return vmx.vmx_get_mt_mask(vcpu, gfn, is_mmio);
        }

        @Override
        public int get_lpage_level() {
            return vmx.vmx_get_lpage_level();
        }

        @Override
        public void tlb_flush(kvm_vcpu vcpu) {
            tlb_flushes.incrementAndGet(vcpu.vcpu_id);
        }

        @Override
        public void run(kvm_vcpu vcpu) {
            int id = vcpu.vcpu_id;
            int mode = vcpu.mode();
            if (!irqflags.irqs_disabled() || (mode != IN_GUEST_MODE && mode != kvm_host_h.EXITING_GUEST_MODE)) {
                bad_entries.incrementAndGet();
            }
            entries.incrementAndGet(id);
            in_guest.set(id, 1);
            while (!smp.ipi_pending() && !leaving(id)) {
                LockSupport.parkNanos(1_000_000); // the IPI's unpark wakes us at once
            }
            if (smp.ipi_pending()) {
                on_interrupt.accept(vcpu);
                long until = System.nanoTime() + linger_ns;
                while (System.nanoTime() - until < 0 && !stop_all) {
                    LockSupport.parkNanos(until - System.nanoTime());
                }
            }
            in_guest.set(id, 0);
            exits.incrementAndGet(id); // written before the IPI is acknowledged
        }

        @Override
        public int handle_exit(kvm_vcpu vcpu) {
            return 1;
        }
    }

    /** A vCPU thread: vcpu_load, then vcpu_enter_guest until told to leave, then parked outside guest mode. */
    final class Runner {
        final kvm_vcpu vcpu;
        final CountDownLatch parked = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        volatile boolean ipi_pending_when_resumed;
        final CpuThread cpu;

        Runner(kvm_vcpu vcpu) {
            this.vcpu = vcpu;
            this.cpu = CpuThread.start("vcpu" + vcpu.vcpu_id, this::body);
            runners.add(this);
        }

        private void body() throws Exception {
            int id = vcpu.vcpu_id;
            kvm_main.vcpu_load(vcpu);
            try {
                vcpu.srcu_idx = srcu_struct.srcu_read_lock(kvm.srcu);
                while (!hw.leaving(id)) {
                    assertEquals(1, x86.vcpu_enter_guest(vcpu), "vcpu_enter_guest");
                }
                srcu_struct.srcu_read_unlock(kvm.srcu, vcpu.srcu_idx);
            } finally {
                kvm_main.vcpu_put(vcpu);
            }
            // Back in "userspace": interrupts on, but this CPU neither polls nor halts, so an IPI
            // sent to it would never be answered while it waits here.
            parked.countDown();
            if (!hw.stop_all) {
                CpuThread.await(resume, "resume vcpu" + id);
                ipi_pending_when_resumed = smp.ipi_pending();
            }
        }

        void awaitInGuest() {
            int id = vcpu.vcpu_id;
            CpuThread.awaitTrue("vcpu" + id + " in guest mode", JOIN_MS,
                    () -> hw.in_guest.get(id) == 1 && vcpu.mode() == IN_GUEST_MODE);
        }

        void leaveAndPark() throws InterruptedException {
            hw.leave.set(vcpu.vcpu_id, 1);
            LockSupport.unpark(cpu.thread());
            CpuThread.await(parked, "vcpu" + vcpu.vcpu_id + " parked");
        }
    }

    GuestHw hw;
    kvm kvm;
    final List<Runner> runners = new ArrayList<>();

    @BeforeEach
    void setUp() {
        hw = new GuestHw();
        x86.kvm_arch_init(hw);
        vmx.hardware_setup(false);
        kvm = kvm_main.kvm_create_vm(0);
        // Some guest memory, so the shadow-page budget is not zero when the vCPUs load their roots.
        assertEquals(0, kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                new kvm_userspace_memory_region(0, 0, 0x100L << mm.PAGE_SHIFT, 512L << mm.PAGE_SHIFT,
                        Vmm.USER_BASE + (0x100L << mm.PAGE_SHIFT))));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        hw.stop_all = true;
        for (Runner r : runners) {
            r.resume.countDown();
            LockSupport.unpark(r.cpu.thread());
        }
        for (Runner r : runners) {
            r.cpu.join(JOIN_MS); // a vCPU thread that failed or hangs fails the test
        }
    }

    kvm_vcpu createVcpu(int id) {
        assertEquals(id, kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, id), "KVM_CREATE_VCPU");
        kvm_vcpu v = kvm.vcpus[kvm.online_vcpus.get() - 1];
        assertEquals(id, v.vcpu_id);
        return v;
    }

    static boolean flushRequested(kvm_vcpu v) {
        return bitops.test_bit(KVM_REQ_TLB_FLUSH, v.requests);
    }

    /** Runs kvm_flush_remote_tlbs on a CPU of its own; a flush that hangs fails the test. */
    CpuThread flushOn(String name, Runnable afterReturn) {
        return CpuThread.start(name, () -> {
            kvm_main.kvm_flush_remote_tlbs(kvm);
            afterReturn.run();
        });
    }

    @Test
    void flushReturnsOnlyAfterEveryVcpuInGuestModeHasLeftIt() throws Exception {
        final int n = 3;
        kvm_vcpu[] v = new kvm_vcpu[n];
        Runner[] r = new Runner[n];
        for (int i = 0; i < n; i++) {
            v[i] = createVcpu(i);
        }
        for (int i = 0; i < n; i++) {
            r[i] = new Runner(v[i]);
        }
        for (Runner x : r) {
            x.awaitInGuest();
        }
        // Every vCPU is now inside run() and cannot leave it before an IPI arrives.
        int[] exits0 = new int[n];
        int[] entries0 = new int[n];
        int[] flushes0 = new int[n];
        for (int i = 0; i < n; i++) {
            exits0[i] = hw.exits.get(i);
            entries0[i] = hw.entries.get(i);
            flushes0[i] = hw.tlb_flushes.get(i);
        }
        int stat0 = kvm.stat.remote_tlb_flush.get();
        kvm.tlbs_dirty.set(7);
        hw.linger_ns = TimeUnit.MILLISECONDS.toNanos(20); // widen any early-return window

        int[] exitsAtReturn = new int[n];
        boolean[] requestedOrConsumed = new boolean[n];
        CpuThread flusher = flushOn("flusher", () -> {
            for (int i = 0; i < n; i++) {
                exitsAtReturn[i] = hw.exits.get(i);
                // Pending, or consumed and flushed, or consumed and about to flush: the vCPU clears
                // the bit (kvm_check_request) just before it calls tlb_flush, so between the two it
                // shows neither; it has not re-entered yet then, and the loop below checks that it
                // flushes before it does. Read entries first: a re-entry seen there implies a flush
                // that the later read of tlb_flushes must see.
                boolean notReentered = hw.entries.get(i) == entries0[i];
                requestedOrConsumed[i] = flushRequested(v[i]) || hw.tlb_flushes.get(i) > flushes0[i] || notReentered;
            }
        });
        flusher.join(JOIN_MS);
        hw.linger_ns = 0;

        for (int i = 0; i < n; i++) {
            assertTrue(exitsAtReturn[i] > exits0[i],
                    "kvm_flush_remote_tlbs returned before vcpu" + i + " (in guest mode at the call) left the guest");
            assertTrue(requestedOrConsumed[i], "vcpu" + i + ": KVM_REQ_TLB_FLUSH neither pending nor consumed");
        }
        assertEquals(stat0 + 1, kvm.stat.remote_tlb_flush.get(), "one flush that sent IPIs counts once");
        assertEquals(0, kvm.tlbs_dirty.get(), "tlbs_dirty reset by the flush");

        // Each vCPU consumes the request on its next entry: tlb_flush runs before it re-enters.
        for (int i = 0; i < n; i++) {
            final int id = i;
            CpuThread.awaitTrue("vcpu" + i + " back in the guest", JOIN_MS,
                    () -> hw.entries.get(id) > entries0[id] && hw.in_guest.get(id) == 1);
            assertTrue(hw.tlb_flushes.get(i) > flushes0[i], "vcpu" + i + " re-entered without tlb_flush");
            assertFalse(flushRequested(v[i]), "vcpu" + i + ": request consumed on entry");
        }
        assertEquals(0, hw.bad_entries.get(), "run() always entered with interrupts off in guest mode");
    }

    @Test
    void vcpusOutsideGuestModeAreRequestedButNotWaitedFor() throws Exception {
        kvm_vcpu running = createVcpu(0);
        kvm_vcpu parkedVcpu = createVcpu(1);
        kvm_vcpu neverLoaded = createVcpu(2);
        kvm_vcpu idle = createVcpu(3); // loaded once, by this test thread, at KVM_CREATE_VCPU
        neverLoaded.cpu = -1; // as before kvm_arch_vcpu_setup's first vcpu_load

        Runner r0 = new Runner(running);
        Runner r1 = new Runner(parkedVcpu);
        r0.awaitInGuest();
        r1.awaitInGuest();
        r1.leaveAndPark(); // it has been in guest mode, now waits outside with interrupts on
        assertTrue(r1.cpu.isAlive());
        assertEquals(r1.cpu.cpu(), parkedVcpu.cpu, "vcpu1 stays bound to its CPU");
        assertEquals(OUTSIDE_GUEST_MODE, parkedVcpu.mode());
        assertEquals(-1, neverLoaded.cpu);
        assertTrue(idle.cpu >= 0);

        int exits0 = hw.exits.get(0);
        int flushes0 = hw.tlb_flushes.get(0);
        int parkedFlushes0 = hw.tlb_flushes.get(1);
        int stat0 = kvm.stat.remote_tlb_flush.get();
        int[] exitsAtReturn = {-1};
        CpuThread flusher = flushOn("flusher", () -> exitsAtReturn[0] = hw.exits.get(0));
        flusher.join(JOIN_MS); // an IPI to vcpu1's or vcpu3's CPU would never be answered: hang = failure

        assertTrue(exitsAtReturn[0] > exits0, "returned before the in-guest vcpu0 left the guest");
        // vcpu0 clears the request bit before it calls tlb_flush, so at the flusher's return the
        // request may be in between: set, or consumed with the flush just about to be counted.
        CpuThread.awaitTrue("vcpu0's request set or consumed", JOIN_MS,
                () -> flushRequested(running) || hw.tlb_flushes.get(0) > flushes0);
        assertEquals(stat0 + 1, kvm.stat.remote_tlb_flush.get());
        for (kvm_vcpu v : new kvm_vcpu[] {parkedVcpu, neverLoaded, idle}) {
            assertTrue(flushRequested(v), v + ": KVM_REQ_TLB_FLUSH set even outside guest mode");
            assertEquals(OUTSIDE_GUEST_MODE, v.mode(), v + ": mode untouched");
        }
        assertEquals(parkedFlushes0, hw.tlb_flushes.get(1), "the parked vcpu1 has not re-entered to consume it");

        r1.resume.countDown();
        r1.cpu.join(JOIN_MS);
        assertFalse(r1.ipi_pending_when_resumed, "no IPI was queued for the CPU of a vCPU outside guest mode");
    }

    @Test
    void onlyFlushesThatSentAnIpiAreCountedAndTlbsDirtyIsAlwaysReset() throws Exception {
        kvm_vcpu a = createVcpu(0);
        kvm_vcpu b = createVcpu(1);
        int stat0 = kvm.stat.remote_tlb_flush.get();

        // Nobody in guest mode: no IPI, no count, but the requests are made and tlbs_dirty reset.
        kvm.tlbs_dirty.set(5);
        flushOn("flusher-idle", () -> { }).join(JOIN_MS);
        assertEquals(stat0, kvm.stat.remote_tlb_flush.get(), "no IPI sent: not counted");
        assertEquals(0, kvm.tlbs_dirty.get());
        assertTrue(flushRequested(a) && flushRequested(b));

        boolean[] called = {true};
        CpuThread.start("requester-idle", () -> called[0] = kvm_main.make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH))
                .join(JOIN_MS);
        assertFalse(called[0], "make_all_cpus_request with nobody in guest mode sends no IPI");
        assertEquals(stat0, kvm.stat.remote_tlb_flush.get(), "make_all_cpus_request itself counts nothing");

        // One vCPU in guest mode: each flush sends an IPI and counts once.
        Runner r = new Runner(a);
        r.awaitInGuest();
        kvm.tlbs_dirty.set(2);
        flushOn("flusher-1", () -> { }).join(JOIN_MS);
        assertEquals(stat0 + 1, kvm.stat.remote_tlb_flush.get());
        assertEquals(0, kvm.tlbs_dirty.get());
        r.awaitInGuest();
        flushOn("flusher-2", () -> { }).join(JOIN_MS);
        assertEquals(stat0 + 2, kvm.stat.remote_tlb_flush.get());

        r.awaitInGuest();
        CpuThread.start("requester-busy", () -> called[0] = kvm_main.make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH))
                .join(JOIN_MS);
        assertTrue(called[0], "make_all_cpus_request interrupted the vCPU in guest mode");
        assertEquals(stat0 + 2, kvm.stat.remote_tlb_flush.get(), "only kvm_flush_remote_tlbs counts");

        // Back to nobody in guest mode.
        r.leaveAndPark();
        flushOn("flusher-3", () -> { }).join(JOIN_MS);
        assertEquals(stat0 + 2, kvm.stat.remote_tlb_flush.get(), "no IPI sent: not counted");
    }

    @Test
    void tlbsDirtyRaisedWhileTheFlushWaitsIsNotLost() throws Exception {
        kvm_vcpu v = createVcpu(0);
        // While the flusher waits for the IPI, the vCPU owes another flush (as sync_page would).
        hw.on_interrupt = x -> kvm.tlbs_dirty.set(kvm.tlbs_dirty.get() + 1); // only writer meanwhile
        Runner r = new Runner(v);
        r.awaitInGuest();
        kvm.tlbs_dirty.set(3);
        flushOn("flusher", () -> { }).join(JOIN_MS);
        // The flush read 3 before its IPI and clears only that value (cmpxchg): the later 4 survives.
        assertEquals(4, kvm.tlbs_dirty.get(), "a tlbs_dirty increment made during the flush was wiped");
    }

    @Test
    void neverLoadedOrOwnVcpuIsNotInterruptedWhateverItsMode() throws Exception {
        kvm_vcpu ghost = createVcpu(0);
        kvm_vcpu own = createVcpu(1);
        ghost.cpu = -1;
        ghost.set_mode(IN_GUEST_MODE); // cannot happen for real; shows the cpu test comes first
        int stat0 = kvm.stat.remote_tlb_flush.get();
        boolean[] called = {true};
        int[] ownModeAfter = {-1};
        CpuThread.start("own", () -> {
            kvm_main.vcpu_load(own);
            try {
                // This CPU's own vCPU, inside a lockless walk: the flusher never IPIs itself.
                mmu.walk_shadow_page_lockless_begin(own);
                try {
                    called[0] = kvm_main.make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);
                    kvm_main.kvm_flush_remote_tlbs(kvm);
                    ownModeAfter[0] = own.mode();
                } finally {
                    mmu.walk_shadow_page_lockless_end(own);
                }
            } finally {
                kvm_main.vcpu_put(own);
            }
        }).join(JOIN_MS);
        assertFalse(called[0]);
        assertEquals(stat0, kvm.stat.remote_tlb_flush.get());
        assertEquals(IN_GUEST_MODE, ghost.mode(), "vcpu with cpu == -1: mode not cmpxchg'd to EXITING_GUEST_MODE");
        assertEquals(READING_SHADOW_PAGE_TABLES, ownModeAfter[0], "own vcpu: mode left alone");
        assertTrue(flushRequested(ghost) && flushRequested(own));
    }

    @Test
    void backToBackFlushesEachWaitForTheVcpusThatWereInGuestMode() throws Exception {
        final int n = 2;
        final int rounds = 40;
        kvm_vcpu[] v = new kvm_vcpu[n];
        for (int i = 0; i < n; i++) {
            v[i] = createVcpu(i);
        }
        for (int i = 0; i < n; i++) {
            new Runner(v[i]).awaitInGuest();
        }
        List<String> problems = new ArrayList<>();
        CpuThread flusher = CpuThread.start("flusher", () -> {
            for (int k = 0; k < rounds; k++) {
                boolean[] wasIn = new boolean[n];
                int[] exits0 = new int[n];
                boolean anyIn = false;
                for (int i = 0; i < n; i++) {
                    exits0[i] = hw.exits.get(i);
                    wasIn[i] = hw.in_guest.get(i) == 1; // stays in run() until our IPI arrives
                    anyIn |= wasIn[i];
                }
                int stat0 = kvm.stat.remote_tlb_flush.get();
                kvm_main.kvm_flush_remote_tlbs(kvm);
                int d = kvm.stat.remote_tlb_flush.get() - stat0;
                for (int i = 0; i < n; i++) {
                    if (wasIn[i] && hw.exits.get(i) <= exits0[i]) {
                        problems.add("round " + k + ": returned before vcpu" + i + " left the guest");
                    }
                }
                if (anyIn ? d != 1 : d > 1) {
                    problems.add("round " + k + ": remote_tlb_flush moved by " + d + " (a vCPU was in guest: " + anyIn + ")");
                }
                if (k % 8 == 7) {
                    for (int i = 0; i < n; i++) {
                        final int id = i;
                        CpuThread.awaitTrue("vcpu" + i + " in guest", JOIN_MS, () -> hw.in_guest.get(id) == 1);
                    }
                }
            }
        });
        flusher.join(30_000);
        assertEquals(List.of(), problems);
        assertEquals(0, hw.bad_entries.get());
        for (int i = 0; i < n; i++) {
            assertTrue(hw.tlb_flushes.get(i) > 0, "vcpu" + i + " dropped its TLB at least once");
        }
    }

    @Test
    void locklessShadowWalkDelaysTheFlushUntilItEnds() throws Exception {
        kvm_vcpu v = createVcpu(0);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch flushDone = new CountDownLatch(1);
        AtomicBoolean endCalled = new AtomicBoolean();
        AtomicBoolean returned = new AtomicBoolean();
        AtomicBoolean endSeenAtReturn = new AtomicBoolean();
        boolean[] irqsOffInside = {false};
        boolean[] irqsOnAfter = {false};
        int[] modeInside = {-1};
        int[] modeAfter = {-1};

        CpuThread walker = CpuThread.start("walker", () -> {
            kvm_main.vcpu_load(v);
            try {
                mmu.walk_shadow_page_lockless_begin(v);
                irqsOffInside[0] = irqflags.irqs_disabled();
                modeInside[0] = v.mode();
                inside.countDown();
                CpuThread.await(release, "release the walker");
                endCalled.set(true);
                mmu.walk_shadow_page_lockless_end(v);
                irqsOnAfter[0] = !irqflags.irqs_disabled();
                modeAfter[0] = v.mode();
            } finally {
                kvm_main.vcpu_put(v);
            }
        });
        CpuThread.await(inside, "walker inside the lockless walk");
        int stat0 = kvm.stat.remote_tlb_flush.get();

        CpuThread flusher = flushOn("flusher", () -> {
            endSeenAtReturn.set(endCalled.get());
            returned.set(true);
            flushDone.countDown();
        });
        try {
            // The flusher has made its request on the walker's vCPU: it is at or near the IPI wait.
            CpuThread.awaitTrue("flusher reached the walker's vCPU", JOIN_MS, () -> flushRequested(v));
            assertFalse(flushDone.await(300, TimeUnit.MILLISECONDS),
                    "kvm_flush_remote_tlbs returned while a vCPU was inside walk_shadow_page_lockless_begin/_end");
            assertFalse(returned.get());
            assertTrue(flusher.isAlive());
            assertEquals(READING_SHADOW_PAGE_TABLES, v.mode(), "the flusher's cmpxchg leaves READING_SHADOW_PAGE_TABLES alone");
        } finally {
            release.countDown();
        }
        assertTrue(flushDone.await(JOIN_MS, TimeUnit.MILLISECONDS), "flush did not return after the walk ended");
        flusher.join(JOIN_MS);
        walker.join(JOIN_MS);
        assertTrue(endSeenAtReturn.get(), "the flush returned before walk_shadow_page_lockless_end was called");
        assertEquals(stat0 + 1, kvm.stat.remote_tlb_flush.get(), "the walker was sent an IPI");
        assertTrue(irqsOffInside[0], "interrupts off inside the lockless walk");
        assertEquals(READING_SHADOW_PAGE_TABLES, modeInside[0]);
        assertTrue(irqsOnAfter[0], "interrupts on after the walk");
        assertEquals(OUTSIDE_GUEST_MODE, modeAfter[0]);

        // After the walk the vCPU is outside guest mode: the next flush sends nothing.
        flushOn("flusher-after", () -> { }).join(JOIN_MS);
        assertEquals(stat0 + 1, kvm.stat.remote_tlb_flush.get());
    }
}
