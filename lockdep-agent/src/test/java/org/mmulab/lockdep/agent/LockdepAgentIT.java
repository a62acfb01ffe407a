// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.variants.variant_no_slots_lock;
import org.mmulab.kernel.variants.variant_v3_15;
import org.mmulab.kernel.virt.kvm.kvm_main;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;

/**
 * The port run under the agent (failsafe starts this JVM with
 * {@code -javaagent:target/lockdep-agent.jar}): the v3.16 dirty-log path is clean; the
 * no-slots-lock variant's get-dirty-log WARNs on every call at its lockdep_assert_held; taking
 * mmu_lock and then slots_lock, after the port has taken them in the normal order, gets the
 * circular-dependency report and the sleeping-in-atomic report.
 */
class LockdepAgentIT {
    static final long GFN = 0x100;
    static final long PAGES = 128;

    final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void captureReports() {
        assertTrue(LockdepAgent.installed(), "run with -javaagent");
        Lockdep.reset();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN, new PrintStream(captured, true, StandardCharsets.UTF_8)));
    }

    String reports() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    static kvm vmWithDirtyPages() {
        BareVm vm = BareVm.create();
        vm.addSlot(0, GFN, PAGES, true);
        kvm k = vm.kvm;
        kvm_vcpu vcpu = vm.addVcpu(0);
        kvm_main.vcpu_load(vcpu);
        for (long g = 0; g < 16; g++) {
            assertEquals(0, mmu.tdp_page_fault(vcpu, (GFN + g) << 12, mmu_h.PFERR_WRITE_MASK, false));
        }
        kvm_main.vcpu_put(vcpu);
        return k;
    }

    @Test
    void theV316DirtyLogPathIsClean() {
        kvm k = vmWithDirtyPages();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, kvm_main.kvm_vm_ioctl(k, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, new long[2])));
        }
        assertEquals(0, Lockdep.reportCount(), reports());
        assertEquals("", reports());
        assertTrue(LockdepAgent.wovenClasses() >= 5, "woven: " + LockdepAgent.wovenClasses());
    }

    @Test
    void noSlotsLockWarnsAtItsAssertOnEveryCall() {
        kvm k = vmWithDirtyPages();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, variant_no_slots_lock.kvm_vm_ioctl_get_dirty_log(k, new kvm_dirty_log(0, new long[2])));
        }
        String r = reports();
        assertEquals(3, Lockdep.reportCount(), r);
        assertEquals(3, r.split("WARNING: CPU:", -1).length - 1, r);
        assertTrue(r.contains("variant_no_slots_lock"), "the WARN names the function: " + r);
    }

    @Test
    void tlbTracingSeesTheSeedCommitMoveTheFlushOutOfMmuLock() {
        kvm k = vmWithDirtyPages();
        org.mmulab.lockdep.TlbTrace.reset();
        assertEquals(0, kvm_main.kvm_vm_ioctl(k, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, new long[2])));
        long[] v316 = org.mmulab.lockdep.TlbTrace.counts().get("kvm_vm_ioctl_get_dirty_log");
        assertEquals(0, v316[0], "v3.16 flushes with mmu_lock released");
        assertEquals(1, v316[1]);

        // dirty some pages again, then harvest with the commit's pre-image
        kvm_vcpu vcpu = k.vcpus[0];
        kvm_main.vcpu_load(vcpu);
        for (long g = 0; g < 4; g++) {
            assertEquals(0, mmu.tdp_page_fault(vcpu, (GFN + g) << 12, mmu_h.PFERR_WRITE_MASK | mmu_h.PFERR_PRESENT_MASK, false));
        }
        kvm_main.vcpu_put(vcpu);
        org.mmulab.lockdep.TlbTrace.reset();
        assertEquals(0, variant_v3_15.kvm_vm_ioctl_get_dirty_log(k, new kvm_dirty_log(0, new long[2])));
        long[] v315 = org.mmulab.lockdep.TlbTrace.counts().get("kvm_vm_ioctl_get_dirty_log");
        assertEquals(1, v315[0], "v3.15 flushes inside mmu_lock");
        assertEquals(0, v315[1]);
        assertTrue(org.mmulab.lockdep.TlbTrace.summary().contains("kvm_vm_ioctl_get_dirty_log"));
        assertEquals(0, Lockdep.reportCount(), reports());
    }

    @Test
    void leavingAnIoctlWithALockHeldIsReported() {
        kvm k = vmWithDirtyPages();
        spinlock_t.spin_lock(k.mmu_lock);
        try {
            assertEquals(-org.mmulab.kernel.linux.errno.ENOTTY, kvm_main.kvm_vm_ioctl(k, 0, null));
        } finally {
            spinlock_t.spin_unlock(k.mmu_lock);
        }
        String r = reports();
        assertEquals(1, Lockdep.reportCount(), r);
        assertTrue(r.contains("[ BUG: lock held when returning to user space! ]"), r);
        assertTrue(r.contains("is leaving the kernel with locks still held!"), r);
        assertTrue(r.contains("1 lock held by") && r.contains("&kvm->mmu_lock"), r);
        assertTrue(!r.contains("stack backtrace:"), "report J has no backtrace: " + r);
    }

    @Test
    void mmuLockThenSlotsLockIsCircularAndSleepsInAtomic() {
        kvm k = vmWithDirtyPages();
        // the normal order, slots_lock then mmu_lock, as get-dirty-log takes them
        assertEquals(0, kvm_main.kvm_vm_ioctl(k, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, new long[2])));
        assertEquals(0, Lockdep.reportCount(), reports());

        spinlock_t.spin_lock(k.mmu_lock);
        try {
            mutex.mutex_lock(k.slots_lock); // sleeps under a spinlock, and inverts the order
            mutex.mutex_unlock(k.slots_lock);
        } finally {
            spinlock_t.spin_unlock(k.mmu_lock);
        }
        String r = reports();
        assertTrue(r.contains("BUG: sleeping function called from invalid context"), r);
        assertTrue(r.contains("possible circular locking dependency detected"), r);
        assertTrue(r.contains("&kvm->mmu_lock") && r.contains("&kvm->slots_lock"), r);
    }

    /** v3.16's oops_enter calls debug_locks_off: after an oops lockdep is silent, also about the locks the oops left held. */
    @Test
    void anOopsTurnsLockdepOffLikeTheKernels() {
        BareVm vm = BareVm.create();
        vm.addSlot(0, 0x200, 512, true);
        long user = org.mmulab.fixture.Vmm.USER_BASE + (0x200L << 12);
        long r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                org.mmulab.fixture.Vmm.region(0, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, 0x300, 512, user));
        assertEquals(-org.mmulab.kernel.linux.errno.EIO, r, "moving a logged slot across a 2 MiB alignment oopses");
        assertFalse(Lockdep.enabled(), "lockdep is off");
        assertEquals(0, Lockdep.reportCount(), "no report for mmu_lock left held by the oops: " + reports());
    }

    @Test
    void aThreadOfTheProgramThatEndsWithAPortLockHeldIsReportedByTheAgentsReaper() throws Exception {
        kvm k = vmWithDirtyPages();
        Thread t = new Thread(() -> spinlock_t.spin_lock(k.mmu_lock), "leaves-mmu-lock");
        t.start();
        t.join();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!reports().contains("still has locks held!") && System.nanoTime() < deadline) {
            Thread.sleep(50); // the reaper looks every 200 ms
        }
        assertTrue(reports().contains("[ BUG: leaves-mmu-lock/"), reports());
        assertTrue(reports().contains("(&kvm->mmu_lock){"), reports());
        assertTrue(reports().contains("(the thread has ended; found by the lockdep reaper)"), reports());
    }
}
