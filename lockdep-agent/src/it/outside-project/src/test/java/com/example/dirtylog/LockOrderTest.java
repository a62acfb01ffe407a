// SPDX-License-Identifier: GPL-2.0-only
package com.example.dirtylog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;
import org.mmulab.lockdep.ReportKind;
import org.mmulab.lockdep.junit.Lockdep;

/**
 * KVM_GET_DIRTY_LOG takes slots_lock, then mmu_lock; taking them the other way round is an
 * inversion lockdep reports although nothing deadlocks here. The first test is a mistake (it
 * fails, and its failure message is lockdep's report); the second makes it on purpose.
 */
class LockOrderTest {
    static void harvestThenInvert() {
        try (BareVm vm = BareVm.create()) {
            vm.addSlot(0, 0x100, 64, true);
            assertEquals(0, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, new long[1])));
            spinlock_t.spin_lock(vm.kvm.mmu_lock);
            try {
                mutex.mutex_lock(vm.kvm.slots_lock);
                mutex.mutex_unlock(vm.kvm.slots_lock);
            } finally {
                spinlock_t.spin_unlock(vm.kvm.mmu_lock);
            }
        }
    }

    @Test
    @Lockdep
    void takingMmuLockBeforeSlotsLock() {
        harvestThenInvert();
    }

    @Test
    @Lockdep(expect = {ReportKind.SLEEP_IN_ATOMIC, ReportKind.CIRCULAR_DEPENDENCY})
    void takingMmuLockBeforeSlotsLockOnPurpose() {
        harvestThenInvert();
    }
}
