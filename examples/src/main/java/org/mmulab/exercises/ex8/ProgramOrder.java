// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.mode_name;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Exercise 8's barriers, checked as a reviewer checks them: by the order of the code, not by an
 * effect. On x86 a full barrier keeps a later load from being satisfied before an earlier store has
 * left the CPU's store buffer; the port's {@code smp_mb()} is a Java fence, and no deterministic
 * test on this machine can see a load pass a store. So these checks run the code in a
 * {@link VariantLoader} that calls {@link #smp_mb()} at the entry of the port's
 * {@code smp.smp_mb()} (only {@code smp} is rewritten: the code under test is loaded as it is), and
 * watch, through {@link EntryBench}'s vCPUs, where the barriers fall between the stores and reads
 * of {@code vcpu->mode} and {@code vcpu->requests}.
 *
 * <p>A read of {@code vcpu->requests} is not a call the bench can see; it is placed by a probe:
 * when the vCPU passes its first barrier after storing {@code IN_GUEST_MODE}, the check sets a
 * request (as a requester on another CPU could at that moment). A read after the barrier sees it
 * and the vCPU backs out; a read before the barrier does not, and the vCPU enters the guest.
 */
public final class ProgramOrder {
    private ProgramOrder() {}

    static final String SMP = "org/mmulab/kernel/linux/smp";
    static final String SELF = "org/mmulab/exercises/ex8/ProgramOrder";

    /** The watch of the check now running (in the check's loader), or null. */
    private static volatile EntryBench.OrderWatch active;

    /** Called at the entry of {@code smp.smp_mb()} in the check's loader. */
    public static void smp_mb() {
        EntryBench.OrderWatch w = active;
        if (w != null) {
            w.barrier();
        }
    }

    /**
     * Runs the public static method {@code check} of this class in a loader whose
     * {@code smp.smp_mb()} calls {@link #smp_mb()} first. When this grader itself runs in a
     * {@code VariantLoader} (a solution swapped in), that loader's swaps are applied too.
     */
    static void inLoader(String check) throws Throwable {
        ClassLoader here = ProgramOrder.class.getClassLoader();
        List<Swap> swaps = new ArrayList<>();
        if (here instanceof VariantLoader vl) {
            swaps.addAll(vl.extra());
        }
        swaps.add(Swap.before(SMP, "smp_mb", "()V", SELF, "smp_mb"));
        VariantLoader loader = new VariantLoader("v3.16", here, swaps, List.of(ProgramOrder.class.getPackageName() + "."));
        Class<?> c = loader.loadClass(ProgramOrder.class.getName());
        try {
            c.getMethod(check).invoke(null);
        } catch (InvocationTargetException x) {
            throw x.getCause();
        }
        if (!loader.applied().containsKey(SMP + ".smp_mb")) {
            throw new IllegalStateException("the check's hook on smp.smp_mb() was never applied: it saw no barrier at all");
        }
    }

    static final String WHY_STORE_LOAD = "x86 keeps a CPU's stores in order and its loads in order, but a load may be"
            + " satisfied while an earlier store still sits in the CPU's store buffer, unseen by the other CPUs; only a full"
            + " barrier (smp_mb) keeps the load behind the store. Each side of the handshake stores its own variable and then"
            + " loads the other's, and the handshake works only if at least one of the two loads sees the other side's store."
            + " Let either load pass its store and both can read the old values: the requester reads OUTSIDE_GUEST_MODE and"
            + " sends no IPI, the vCPU reads no request and enters the guest with the old TLB, and kvm_flush_remote_tlbs"
            + " returns anyway. This check does not (cannot) make the hardware reorder: it reads the order of your code, as a"
            + " reviewer would, and shows it below.";

    // ------------------------------------------------------------------ the vCPU's side

    /** On vcpu0's thread: its mode stores and barriers during one entry. */
    static final class Entry implements EntryBench.OrderWatch {
        final EntryBench b;
        /** Whether to set a request at the first barrier after IN_GUEST_MODE is stored. */
        final boolean probe;
        int last = -1;
        boolean sawIn;
        boolean probed;
        boolean outsideAfterIn;
        boolean barrierAfterOutside;
        boolean irqsOffAtThatBarrier;

        Entry(EntryBench b, boolean probe) {
            this.b = b;
            this.probe = probe;
        }

        private boolean mine() {
            return Thread.currentThread() == b.owner && b.guestRuns == 0;
        }

        @Override
        public void stored(EntryBench.Vcpu v, int m) {
            if (v != b.vcpu || !mine()) {
                return;
            }
            last = m;
            if (m == IN_GUEST_MODE) {
                sawIn = true;
            } else if (m == OUTSIDE_GUEST_MODE && sawIn) {
                outsideAfterIn = true;
            }
        }

        @Override
        public void read(EntryBench.Vcpu v, int found) {
        }

        @Override
        public void barrier() {
            if (!mine()) {
                return;
            }
            if (last == IN_GUEST_MODE && probe && !probed) {
                probed = true;
                b.note("vcpu0      smp_mb(): from here on every CPU sees IN_GUEST_MODE, and a later read of"
                        + " vcpu->requests sees what other CPUs set before it");
                kvm_host_h.kvm_make_request(KVM_REQ_TLB_FLUSH, b.vcpu);
                b.note("(check)    a requester on another CPU sets KVM_REQ_TLB_FLUSH on vcpu0 now, while vcpu0 is at its barrier");
            } else if (outsideAfterIn && last == OUTSIDE_GUEST_MODE && !barrierAfterOutside) {
                barrierAfterOutside = true;
                irqsOffAtThatBarrier = irqflags.irqs_disabled();
                b.note("vcpu0      smp_mb() (interrupts " + (irqsOffAtThatBarrier ? "still off" : "already on") + ")");
            } else {
                b.note("vcpu0      smp_mb()");
            }
        }
    }

    /** Runs one entry of vcpu0 under {@code plan} (null: nothing happens) with an {@link Entry} watching. */
    private static int watchedEntry(EntryBench b, Entry w, EntryBench.Plan plan) {
        b.watch = w;
        active = w;
        try {
            return b.enter(plan == null ? (k, what, x) -> { } : plan);
        } finally {
            active = null;
            b.watch = null;
        }
    }

    /** Store IN_GUEST_MODE, smp_mb(), then read vcpu->requests. */
    public static void entrySide() {
        try (EntryBench b = new EntryBench()) {
            Entry w = new Entry(b, true);
            int r = watchedEntry(b, w, null);
            if (!w.sawIn) {
                fail("vcpu_enter_guest never stored IN_GUEST_MODE on its way into the guest (vcpu.set_mode). The steps:" + b.shown());
            }
            if (!w.probed) {
                fail("NO BARRIER between storing IN_GUEST_MODE and entering the guest: after vcpu.set_mode(IN_GUEST_MODE) the"
                        + " vCPU must execute smp.smp_mb() before it reads vcpu->requests (and vcpu->mode) for the last time. "
                        + WHY_STORE_LOAD + " In v3.16 (arch/x86/kvm/x86.c 6046-6053) the store comes first, then"
                        + " srcu_read_unlock, whose __srcu_read_unlock starts with a full smp_mb() (kernel/rcu/srcu.c 317), then"
                        + " smp_mb__after_srcu_read_unlock(), which marks that barrier as the one the comment there points to"
                        + " (make_all_cpus_request's). The port's srcu_read_unlock has no barrier, so in the port it is"
                        + " smp.smp_mb(). The steps:" + b.shown());
            }
            if (b.guestRuns != 0 || r != 1) {
                fail("vcpu->requests WAS NOT READ AFTER THE BARRIER: a request set while the vCPU was at its barrier, after it"
                        + " had stored IN_GUEST_MODE, did not stop it" + (b.guestRuns != 0 ? " (it entered the guest)" : "")
                        + ". Its last look at vcpu->requests came before smp_mb() (or never came after it), so that load could"
                        + " pass the store of IN_GUEST_MODE. " + WHY_STORE_LOAD + " v3.16 reads vcpu->requests after the barrier,"
                        + " with interrupts off (arch/x86/kvm/x86.c 6053-6058). The steps:" + b.shown());
            }
        }
    }

    /** Backing out: store OUTSIDE_GUEST_MODE, smp_mb(), then interrupts on. */
    public static void backOut() {
        try (EntryBench b = new EntryBench()) {
            Entry w = new Entry(b, false);
            int r = watchedEntry(b, w, (k, what, x) -> {
                if (k == 0) {
                    kvm_host_h.kvm_make_request(KVM_REQ_TLB_FLUSH, x.vcpu); // pending before the check: the vCPU backs out
                }
            });
            assertEquals(0, b.guestRuns, "with a request pending at the check the vCPU must back out, not enter the guest;"
                    + " the steps:" + b.shown());
            assertEquals(1, r, "backing out returns 1");
            if (!w.sawIn || !w.outsideAfterIn) {
                fail("backing out, the vCPU must first say it is outside guest mode again (vcpu.set_mode(OUTSIDE_GUEST_MODE))"
                        + " after having published IN_GUEST_MODE: the steps:" + b.shown());
            }
            if (!w.barrierAfterOutside || !w.irqsOffAtThatBarrier) {
                fail((w.barrierAfterOutside ? "THE BARRIER COMES TOO LATE: " : "NO BARRIER: ") + "backing out, the vCPU must"
                        + " store OUTSIDE_GUEST_MODE, then execute smp.smp_mb(), and only then turn interrupts back on, as the exit"
                        + " after the guest does. Turning interrupts on is when this CPU takes a requester's pending IPI and"
                        + " acknowledges it; the store of OUTSIDE_GUEST_MODE must be ordered before that, so a requester that"
                        + " sees its IPI taken, and every requester after it, finds the vCPU out of guest mode and does not"
                        + " interrupt a CPU that is not running the guest. v3.16 writes smp_wmb() there (arch/x86/kvm/x86.c"
                        + " 6059-6061, and 6113-6117 after the guest): stores after it stay behind stores before it. The port"
                        + " uses smp.smp_mb() for it. The steps:" + b.shown());
            }
        }
    }

    // ------------------------------------------------------------------ the requester's side

    /** On the requester's thread: which vCPUs had the request at each barrier, and each read of a vCPU's mode. */
    static final class Requester implements EntryBench.OrderWatch {
        final EntryBench b;
        final Thread me = Thread.currentThread();
        /** vCPUs whose request was already set at a barrier of the requester. */
        final Set<Integer> fenced = new HashSet<>();
        final List<String> steps = new ArrayList<>();
        String failure;
        int reads;

        Requester(EntryBench b) {
            this.b = b;
        }

        private List<Integer> requested() {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < b.kvm.online_vcpus.get(); i++) {
                if (bitops.test_bit(KVM_REQ_TLB_FLUSH, b.kvm.vcpus[i].requests)) {
                    ids.add(i);
                }
            }
            return ids;
        }

        @Override
        public void stored(EntryBench.Vcpu v, int m) {
        }

        @Override
        public void barrier() {
            if (Thread.currentThread() != me) {
                return;
            }
            List<Integer> ids = requested();
            fenced.addAll(ids);
            steps.add("requester  smp_mb()   (KVM_REQ_TLB_FLUSH set so far on: " + (ids.isEmpty() ? "none" : "vcpu" + ids) + ")");
        }

        @Override
        public void read(EntryBench.Vcpu v, int found) {
            if (Thread.currentThread() != me) {
                return;
            }
            reads++;
            int id = v.vcpu_id;
            boolean set = bitops.test_bit(KVM_REQ_TLB_FLUSH, v.requests);
            steps.add("requester  reads vcpu" + id + "'s mode (cmpxchg): " + mode_name(found) + "   (its KVM_REQ_TLB_FLUSH "
                    + (set ? "is set" : "is NOT set yet") + ")");
            if (failure != null) {
                return;
            }
            if (!set) {
                failure = "the requester read vcpu" + id + "'s mode BEFORE SETTING ITS REQUEST: the request must be set first,"
                        + " then smp.smp_mb(), then the mode read.";
            } else if (!fenced.contains(id)) {
                failure = "NO BARRIER between setting the request on vcpu" + id + " and reading its mode: after"
                        + " kvm_make_request the requester must execute smp.smp_mb() before kvm_vcpu_exiting_guest_mode reads"
                        + " vcpu->mode.";
            }
        }
    }

    /** make_all_cpus_request: set the request, smp_mb(), then read the mode, on every vCPU it reads. */
    public static void requesterSide() throws Exception {
        CountDownLatch registered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        int[] idle = {-1};
        Thread other = new Thread(() -> {
            idle[0] = task_struct.current().cpu; // another CPU, interrupts on, doing nothing
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
        try (EntryBench b = new EntryBench(4)) {
            kvm_vcpu[] v = b.kvm.vcpus;
            for (int i = 1; i < 4; i++) {
                v[i].cpu = idle[0]; // loaded on another CPU, outside guest mode: their modes are read, no IPI is due
            }
            Requester w = new Requester(b);
            b.watch = w;
            active = w;
            try {
                kvm_main.make_all_cpus_request(b.kvm, KVM_REQ_TLB_FLUSH);
            } finally {
                active = null;
                b.watch = null;
            }
            StringBuilder shown = new StringBuilder();
            for (String s : w.steps) {
                shown.append("\n    ").append(s);
            }
            if (w.reads == 0) {
                fail("make_all_cpus_request read the mode of none of vcpu1..vcpu3, loaded on another CPU: it must read each one's"
                        + " mode (kvm_vcpu_exiting_guest_mode) to know whether that CPU needs an IPI. The steps:" + shown);
            }
            if (w.failure != null) {
                fail(w.failure + " " + WHY_STORE_LOAD + " In v3.16 (virt/kvm/kvm_main.c 166-174) each vCPU gets its request, then"
                        + " smp_mb() with the comment that the request bit must be set before the mode is read, then the"
                        + " cmpxchg of the mode. The request is a set_bit, which Documentation/memory-barriers.txt (2256-2266)"
                        + " counts among the operations that imply no barrier, and kvm_main.c serves every architecture KVM"
                        + " runs on: the order is written down, not left to what one CPU's instructions happen to do."
                        + " The steps:" + shown);
            }
        } finally {
            release.countDown();
            other.join();
        }
    }
}
