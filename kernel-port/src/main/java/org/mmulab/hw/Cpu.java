// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A logical processor in VMX non-root operation, running one vCPU's guest: its software TLB, the
 * VMCS the hypervisor loaded on it, and the guest's program (a {@link Workload} of 8-byte loads
 * and stores to guest-physical pages). {@link #vmlaunch} runs the guest until something needs the
 * hypervisor and records why in the VMCS; {@link #invept} drops cached translations. The thread
 * that calls {@code vmlaunch} is this CPU for as long as the call lasts.
 *
 * <p>One guest access: a TLB hit on a writable entry writes memory with no exit (and so with no
 * dirty logging: that is why a flush the hypervisor skips loses a dirty page); a miss walks the
 * EPT tables ({@link Ept#walk}) and fills the TLB, or ends in an EPT violation. An instruction
 * that caused an exit is executed again on the next entry, unless the hypervisor emulated it and
 * moved {@code GUEST_RIP} past it.
 */
public final class Cpu {
    /** Every guest instruction is one 3-byte MOV (REX.W 89 /r or 8B /r). */
    public static final int INSTRUCTION_LENGTH = 3;

    public final int index;
    public final SoftTlb tlb;
    private final Machine machine;
    private final Workload workload;
    private final Ept.Walk walk = new Ept.Walk();
    private Vmcs current;

    /** The instruction that exited, at {@link #pendingRip}, until it retires. */
    private Vmcs.Instruction pending;
    private long pendingRip;
    private long seq;

    public final AtomicLong writes = new AtomicLong();
    public final AtomicLong reads = new AtomicLong();
    public final AtomicLong eptViolations = new AtomicLong();
    public final AtomicLong externalInterruptExits = new AtomicLong();
    /** INVEPT executions, and the TLB entries they dropped. */
    public final AtomicLong tlbFlushes = new AtomicLong();
    public final AtomicLong tlbEntriesDropped = new AtomicLong();
    /** Writes that exited and that the hypervisor's emulator completed. */
    public final AtomicLong emulatedWrites = new AtomicLong();

    Cpu(Machine machine, int index, Workload workload) {
        this.machine = machine;
        this.index = index;
        this.workload = workload;
        this.tlb = new SoftTlb(machine.options.tlbEntries);
    }

    /** VMPTRLD: makes {@code vmcs} the current VMCS of this CPU. */
    public void vmptrld(Vmcs vmcs) {
        current = vmcs;
    }

    /** The current VMCS (null before the first VMPTRLD). */
    public Vmcs currentVmcs() {
        return current;
    }

    /** Whether this CPU has guest code to run (an idle CPU only halts and takes its timer). */
    public boolean hasGuest() {
        return workload != null;
    }

    /**
     * VMLAUNCH/VMRESUME on the current VMCS: runs guest instructions until an EPT violation, an
     * interrupt pending on {@code irq}, or the end of the time slice (the host's timer tick, also
     * an external interrupt). With {@code idleNanos} set, the guest halts after its slice until
     * an interrupt or the timer.
     */
    public void vmlaunch(InterruptLine irq) {
        Vmcs vmcs = current;
        if (vmcs == null) {
            throw new IllegalStateException("cpu" + index + ": VMLAUNCH with no current VMCS");
        }
        long rip = vmcs.read(Vmcs.GUEST_RIP);
        if (pending != null && rip != pendingRip) {
            retireEmulated(pending); // the hypervisor completed it and moved RIP on
            pending = null;
        }
        if (workload != null) {
            for (int i = 0; i < machine.options.accessesPerEntry; i++) {
                if (irq.pending()) {
                    exitInterrupt(vmcs, rip);
                    return;
                }
                if (pending == null) {
                    pending = fetch(rip);
                    pendingRip = rip;
                }
                if (!execute(vmcs, pending)) {
                    eptViolations.incrementAndGet();
                    vmcs.exit(Vmcs.EXIT_REASON_EPT_VIOLATION, violationQualification, pending.gpa(), rip, pending);
                    return;
                }
                pending = null;
                rip += INSTRUCTION_LENGTH;
            }
        }
        if (machine.options.idleNanos > 0 && !irq.pending()) {
            irq.halt(machine.options.idleNanos);
        }
        exitInterrupt(vmcs, rip);
    }

    private void exitInterrupt(Vmcs vmcs, long rip) {
        externalInterruptExits.incrementAndGet();
        vmcs.exit(Vmcs.EXIT_REASON_EXTERNAL_INTERRUPT, 0, 0, rip, null);
    }

    /** The next instruction of the guest's program; a write stores a stamp naming this CPU. */
    private Vmcs.Instruction fetch(long rip) {
        long gfn = workload.nextGfn();
        boolean write = workload.nextIsWrite() && workload.writes(gfn);
        int word = workload.nextSlot();
        long value = write ? stamp(index, ++seq) : 0;
        return new Vmcs.Instruction(write, (gfn << PhysicalMemory.PAGE_SHIFT) + 8L * word, value, INSTRUCTION_LENGTH);
    }

    /** What a write stores: vCPU index + 1 in the top 16 bits, then a sequence number. */
    public static long stamp(int cpu, long seq) {
        return ((long) (cpu + 1) << 48) | seq;
    }

    /** The CPU a stamp names, -1 for none (0, never written). */
    public static int writerOf(long stamp) {
        return stamp == 0 ? -1 : (int) (stamp >>> 48) - 1;
    }

    private long violationQualification;

    private boolean execute(Vmcs vmcs, Vmcs.Instruction insn) {
        long gpa = insn.gpa();
        return access(vmcs, gpa >>> PhysicalMemory.PAGE_SHIFT, insn.write(), (int) ((gpa & 0xfff) >>> 3), insn.value());
    }

    /**
     * One guest access; false, with the qualification of the EPT violation recorded, when the
     * translation is missing or read-only. (The explorer weaves its yield point at this method:
     * the gfn is argument 1 and the kind of access argument 2.)
     */
    boolean access(Vmcs vmcs, long gfn, boolean write, int word, long value) {
        SoftTlb.Entry e = tlb.lookup(gfn);
        long pfn;
        if (e != null && (!write || e.writable())) {
            pfn = e.pfn();
        } else {
            pfn = translate(vmcs.read(Vmcs.EPT_POINTER), gfn, write);
            if (pfn < 0) {
                return false;
            }
        }
        GuestMemory ram = machine.memory;
        int page = ram == null ? -1 : ram.pageOfPfn(pfn);
        if (page < 0) {
            throw new IllegalStateException(String.format("cpu%d: gfn 0x%x maps pfn 0x%x outside guest RAM", index, gfn, pfn));
        }
        if (write) {
            ram.writeWord(page, word, value);
            writes.incrementAndGet();
        } else {
            ram.readWord(page, word);
            reads.incrementAndGet();
        }
        return true;
    }

    /** The TLB miss: walks the tables, sets A/D bits if enabled, fills the TLB; -1 on an EPT violation. */
    private long translate(long eptp, long gfn, boolean write) {
        long gpa = gfn << PhysicalMemory.PAGE_SHIFT;
        if (!Ept.walk(eptp, gpa, walk)) {
            violationQualification = write ? Ept.QUAL_WRITE : Ept.QUAL_READ;
            return -1;
        }
        long e = walk.entry;
        boolean writable = (e & Ept.WRITE) != 0;
        if (write && !writable) {
            violationQualification = Ept.QUAL_WRITE | Ept.QUAL_READABLE
                    | ((e & Ept.EXECUTE) != 0 ? Ept.QUAL_EXECUTABLE : 0);
            return -1;
        }
        if ((eptp & Ept.EPTP_AD_ENABLE) != 0) {
            Ept.setAccessedDirty(walk.entryAddr, e, write);
        }
        long pfn = walk.pfn(gpa);
        tlb.fill(gfn, pfn, writable);
        return pfn;
    }

    /** An instruction the hypervisor emulated: its effect is in memory already; count it. */
    private void retireEmulated(Vmcs.Instruction insn) {
        if (insn.write()) {
            writes.incrementAndGet();
            emulatedWrites.incrementAndGet();
        } else {
            reads.incrementAndGet();
        }
    }

    /** INVEPT (single context or global, the model's TLB holds one context): drops every entry. */
    public int invept(long eptp) {
        int n = tlb.flush();
        tlbFlushes.incrementAndGet();
        tlbEntriesDropped.addAndGet(n);
        return n;
    }

    @Override
    public String toString() {
        return "cpu" + index;
    }
}
