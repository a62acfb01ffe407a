// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex8;

import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.mode_name;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_x86_ops;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.sched;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.srcu_struct;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Exercise 8's test bench: one vCPU, played by the thread that makes the bench, on a vendor module
 * of the grader's own (the port lets tests plug in their own {@code kvm_x86_ops}), and requesters
 * on CPUs (threads) of their own. The two sides take turns at fixed points, never by timing:
 *
 * <ul>
 *   <li>the vCPU's <em>points</em> are its reads and writes of {@code vcpu->mode} and its entry into
 *       the guest ({@code kvm_x86_ops->run}); a {@link Plan} can run something just before the
 *       k-th of them;</li>
 *   <li>a requester started there runs until it is done, or until it waits for this vCPU to take
 *       its IPI (then the vCPU goes on, and takes it when it turns interrupts back on);</li>
 *   <li>a requester can also stop right after it has read the vCPU's mode (its cmpxchg), let the
 *       vCPU run into the guest, and finish then.</li>
 * </ul>
 *
 * The guest has written {@link #GFN} before, so the vCPU's TLB caches it writable. A requester
 * write-protects that page and calls {@code kvm_flush_remote_tlbs}: once that returns, the guest
 * must not write the page through the old entry. A write that does is a <em>missed flush</em>,
 * and {@link #trace()} shows, step by step, how it came about.
 */
public final class EntryBench implements kvm_x86_ops, AutoCloseable {
    /** The page the guest writes, and the requester write-protects. */
    public static final long GFN = 0x100;

    /** Something that runs at one of the vCPU's points. */
    @FunctionalInterface
    public interface Plan {
        /** The vCPU is at point {@code k} (0, 1, ...), about to do {@code what}. */
        void at(int k, String what, EntryBench b);
    }

    /** The vCPU of the bench: its mode accesses are the bench's points. */
    public final class Vcpu extends kvm_vcpu {
        Vcpu(kvm kvm, int id) {
            super(kvm, id);
        }

        @Override
        public int mode() {
            point("reads vcpu->mode");
            return super.mode();
        }

        @Override
        public void set_mode(int m) {
            point("vcpu->mode = " + mode_name(m));
            super.set_mode(m);
            OrderWatch w = watch;
            if (w != null) {
                w.stored(this, m);
            }
            point(null); // right after the store: another CPU can see the new mode from here on
        }

        @Override
        public int cmpxchg_mode(int o, int n) {
            int found = super.cmpxchg_mode(o, n);
            OrderWatch w = watch;
            if (w != null) {
                w.read(this, found);
            }
            if (Thread.currentThread() != owner && requester != null && requester.thread == Thread.currentThread()) {
                requester.modeRead(this, found);
            }
            return found;
        }

        /** The mode, without making a point. */
        public int rawMode() {
            return super.mode();
        }
    }

    /**
     * Sees, in program order, the stores of {@code vcpu->mode} (any vCPU of the bench, any thread),
     * the requesters' cmpxchg of it, and the barriers ({@link ProgramOrder} hooks {@code smp_mb}).
     */
    interface OrderWatch {
        void stored(Vcpu v, int mode);

        void read(Vcpu v, int found);

        void barrier();
    }

    /** The watch of a {@link ProgramOrder} test, or null. */
    volatile OrderWatch watch;

    public final kvm kvm;
    /** vcpu0, loaded on this bench's thread. */
    public final Vcpu vcpu;
    final Thread owner = Thread.currentThread();
    private final long savedSlice = sched.sched_slice_ns;
    private final List<String> trace = Collections.synchronizedList(new ArrayList<>());

    /** The points the vCPU passed so far, and the plan that runs at them (null: none). */
    int points;
    Plan plan;
    Requester requester;

    /** The vCPU's TLB caches GFN writable. */
    volatile boolean tlbWritable = true;
    /** A requester's kvm_flush_remote_tlbs has returned: no vCPU may write GFN through an old entry now. */
    volatile boolean flushReturned;
    /** Guest entries ({@code run}), guest writes through an entry the flush should have dropped, TLB flushes. */
    public int guestRuns;
    public int staleWrites;
    public int tlbFlushes;
    /** What the vCPU looked like inside the guest, at its last entry. */
    public boolean irqsOffInGuest;
    public int modeInGuest = -1;
    public long srcuReadersInGuest = -1;
    public int preemptCountInGuest = -1;
    /** A requester's failure (it threw), if any. */
    Throwable requesterFailure;

    public EntryBench() {
        this(1);
    }

    /** A VM with {@code nvcpus} vCPUs (vcpu0 is this thread's), all made by this bench's vendor module. */
    public EntryBench(int nvcpus) {
        sched.sched_slice_ns = Long.MAX_VALUE; // need_resched() only when a test asks for it
        task_struct me = task_struct.current();
        me.need_resched_flag = false;
        me.sigpending = false;
        x86.kvm_arch_init(this);
        vmx.hardware_setup(false);
        kvm = kvm_main.kvm_create_vm(0);
        Vmm.check(kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                Vmm.region(0, 0, GFN, 16, Vmm.USER_BASE + (GFN << 12))), "KVM_SET_USER_MEMORY_REGION");
        for (int i = 0; i < nvcpus; i++) {
            long r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, i);
            if (r != i) {
                throw new IllegalStateException("KVM_CREATE_VCPU " + i + " returned " + r);
            }
        }
        vcpu = (Vcpu) kvm.vcpus[0];
        kvm_main.vcpu_load(vcpu);
        Vmm.check(mmu.kvm_mmu_load(vcpu), "kvm_mmu_load");
        vcpu.srcu_idx = srcu_struct.srcu_read_lock(kvm.srcu); // as __vcpu_run holds it around vcpu_enter_guest
    }

    /** The steps so far, one line each, in the order they happened. */
    public List<String> trace() {
        synchronized (trace) {
            return List.copyOf(trace);
        }
    }

    /** The trace as a block for a failure message. */
    public String shown() {
        StringBuilder b = new StringBuilder();
        for (String s : trace()) {
            b.append("\n    ").append(s);
        }
        return b.toString();
    }

    void note(String s) {
        trace.add(s);
    }

    /** A point of the vCPU ({@code what} null: right after a store of the mode, shown with the store). */
    void point(String what) {
        if (Thread.currentThread() != owner || plan == null) {
            return;
        }
        int k = points++;
        plan.at(k, what == null ? AFTER_STORE : what, this);
        if (what != null) {
            note("vcpu0      " + what);
        }
    }

    static final String AFTER_STORE = "(has stored vcpu->mode)";

    /** Whether KVM_REQ_TLB_FLUSH is pending on vcpu0. */
    public boolean flushRequested() {
        return bitops.test_bit(KVM_REQ_TLB_FLUSH, vcpu.requests);
    }

    /** One vcpu_enter_guest of vcpu0 under {@code p} (null: none); returns what it returned. */
    public int enter(Plan p) {
        plan = p;
        points = 0;
        try {
            return x86.vcpu_enter_guest(vcpu);
        } finally {
            plan = null;
        }
    }

    /**
     * Enters until the guest has run once (at most {@code max} entries), under {@code p} at the
     * first; returns the values vcpu_enter_guest returned.
     */
    public List<Integer> enterUntilGuestRan(Plan p, int max) {
        List<Integer> rs = new ArrayList<>();
        int runs = guestRuns;
        for (int i = 0; i < max && guestRuns == runs; i++) {
            rs.add(enter(i == 0 ? p : null));
            if (requester != null && requester.paused && !requester.resumed) {
                requester.resumeAndWait(this); // it waited for the vCPU to reach the guest; it backed out instead
            }
        }
        return rs;
    }

    /** How many points an entry with nothing happening passes (a dry run on a fresh bench). */
    public static int pointsOfOneEntry() {
        try (EntryBench b = new EntryBench()) {
            int[] n = {0};
            b.enter((k, what, x) -> n[0] = k + 1);
            return n[0];
        }
    }

    // ------------------------------------------------------------------ requesters

    /** What a requester does on its own CPU. */
    public enum Action {
        /** Write-protects GFN and calls kvm_flush_remote_tlbs, as the MMU does. */
        FLUSH,
        /** kvm_vcpu_kick(vcpu0) alone: make it leave guest mode (as the VMM does before a signal). */
        KICK
    }

    /** A requester on a thread (a CPU) of its own. */
    final class Requester {
        final Thread thread;
        final Action action;
        final boolean pauseAfterModeRead;
        volatile boolean done;
        volatile boolean paused;
        volatile boolean resumed;

        Requester(Action action, boolean pauseAfterModeRead) {
            this.action = action;
            this.pauseAfterModeRead = pauseAfterModeRead;
            this.thread = new Thread(this::body, "requester");
            this.thread.setDaemon(true);
        }

        private void body() {
            try {
                if (action == Action.FLUSH) {
                    note("requester  write-protects gfn 0x" + Long.toHexString(GFN) + ", calls kvm_flush_remote_tlbs");
                    int before = kvm.stat.remote_tlb_flush.get();
                    kvm_main.kvm_flush_remote_tlbs(kvm);
                    flushReturned = true;
                    note("requester  kvm_flush_remote_tlbs returns, "
                            + (kvm.stat.remote_tlb_flush.get() > before ? "after an IPI to vcpu0's CPU was taken" : "without an IPI")
                            + ": from now on no guest may write gfn 0x" + Long.toHexString(GFN) + " through an old TLB entry");
                } else {
                    note("requester  kvm_vcpu_kick(vcpu0)");
                    kvm_main.kvm_vcpu_kick(vcpu);
                }
            } catch (Throwable t) {
                requesterFailure = t;
                note("requester  FAILED: " + t);
            } finally {
                done = true;
            }
        }

        /** On the requester's thread, right after it read vcpu0's mode with cmpxchg. */
        void modeRead(Vcpu v, int found) {
            String req = action == Action.FLUSH ? "KVM_REQ_TLB_FLUSH on vcpu0 " + (flushRequested() ? "is set" : "is NOT set yet") + "; " : "";
            note("requester  " + req + "reads vcpu0's mode: " + mode_name(found)
                    + (found == kvm_host_h_IN ? " (moves it to EXITING_GUEST_MODE: an IPI follows)" : ": no IPI for vcpu0"));
            if (action == Action.KICK && found == kvm_host_h_IN && Thread.currentThread() == thread) {
                kickLanded = true;
            }
            if (pauseAfterModeRead && !paused) {
                paused = true;
                while (!resumed) {
                    Thread.yield();
                }
            }
        }

        /** The vCPU lets a paused requester finish, and waits until it is done or waits for this vCPU's IPI. */
        void resumeAndWait(EntryBench b) {
            resumed = true;
            waitDoneOrIpi();
        }

        /** Until the requester is done, paused, or waiting for this CPU to take its IPI. */
        void waitDoneOrIpi() {
            while (!done && !(paused && !resumed) && !smp.ipi_pending()) {
                Thread.yield();
            }
        }
    }

    private static final int kvm_host_h_IN = org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;

    /** At the vCPU's point: start a requester and let it run until it is done or waits for this vCPU. */
    public void runRequester(Action a) {
        Requester r = new Requester(a, false);
        requester = r;
        r.thread.start();
        r.waitDoneOrIpi();
    }

    /**
     * Before the vCPU's entry: start a FLUSH requester that stops right after it read vcpu0's mode.
     * The vCPU then runs; when it enters the guest (or backs out) the requester finishes.
     */
    public void startRequesterThatPausesAfterModeRead() {
        Requester r = new Requester(Action.FLUSH, true);
        requester = r;
        r.thread.start();
        r.waitDoneOrIpi();
    }

    /** A plan: a requester doing {@code a} at point {@code k}. */
    public static Plan requesterAt(int k, Action a) {
        return (i, what, b) -> {
            if (i == k) {
                b.runRequester(a);
            }
        };
    }

    /**
     * A plan: at point {@code k}, a FLUSH requester runs up to its read of vcpu0's mode and stops
     * there; the vCPU goes on, and when it enters the guest (or backs out) the requester finishes.
     */
    public static Plan pausingRequesterAt(int k) {
        return (i, what, b) -> {
            if (i == k) {
                b.startRequesterThatPausesAfterModeRead();
            }
            if (what.equals(ENTERS) && b.requester != null && b.requester.paused && !b.requester.resumed) {
                b.requester.resumeAndWait(b);
            }
        };
    }

    /** Whether a kick found vcpu0 in guest mode before it entered the guest (then it must not enter). */
    volatile boolean kickLanded;
    /** Entries into the guest after a kick had landed. */
    public int enteredAfterKick;

    /** Waits for the last requester to end (it may wait for an IPI this vCPU takes with interrupts on). */
    public void joinRequester() throws InterruptedException {
        if (requester == null) {
            return;
        }
        if (irqflags.irqs_disabled() && !requester.done) {
            irqflags.local_irq_enable(); // a broken back-out left them off: take the IPI so the requester ends
        }
        if (requester.paused && !requester.resumed) {
            requester.resumed = true;
        }
        requester.thread.join();
        if (requesterFailure != null) {
            throw new AssertionError("the requester failed: " + requesterFailure, requesterFailure);
        }
    }

    // ------------------------------------------------------------------ the vendor module

    static final String ENTERS = "enters the guest";

    @Override
    public kvm_vcpu vcpu_create(kvm kvm, int id) {
        Vcpu v = new Vcpu(kvm, id);
        return kvm_main.kvm_vcpu_init(v, kvm, id) == 0 ? v : null;
    }

    @Override
    public void cache_reg(kvm_vcpu vcpu, int reg) {
        vcpu.arch.regs_avail |= 1 << reg;
    }

    @Override
    public void tlb_flush(kvm_vcpu v) {
        tlbFlushes++;
        tlbWritable = false;
        note("vcpu0      KVM_REQ_TLB_FLUSH seen: its TLB is flushed");
    }

    /**
     * The guest: if an interrupt is pending it exits at once (the hardware would, with
     * external-interrupt exiting); otherwise it writes {@link #GFN}.
     */
    @Override
    public void run(kvm_vcpu v) {
        if (kickLanded) {
            enteredAfterKick++;
            note("vcpu0      enters the guest although the kick had moved it to EXITING_GUEST_MODE");
        }
        point(ENTERS);
        guestRuns++;
        irqsOffInGuest = irqflags.irqs_disabled();
        modeInGuest = vcpu.rawMode();
        srcuReadersInGuest = kvm.srcu.active_readers();
        preemptCountInGuest = preempt.preempt_count();
        if (smp.ipi_pending()) {
            note("vcpu0      an interrupt is pending: the guest exits at once");
            return;
        }
        if (!tlbWritable) {
            note("vcpu0      guest writes gfn 0x" + Long.toHexString(GFN) + ": TLB miss (the old entry is gone)");
        } else if (flushReturned) {
            staleWrites++;
            note("vcpu0      guest writes gfn 0x" + Long.toHexString(GFN) + ": TLB hit RW, through the entry the flush was"
                    + " meant to drop (" + (flushRequested() ? "KVM_REQ_TLB_FLUSH is still pending, and no IPI is coming"
                    : "no request is pending") + "): MISSED FLUSH");
        } else {
            note("vcpu0      guest writes gfn 0x" + Long.toHexString(GFN) + ": TLB hit RW");
        }
    }

    @Override
    public int handle_exit(kvm_vcpu v) {
        return 1;
    }

    @Override
    public int get_tdp_level() {
        return vmx.get_ept_level();
    }

    @Override
    public long get_mt_mask(kvm_vcpu v, long gfn, boolean is_mmio) {
        return vmx.vmx_get_mt_mask(v, gfn, is_mmio);
    }

    @Override
    public int get_lpage_level() {
        return vmx.vmx_get_lpage_level();
    }

    @Override
    public void set_tdp_cr3(kvm_vcpu v, long cr3) {
    }

    @Override
    public void close() {
        try {
            joinRequester();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (AssertionError e) {
            // reported by the test that ran it
        } finally {
            task_struct me = task_struct.current();
            me.need_resched_flag = false;
            me.sigpending = false;
            if (me.irqs_off) {
                irqflags.local_irq_enable();
            }
            srcu_struct.srcu_read_unlock(kvm.srcu, vcpu.srcu_idx);
            kvm_main.vcpu_put(vcpu);
            sched.sched_slice_ns = savedSlice;
        }
    }
}
