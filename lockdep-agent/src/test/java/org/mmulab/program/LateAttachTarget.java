// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.program;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * A program that runs the port before any agent is there, then waits for a line on stdin
 * (LateAttachIT attaches the agent meanwhile), then runs it again: the v3.16 lock order, then the
 * inversion. Each step prints one line on stdout.
 */
public final class LateAttachTarget {
    private LateAttachTarget() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BareVm vm = BareVm.create();
        vm.addSlot(0, 0x100, 64, true);
        kvm_vcpu vcpu = vm.addVcpu(0);
        kvm_main.vcpu_load(vcpu);
        BareVm.write(vcpu, 0x100);
        kvm_main.vcpu_put(vcpu);
        vm.getDirtyLog(0, 64); // slots_lock, then mmu_lock inside it
        invert(vm);            // unseen: no agent yet
        System.out.println("ran the port");
        System.out.flush();
        while (true) {
            String line = in.readLine();
            if (line == null || line.equals("go")) {
                break;
            }
            System.out.println("still running after: " + line); // a failed attach leaves the program as it was
            System.out.flush();
        }
        vm.getDirtyLog(0, 64);
        invert(vm);
        System.out.println("done");
    }

    /** mmu_lock, then slots_lock inside it: the reverse of the v3.16 order (and a mutex under a spinlock). */
    static void invert(BareVm vm) {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        try {
            mutex.mutex_lock(vm.kvm.slots_lock);
            mutex.mutex_unlock(vm.kvm.slots_lock);
        } finally {
            spinlock_t.spin_unlock(vm.kvm.mmu_lock);
        }
    }
}
