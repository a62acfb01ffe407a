// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The machine on its own, driven the way a hypervisor drives it but with EPT tables built by
 * hand in physical memory: what the CPU does on a TLB miss, a missing or read-only entry, a
 * large page, an A/D-enabled EPT pointer, INVEPT, and an instruction the hypervisor completed.
 */
class CpuTest {
    /** Frames for the hand-made tables, far from the kernel's allocator (2^36) and from user RAM. */
    static final long TABLE_PFN = 1L << 38;
    static final long RAM_BASE = 0x7e00_0000_0000L;
    static final long GFN = 0x1234;

    final List<Long> frames = new ArrayList<>();
    Machine m;
    long pml4;
    long pdpt;
    long pd;
    long pt;

    long frame() {
        long pfn = TABLE_PFN + frames.size();
        PhysicalMemory.plug(pfn);
        frames.add(pfn);
        return pfn << 12;
    }

    @BeforeEach
    void tables() {
        Machine.Options o = new Machine.Options();
        o.accessesPerEntry = 8;
        m = new Machine(o, RAM_BASE, 16);
        pml4 = frame();
        pdpt = frame();
        pd = frame();
        pt = frame();
        long gpa = GFN << 12;
        long link = Ept.READ | Ept.WRITE | Ept.EXECUTE;
        PhysicalMemory.store(pml4 + 8L * Ept.index(gpa, 4), pdpt | link);
        PhysicalMemory.store(pdpt + 8L * Ept.index(gpa, 3), pd | link);
        PhysicalMemory.store(pd + 8L * Ept.index(gpa, 2), pt | link);
    }

    @AfterEach
    void free() {
        m.close();
        for (long pfn : frames) {
            PhysicalMemory.unplug(pfn);
        }
    }

    long eptp(boolean ad) {
        return pml4 | (3L << Ept.EPTP_WALK_LENGTH_SHIFT) | 6 | (ad ? Ept.EPTP_AD_ENABLE : 0);
    }

    long leafAddr() {
        return pt + 8L * Ept.index(GFN << 12, 1);
    }

    /** A CPU whose guest only writes GFN, with the given EPT pointer loaded. */
    Cpu cpu(boolean ad, double writeFraction) {
        Cpu c = m.addCpu(new Workload(7, GFN, 1, 1, 1.0, writeFraction));
        Vmcs v = new Vmcs();
        v.write(Vmcs.EPT_POINTER, eptp(ad));
        c.vmptrld(v);
        return c;
    }

    @Test
    void aMissingEntryIsAnEptViolationAtTheFaultingAddress() {
        Cpu c = cpu(false, 1.0);
        c.vmlaunch(InterruptLine.NONE);
        Vmcs v = c.currentVmcs();
        assertEquals(Vmcs.EXIT_REASON_EPT_VIOLATION, v.read(Vmcs.VM_EXIT_REASON));
        assertEquals(GFN, v.read(Vmcs.GUEST_PHYSICAL_ADDRESS) >>> 12);
        assertEquals(Ept.QUAL_WRITE, v.read(Vmcs.EXIT_QUALIFICATION), "a write, the entry not readable");
        assertTrue(v.exitInstruction().write());
        assertEquals(0, c.writes.get());
        assertEquals(1, c.eptViolations.get());
        assertEquals(0, v.read(Vmcs.GUEST_RIP), "RIP still at the faulting instruction");
    }

    @Test
    void aWriteThroughAWritableLeafLandsInRamAndIsCachedWritable() {
        Cpu c = cpu(false, 1.0);
        long pfn = RAM_BASE >>> 12;
        PhysicalMemory.store(leafAddr(), (pfn << 12) | Ept.READ | Ept.WRITE | Ept.EXECUTE);
        c.vmlaunch(InterruptLine.NONE);
        assertEquals(Vmcs.EXIT_REASON_EXTERNAL_INTERRUPT, c.currentVmcs().read(Vmcs.VM_EXIT_REASON), "the slice ended");
        assertEquals(8, c.writes.get());
        assertEquals(0, Cpu.writerOf(m.lastWrite(0)), "the page holds cpu0's stamp");
        SoftTlb.Entry e = c.tlb.snapshot().get(GFN);
        assertNotNull(e);
        assertTrue(e.writable());
        assertEquals(pfn, e.pfn());
        assertEquals(8L * Cpu.INSTRUCTION_LENGTH, c.currentVmcs().read(Vmcs.GUEST_RIP));
        assertEquals(0, PhysicalMemory.load(leafAddr()) & (Ept.ACCESSED | Ept.DIRTY), "no A/D bits without EPTP bit 6");
    }

    @Test
    void aStaleWritableTlbEntryKeepsWritingUntilInvept() {
        Cpu c = cpu(false, 1.0);
        long pfn = RAM_BASE >>> 12;
        PhysicalMemory.store(leafAddr(), (pfn << 12) | Ept.READ | Ept.WRITE);
        c.vmlaunch(InterruptLine.NONE);
        PhysicalMemory.store(leafAddr(), (pfn << 12) | Ept.READ); // write-protected, no INVEPT
        c.vmlaunch(InterruptLine.NONE);
        assertEquals(Vmcs.EXIT_REASON_EXTERNAL_INTERRUPT, c.currentVmcs().read(Vmcs.VM_EXIT_REASON), "no fault: the TLB hit");
        assertEquals(16, c.writes.get());
        assertEquals(1, c.invept(eptp(false)));
        assertNull(c.tlb.snapshot().get(GFN));
        c.vmlaunch(InterruptLine.NONE);
        Vmcs v = c.currentVmcs();
        assertEquals(Vmcs.EXIT_REASON_EPT_VIOLATION, v.read(Vmcs.VM_EXIT_REASON));
        assertEquals(Ept.QUAL_WRITE | Ept.QUAL_READABLE, v.read(Vmcs.EXIT_QUALIFICATION), "a write to a present, read-only entry");
    }

    @Test
    void withAdBitsTheWalkerSetsAccessedAndDirty() {
        Cpu c = cpu(true, 1.0);
        PhysicalMemory.store(leafAddr(), ((RAM_BASE >>> 12) << 12) | Ept.READ | Ept.WRITE);
        c.vmlaunch(InterruptLine.NONE);
        long leaf = PhysicalMemory.load(leafAddr());
        assertEquals(Ept.ACCESSED | Ept.DIRTY, leaf & (Ept.ACCESSED | Ept.DIRTY));
    }

    @Test
    void aLargePageMapsTheGfnAtItsOffset() {
        Cpu c = cpu(false, 0.0);
        long base = RAM_BASE >>> 12;
        long large = base & ~511L; // the 2M frame around RAM (RAM_BASE is 2M aligned)
        PhysicalMemory.store(pd + 8L * Ept.index(GFN << 12, 2), (large << 12) | Ept.LARGE_PAGE | Ept.READ | Ept.WRITE);
        Ept.Walk w = new Ept.Walk();
        assertTrue(Ept.walk(eptp(false), GFN << 12, w));
        assertEquals(2, w.level);
        assertEquals(large + (GFN & 511), w.pfn(GFN << 12));
        assertEquals(0, Ept.leafAddr(eptp(false), GFN), "no level-1 entry under a large page");
    }

    @Test
    void anInstructionTheHypervisorCompletedIsRetiredNotReplayed() {
        Cpu c = cpu(false, 1.0);
        c.vmlaunch(InterruptLine.NONE);
        Vmcs v = c.currentVmcs();
        Vmcs.Instruction insn = v.exitInstruction();
        long rip = v.read(Vmcs.GUEST_RIP);
        // the emulator did the write (through the user mapping) and moved RIP on
        PhysicalMemory.ramAt(RAM_BASE).writeAt(RAM_BASE + (insn.gpa() & 0xfff), insn.value());
        v.write(Vmcs.GUEST_RIP, rip + insn.length());
        c.vmlaunch(InterruptLine.NONE);
        assertEquals(1, c.emulatedWrites.get());
        assertEquals(1, c.writes.get());
        assertFalse(v.exitInstruction().value() == insn.value(), "the next exit is for the next instruction");
        assertEquals(rip + insn.length(), v.read(Vmcs.GUEST_RIP));
    }

    @Test
    void anInterruptEndsGuestExecutionBeforeTheNextInstruction() {
        Cpu c = cpu(false, 1.0);
        PhysicalMemory.store(leafAddr(), ((RAM_BASE >>> 12) << 12) | Ept.READ | Ept.WRITE);
        InterruptLine ringing = new InterruptLine() {
            @Override
            public boolean pending() {
                return true;
            }

            @Override
            public void halt(long nanos) {
            }
        };
        c.vmlaunch(ringing);
        assertEquals(Vmcs.EXIT_REASON_EXTERNAL_INTERRUPT, c.currentVmcs().read(Vmcs.VM_EXIT_REASON));
        assertEquals(0, c.writes.get());
        assertEquals(1, c.externalInterruptExits.get());
    }
}
