// SPDX-License-Identifier: GPL-2.0-only
package com.example.dirtylog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;
import org.mmulab.lockdep.junit.Lockdep;

/** Dirty logging through the ioctl surface, as a VMM drives it: lockdep has nothing to say. */
@Lockdep
class CleanDirtyLogTest {
    static final long GFN = 0x100;

    @Test
    void harvestingTheDirtyLogTwiceGivesTheWrittenPagesThenNothing() {
        try (BareVm vm = BareVm.create()) {
            vm.addSlot(0, GFN, 64, true);
            kvm_vcpu vcpu = vm.addVcpu(0);
            BareVm.write(vcpu, GFN);
            BareVm.write(vcpu, GFN + 3);

            long[] bitmap = new long[1];
            assertEquals(0, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, bitmap)));
            assertArrayEquals(new long[] {0b1001}, bitmap, "pages 0 and 3 were written");
            assertEquals(0, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(0, bitmap)));
            assertArrayEquals(new long[] {0}, bitmap, "nothing written since the last harvest");
        }
    }
}
