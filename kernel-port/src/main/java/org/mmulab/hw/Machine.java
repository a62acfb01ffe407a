// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.errno;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * The hardware under the port: guest memory of real bytes, and vCPUs that run guest code through
 * a software TLB. Each vCPU is a thread that calls KVM_RUN like a VMM's vCPU thread; inside, the
 * port's {@code vcpu_enter_guest} calls {@link #run}, which executes guest accesses until an EPT
 * violation, an interrupt (a flush or kick IPI) or the end of its time slice.
 *
 * <p>A TLB hit on a writable entry writes memory with no fault. A miss walks the EPT tables from
 * the vCPU's root with plain loads of the sptes; a missing or read-only leaf is an EPT violation,
 * handled by the port's {@code handle_ept_violation}. {@link #tlb_flush} is what KVM_REQ_TLB_FLUSH
 * does on entry. The port is untouched: the machine only implements {@code kvm_x86_ops}.
 *
 * <p>There is one {@code kvm_x86_ops} per JVM, as in the kernel, so one machine at a time.
 */
public final class Machine extends vmx {
    private static final Logger log = LogManager.getLogger("mmulab.hw");

    /** Where guest RAM lives in the (identity-mapped) host user address space. */
    public static final long USER_BASE = 0x7f00_0000_0000L;

    /** Machine settings. */
    public static final class Options {
        /** Entries per vCPU TLB. */
        public int tlbEntries = 64;
        /** Guest accesses per trip into the guest before a timer exit. */
        public int accessesPerEntry = 256;
        /** Idle time after each time slice (0: run flat out), waking early on an interrupt. */
        public long idleNanos = 0;
        /** EPT accessed/dirty bits (the hardware then sets them in leaf sptes). */
        public boolean eptAdBits = false;
    }

    enum ExitReason { EPT_VIOLATION, EXTERNAL_INTERRUPT, PREEMPTION_TIMER }

    /** One vCPU: the port's kvm_vcpu, its TLB and guest workload, and the thread that runs it. */
    public final class Cpu {
        public final kvm_vcpu vcpu;
        public final SoftTlb tlb;
        final Workload workload;
        volatile Thread thread;
        volatile task_struct task;
        volatile boolean parked;
        volatile long error;

        ExitReason exitReason;
        long exitQualification;
        long exitGpa;
        /** The access that faulted, replayed first on the next entry (the instruction restarts). */
        long pendingGfn = -1;
        boolean pendingWrite;
        int pendingSlot;

        long seq;
        public final AtomicLong writes = new AtomicLong();
        public final AtomicLong reads = new AtomicLong();
        public final AtomicLong eptViolations = new AtomicLong();
        public final AtomicLong tlbFlushes = new AtomicLong();
        public final AtomicLong tlbEntriesDropped = new AtomicLong();
        /** Writes the MMU would not map writable, done by the emulator instead. */
        public final AtomicLong emulatedWrites = new AtomicLong();

        Cpu(kvm_vcpu vcpu, Workload workload) {
            this.vcpu = vcpu;
            this.tlb = new SoftTlb(options.tlbEntries);
            this.workload = workload;
        }

        public int id() {
            return vcpu.vcpu_id;
        }
    }

    /** A broken invariant, with what the checker saw. */
    public record Violation(String invariant, long gfn, int vcpu, long spte, String tlbEntry, String detail) {
        @Override
        public String toString() {
            return String.format("%s: gfn 0x%x, vcpu %d, spte 0x%016x, TLB %s: %s", invariant, gfn, vcpu, spte, tlbEntry, detail);
        }
    }

    public final Options options;
    public final kvm kvm;
    public final GuestMemory memory;
    private final List<Cpu> cpus = new ArrayList<>();
    /** Per page: the stamp of its last write (vcpu+1 in the top 16 bits, then a sequence number). */
    private final AtomicLongArray lastWriter;
    /**
     * Pausing uses park/unpark and volatile flags, not a monitor's wait/notify, so that a thread
     * never blocks inside a monitor: the controlled scheduler of {@code mmulab explore} can then
     * stand in for every wait. The monitor only guards who the pauser is.
     */
    private final Object pauseLock = new Object();
    private volatile boolean pauseRequested;
    private volatile Thread pauser;
    private volatile boolean shutdown;

    /**
     * Builds the machine: loads it as the vendor module (kvm_arch_init with these ops, then the
     * EPT hardware setup), creates a VM and allocates {@code memoryPages} pages of guest RAM at
     * {@link #USER_BASE}. The VMM maps that RAM with KVM_SET_USER_MEMORY_REGION.
     */
    public Machine(Options options, long memoryPages) {
        this.options = options;
        this.memory = new GuestMemory(USER_BASE, memoryPages);
        this.lastWriter = new AtomicLongArray(memory.npages);
        x86.kvm_arch_init(this);
        vmx.hardware_setup(options.eptAdBits);
        this.kvm = kvm_main.kvm_create_vm(0);
    }

    /** KVM_CREATE_VCPU, with the workload its guest will run. */
    public Cpu addVcpu(Workload workload) {
        int id = cpus.size();
        long r = kvm_main.kvm_vm_ioctl(kvm, kvm_h.KVM_CREATE_VCPU, id);
        if (r != id) {
            throw new IllegalStateException("KVM_CREATE_VCPU " + id + " failed: " + errno.name((int) r));
        }
        Cpu c = new Cpu(kvm.vcpus[id], workload);
        cpus.add(c);
        return c;
    }

    public List<Cpu> cpus() {
        return Collections.unmodifiableList(cpus);
    }

    /** Starts one thread per vCPU, each looping on KVM_RUN. */
    public void start() {
        for (Cpu c : cpus) {
            Thread t = new Thread(() -> vcpuThread(c), "vcpu" + c.id());
            t.setDaemon(true);
            c.thread = t;
            t.start();
        }
    }

    /** The userspace side of a vCPU thread: KVM_RUN until shutdown; a signal parks it while paused. */
    private void vcpuThread(Cpu c) {
        c.task = task_struct.current();
        while (!shutdown) {
            long r = kvm_main.kvm_vcpu_ioctl(c.vcpu, kvm_h.KVM_RUN, null);
            if (r == -errno.EINTR) {
                c.task.sigpending = false; // the VMM's signal handler ran
                waitWhilePaused(c);
                continue;
            }
            if (r < 0) {
                c.error = r;
                log.error("vcpu{}: KVM_RUN returned {}", c.id(), errno.name((int) r));
                return;
            }
        }
    }

    private void waitWhilePaused(Cpu c) {
        if (!pauseRequested) {
            return;
        }
        c.parked = true;
        Thread p = pauser;
        if (p != null) {
            LockSupport.unpark(p);
        }
        while (pauseRequested && !shutdown) {
            LockSupport.park(pauseLock);
        }
        c.parked = false;
    }

    /**
     * Stops every vCPU at a safe point outside the guest, as a VMM does with a signal and a kick:
     * each one's KVM_RUN returns -EINTR and its thread waits. TLBs keep their entries, and flush
     * requests stay pending, exactly as they were. Throws if a vCPU does not stop in 30 s.
     * One pauser at a time: a second waits until the first calls {@link #resumeAll()}.
     */
    public void pauseAll() {
        while (true) {
            synchronized (pauseLock) {
                if (pauser == null) {
                    pauser = Thread.currentThread();
                    pauseRequested = true;
                    break;
                }
            }
            Thread.yield(); // another VMM thread has them paused: wait for its resumeAll
        }
        for (Cpu c : cpus) {
            while (c.task == null && c.thread != null && c.thread.isAlive()) {
                Thread.onSpinWait();
            }
            if (c.task != null) {
                c.task.sigpending = true;
                kvm_main.kvm_vcpu_kick(c.vcpu);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!allParked()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                resumeAll();
                throw new IllegalStateException("vCPUs did not stop within 30 s: " + describeCpus());
            }
            LockSupport.parkNanos(pauseLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)));
        }
    }

    private boolean allParked() {
        for (Cpu c : cpus) {
            if (c.thread != null && c.thread.isAlive() && !c.parked) {
                return false;
            }
        }
        return true;
    }

    private String describeCpus() {
        StringBuilder b = new StringBuilder();
        for (Cpu c : cpus) {
            b.append(String.format("vcpu%d mode=%s parked=%b; ", c.id(), kvm_host_h.mode_name(c.vcpu.mode()), c.parked));
        }
        return b.toString();
    }

    public void resumeAll() {
        pauseRequested = false;
        synchronized (pauseLock) {
            pauser = null;
        }
        for (Cpu c : cpus) {
            Thread t = c.thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Stops and joins every vCPU thread. */
    public void shutdown() {
        shutdown = true;
        resumeAll();
        for (Cpu c : cpus) {
            if (c.task != null) {
                c.task.sigpending = true;
                kvm_main.kvm_vcpu_kick(c.vcpu);
            }
        }
        for (Cpu c : cpus) {
            if (c.thread != null) {
                try {
                    c.thread.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (c.thread.isAlive()) {
                    throw new IllegalStateException("vcpu" + c.id() + " did not stop");
                }
            }
        }
    }

    /** The stamp of the last write to page {@code page} (0: never written). */
    public long lastWriter(int page) {
        return lastWriter.get(page);
    }

    /** vCPU id of a stamp, -1 for none. */
    public static int writerOf(long stamp) {
        return stamp == 0 ? -1 : (int) (stamp >>> 48) - 1;
    }

    // ---- kvm_x86_ops: what the port asks of the hardware ----

    @Override
    public void tlb_flush(kvm_vcpu vcpu) {
        Cpu c = cpus.get(vcpu.vcpu_id);
        c.tlbFlushes.incrementAndGet();
        c.tlbEntriesDropped.addAndGet(c.tlb.flush());
    }

    /** Runs guest accesses until an EPT violation, a pending interrupt or the end of the slice. */
    @Override
    public void run(kvm_vcpu vcpu) {
        Cpu c = cpus.get(vcpu.vcpu_id);
        for (int i = 0; i < options.accessesPerEntry; i++) {
            if (smp.ipi_pending()) {
                c.exitReason = ExitReason.EXTERNAL_INTERRUPT;
                return;
            }
            long gfn;
            boolean write;
            int slot;
            if (c.pendingGfn >= 0) {
                gfn = c.pendingGfn;
                write = c.pendingWrite;
                slot = c.pendingSlot;
                c.pendingGfn = -1;
            } else {
                gfn = c.workload.nextGfn();
                write = c.workload.nextIsWrite() && c.workload.writes(gfn);
                slot = c.workload.nextSlot();
            }
            if (!access(c, gfn, write, slot)) {
                c.pendingGfn = gfn;
                c.pendingWrite = write;
                c.pendingSlot = slot;
                return; // EPT violation
            }
        }
        c.exitReason = ExitReason.PREEMPTION_TIMER;
        if (options.idleNanos > 0) {
            smp.wait_for_ipi(options.idleNanos);
        }
    }

    /** One guest access; false (with the exit recorded) on an EPT violation. */
    private boolean access(Cpu c, long gfn, boolean write, int slot) {
        SoftTlb.Entry e = c.tlb.lookup(gfn);
        long pfn;
        if (e != null && (!write || e.writable())) {
            pfn = e.pfn();
        } else {
            pfn = walk(c, gfn, write);
            if (pfn < 0) {
                return false;
            }
        }
        int page = memory.pageOfPfn(pfn);
        if (page < 0) {
            throw new IllegalStateException(String.format("vcpu%d: gfn 0x%x maps pfn 0x%x outside guest RAM", c.id(), gfn, pfn));
        }
        if (write) {
            long stamp = ((long) (c.id() + 1) << 48) | ++c.seq;
            memory.writeWord(page, slot, stamp);
            lastWriter.set(page, stamp);
            c.writes.incrementAndGet();
        } else {
            memory.readWord(page, slot);
            c.reads.incrementAndGet();
        }
        return true;
    }

    /**
     * The EPT walk of a TLB miss: plain loads from the root down. Fills the TLB and returns the
     * pfn, or records an EPT violation (exit qualification: bit 1 write, bit 3 the leaf was
     * readable, i.e. present) and returns -1. With EPT A/D bits, sets accessed (and dirty on a
     * write) in the leaf atomically, as the hardware's walker does.
     */
    private long walk(Cpu c, long gfn, boolean write) {
        long gpa = gfn << mm.PAGE_SHIFT;
        long shadow = c.vcpu.arch.mmu.root_hpa;
        for (int level = c.vcpu.arch.mmu.shadow_root_level; level >= mmu_h.PT_PAGE_TABLE_LEVEL; level--) {
            long sptep = shadow + 8L * mmu.PT64_INDEX(gpa, level);
            long spte = mm.deref(sptep);
            if ((spte & mmu_h.PT_PRESENT_MASK) == 0) {
                return violation(c, gpa, write ? 2 : 0);
            }
            if (level == mmu_h.PT_PAGE_TABLE_LEVEL || mmu.is_large_pte(spte)) {
                boolean writable = (spte & mmu_h.PT_WRITABLE_MASK) != 0;
                if (write && !writable) {
                    return violation(c, gpa, 2 | 8);
                }
                if (mmu.shadow_accessed_mask != 0) {
                    setAccessedDirty(sptep, spte, write);
                }
                long pfn = mmu.spte_to_pfn(spte) + (gfn & (org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_PAGES_PER_HPAGE(level) - 1));
                c.tlb.fill(gfn, pfn, writable);
                return pfn;
            }
            shadow = spte & mmu.PT64_BASE_ADDR_MASK;
        }
        return violation(c, gpa, write ? 2 : 0);
    }

    private static void setAccessedDirty(long sptep, long spte, boolean write) {
        long want = mmu.shadow_accessed_mask | (write ? mmu.shadow_dirty_mask : 0);
        while ((spte & want) != want && (spte & mmu_h.PT_PRESENT_MASK) != 0) {
            long seen = org.mmulab.kernel.arch.x86.include.asm.cmpxchg.cmpxchg64(sptep, spte, spte | want);
            if (seen == spte) {
                return;
            }
            spte = seen;
        }
    }

    private long violation(Cpu c, long gpa, long qualification) {
        c.exitReason = ExitReason.EPT_VIOLATION;
        c.exitGpa = gpa;
        c.exitQualification = qualification;
        return -1;
    }

    @Override
    public int handle_exit(kvm_vcpu vcpu) {
        Cpu c = cpus.get(vcpu.vcpu_id);
        if (c.exitReason == ExitReason.EPT_VIOLATION) {
            c.eptViolations.incrementAndGet();
            int emulations = vcpu.stat.emulation_requests.get();
            int r = vmx.handle_ept_violation(vcpu, c.exitQualification, c.exitGpa);
            if (r > 0 && vcpu.stat.emulation_requests.get() != emulations && c.pendingGfn >= 0) {
                emulate(c);
            }
            return r;
        }
        return 1;
    }

    /**
     * The instruction emulator's part, for a write the MMU keeps write-protected (a shadowed
     * guest page table): the access is done in software, through the memslot, and the page is
     * logged dirty, as kvm_write_guest does; the guest then continues past the instruction.
     */
    private void emulate(Cpu c) {
        long gfn = c.pendingGfn;
        c.pendingGfn = -1;
        kvm_memory_slot slot = kvm_main.gfn_to_memslot(kvm, gfn);
        if (slot == null) {
            return;
        }
        int page = memory.pageOfPfn((slot.userspace_addr >>> mm.PAGE_SHIFT) + (gfn - slot.base_gfn));
        if (page < 0) {
            return;
        }
        if (c.pendingWrite) {
            long stamp = ((long) (c.id() + 1) << 48) | ++c.seq;
            memory.writeWord(page, c.pendingSlot, stamp);
            lastWriter.set(page, stamp);
            kvm_main.mark_page_dirty(kvm, gfn);
            c.writes.incrementAndGet();
            c.emulatedWrites.incrementAndGet();
        } else {
            memory.readWord(page, c.pendingSlot);
            c.reads.incrementAndGet();
        }
    }

    // ---- the invariant checks, on paused vCPUs ----

    /** The leaf spte of {@code gfn} in this vCPU's EPT tables, 0 if not mapped. */
    public long leafSpte(Cpu c, long gfn) {
        long gpa = gfn << mm.PAGE_SHIFT;
        long shadow = c.vcpu.arch.mmu.root_hpa;
        if (!org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.VALID_PAGE(shadow)) {
            return 0;
        }
        for (int level = c.vcpu.arch.mmu.shadow_root_level; level >= mmu_h.PT_PAGE_TABLE_LEVEL; level--) {
            long spte = mm.deref(shadow + 8L * mmu.PT64_INDEX(gpa, level));
            if (!mmu.is_shadow_present_pte(spte)) {
                return 0;
            }
            if (level == mmu_h.PT_PAGE_TABLE_LEVEL || mmu.is_large_pte(spte)) {
                return spte;
            }
            shadow = spte & mmu.PT64_BASE_ADDR_MASK;
        }
        return 0;
    }

    /** Whether this vCPU will flush its TLB before it next runs guest code. */
    public static boolean flushPending(Cpu c) {
        return bitops.test_bit(kvm_host_h.KVM_REQ_TLB_FLUSH, c.vcpu.requests);
    }

    /**
     * Invariant 1, dirty-log completeness, on paused vCPUs: no TLB may hold a usable writable
     * entry for a page of {@code slot} whose spte is read-only and whose dirty bit is clear; such
     * an entry would let the guest write the page with nobody logging it.
     */
    public List<Violation> checkDirtyLogCompleteness(kvm_memory_slot slot) {
        List<Violation> out = new ArrayList<>();
        if (slot == null || slot.dirty_bitmap == null) {
            return out;
        }
        for (Cpu c : cpus) {
            if (flushPending(c)) {
                continue; // the entries die before the next guest instruction
            }
            for (SoftTlb.Entry e : c.tlb.snapshot().values()) {
                if (!e.writable() || e.gfn() < slot.base_gfn || e.gfn() >= slot.base_gfn + slot.npages) {
                    continue;
                }
                long spte = leafSpte(c, e.gfn());
                boolean dirty = bitops.test_bit(e.gfn() - slot.base_gfn, slot.dirty_bitmap);
                if (!mmu_h.is_writable_pte(spte) && !dirty) {
                    out.add(new Violation("dirty-log completeness", e.gfn(), c.id(), spte, describe(e),
                            "writable TLB entry for a write-protected page that the dirty log shows clean"));
                }
            }
        }
        return out;
    }

    /**
     * Invariant 2, shadow write-protection, on paused vCPUs: after {@code rmap_write_protect} of
     * {@code gfn} and the flush it asked for, no TLB may hold a usable writable entry for it.
     */
    public List<Violation> checkShadowProtected(long gfn) {
        List<Violation> out = new ArrayList<>();
        for (Cpu c : cpus) {
            if (flushPending(c)) {
                continue;
            }
            SoftTlb.Entry e = c.tlb.snapshot().get(gfn);
            if (e != null && e.writable()) {
                out.add(new Violation("shadow write-protection", gfn, c.id(), leafSpte(c, gfn), describe(e),
                        "writable TLB entry for a gfn write-protected for shadowing"));
            }
        }
        return out;
    }

    private static String describe(SoftTlb.Entry e) {
        return String.format("{gfn 0x%x -> pfn 0x%x %s}", e.gfn(), e.pfn(), e.writable() ? "RW" : "RO");
    }
}
