// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * The machine under the port: vCPU threads write guest memory through their TLBs, fault into the
 * port on EPT violations, stop at safe points, and the invariant checker sees a stale writable
 * TLB entry exactly when a write-protect has not been flushed yet.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MachineTest {
    static final long GFN = 0x1000;
    static final long PAGES = 64;
    Machine m;

    Machine start(boolean logging, int vcpus) {
        Machine.Options o = new Machine.Options();
        o.idleNanos = 20_000;
        m = new Machine(o, PAGES);
        for (int i = 0; i < vcpus; i++) {
            m.addVcpu(new Workload(42 + i, GFN, PAGES, 8, 0.9, 0.6));
        }
        assertEquals(0, kvm_main.kvm_vm_ioctl(m.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, new kvm_userspace_memory_region(0,
                logging ? kvm_h.KVM_MEM_LOG_DIRTY_PAGES : 0, GFN << 12, PAGES << 12, Machine.USER_BASE)));
        m.start();
        return m;
    }

    @AfterEach
    void stop() {
        if (m != null) {
            m.shutdown();
        }
    }

    static void runFor(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    @Test
    void guestWritesLandInMemoryAndFaultOnlyToMapPages() throws Exception {
        start(false, 2);
        runFor(100);
        m.pauseAll();
        long writes = m.cpus().stream().mapToLong(c -> c.writes.get()).sum();
        long faults = m.cpus().stream().mapToLong(c -> c.eptViolations.get()).sum();
        assertTrue(writes > 1000, "the guests ran: " + writes + " writes");
        assertTrue(faults <= 2 * PAGES, "without logging each vCPU faults at most once per page, saw " + faults);
        int written = 0;
        for (int p = 0; p < PAGES; p++) {
            long stamp = m.lastWriter(p);
            if (stamp != 0) {
                written++;
                int w = Machine.writerOf(stamp);
                assertTrue(w == 0 || w == 1, "stamp names a vCPU");
            }
        }
        assertTrue(written > PAGES / 2, "most pages written: " + written);
        for (Machine.Cpu c : m.cpus()) {
            for (SoftTlb.Entry e : c.tlb.snapshot().values()) {
                long spte = m.leafSpte(c, e.gfn());
                assertEquals(mmu.spte_to_pfn(spte), e.pfn(), "TLB caches the spte's pfn");
            }
        }
        m.resumeAll();
    }

    @Test
    void checkerSeesAStaleWritableEntryUntilTheFlushIsRequested() throws Exception {
        start(true, 1);
        runFor(100);
        m.pauseAll();
        Machine.Cpu c = m.cpus().get(0);
        // Let any pending flush happen first: resume briefly so the vCPU re-enters and refills.
        m.resumeAll();
        runFor(50);
        m.pauseAll();
        kvm_memory_slot slot = kvm_main.gfn_to_memslot(m.kvm, GFN);
        assertEquals(List.of(), m.checkDirtyLogCompleteness(slot), "v3.16 state after running: consistent");
        long writableEntries = c.tlb.snapshot().values().stream().filter(SoftTlb.Entry::writable).count();
        assertTrue(writableEntries > 0, "the vCPU holds writable entries");
        assertFalse(Machine.flushPending(c));

        // Harvest by hand without the flush: xchg the words, write-protect, and stop there.
        spinlock_t.spin_lock(m.kvm.mmu_lock);
        try {
            for (int w = 0; w < (PAGES + 63) / 64; w++) {
                long mask = cmpxchg.xchg(slot.dirty_bitmap.plus(w), 0);
                mmu.kvm_mmu_write_protect_pt_masked(m.kvm, slot, 64L * w, mask);
            }
        } finally {
            spinlock_t.spin_unlock(m.kvm.mmu_lock);
        }
        List<Machine.Violation> v = m.checkDirtyLogCompleteness(slot);
        assertEquals(writableEntries, v.size(), "every writable entry is now stale: " + v);
        for (Machine.Violation x : v) {
            assertFalse(mmu_h.is_writable_pte(x.spte()));
            assertTrue((x.spte() & mmu.SPTE_MMU_WRITEABLE) != 0, "dirty logging keeps SPTE_MMU_WRITEABLE");
        }

        // The flush the harvest owes: the request is set, the entries die before the next entry.
        kvm_main.kvm_flush_remote_tlbs(m.kvm);
        assertTrue(Machine.flushPending(c));
        assertEquals(List.of(), m.checkDirtyLogCompleteness(slot));
        long flushes = c.tlbFlushes.get();
        m.resumeAll();
        runFor(50);
        m.pauseAll();
        assertTrue(c.tlbFlushes.get() > flushes, "the vCPU flushed on its next entry");
        m.resumeAll();
    }

    @Test
    void pauseStopsEveryVcpuOutsideGuestModeAndResumeRestartsThem() throws Exception {
        start(false, 3);
        for (int i = 0; i < 5; i++) {
            runFor(20);
            m.pauseAll();
            long before = m.cpus().stream().mapToLong(c -> c.writes.get()).sum();
            runFor(30);
            long after = m.cpus().stream().mapToLong(c -> c.writes.get()).sum();
            assertEquals(before, after, "no guest writes while paused");
            for (Machine.Cpu c : m.cpus()) {
                assertEquals(org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE, c.vcpu.mode());
            }
            m.resumeAll();
        }
    }
}
