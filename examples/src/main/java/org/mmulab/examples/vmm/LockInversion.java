// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.PrintStream;
import java.util.Set;
import org.mmulab.fixture.MachineVm;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * {@code lock-inversion}: the lock-order lesson, for lockdep rather than for the machine. The
 * harvests take {@code &kvm->slots_lock} and then {@code &kvm->mmu_lock}, as v3.16's
 * kvm_vm_ioctl_get_dirty_log does, which teaches lockdep the order slots_lock -> mmu_lock. Then
 * a helper thread written the wrong way takes mmu_lock and, inside it, slots_lock: a mutex
 * under a spinlock. Under the agent that is two reports at once, "sleeping function called from
 * invalid context" (mutex_lock may sleep, and a spinlock holder is atomic) and "possible circular
 * locking dependency" (the reverse of an order already seen). Lockdep needs no second thread to
 * interleave: nothing deadlocks in this run, because the helper runs when no harvest is in
 * flight, yet the rule it broke is reported. Without the agent the run is silent.
 */
public final class LockInversion {
    public static final String HELPER = "bad-helper";

    private LockInversion() {}

    public static RunResult run(RunConfig config, PrintStream out) {
        RunResult result = new RunResult(config);
        long npages = config.pages();
        MachineVm m = RaceScenarios.boot(config, Set.of());
        long t0 = System.nanoTime();
        try {
            RaceScenarios.check(RaceScenarios.setRegion(m, npages, kvm_h.KVM_MEM_LOG_DIRTY_PAGES), "map guest RAM, logging on");
            m.start();
            long[] bitmap = new long[(int) ((npages + 63) / 64)];
            Thread helper = new Thread(() -> {
                spinlock_t.spin_lock(m.kvm.mmu_lock);
                try {
                    mutex.mutex_lock(m.kvm.slots_lock); // the bug: a mutex under a spinlock, in the reverse order
                    mutex.mutex_unlock(m.kvm.slots_lock);
                } finally {
                    spinlock_t.spin_unlock(m.kvm.mmu_lock);
                }
            }, HELPER);
            if (config.concurrentInversion) {
                // under the explorer only: the helper races the harvests, and a schedule can deadlock
                helper.start();
            }
            for (int round = 1; RaceScenarios.more(config, round, t0); round++) {
                RaceScenarios.check(kvm_main.kvm_vm_ioctl(m.kvm, kvm_h.KVM_GET_DIRTY_LOG,
                        new kvm_dirty_log(RaceScenarios.SLOT, bitmap)), "KVM_GET_DIRTY_LOG");
                result.rounds.add(new RunResult.Round(round, 0, 0, 0, 0, 0));
            }
            out.printf("  %d harvest(s): slots_lock, then mmu_lock inside it (the v3.16 order)%n", result.rounds.size());
            out.printf("  thread %s: mmu_lock, then slots_lock inside it (the wrong way round)%n", HELPER);
            if (!config.concurrentInversion) {
                helper.start(); // after the harvests: lockdep sees the inversion, nothing can deadlock
            }
            helper.join(30_000);
            if (helper.isAlive()) {
                throw new IllegalStateException(HELPER + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            m.close();
        }
        result.seconds = (System.nanoTime() - t0) / 1e9;
        result.remoteFlushes = m.kvm.stat.remote_tlb_flush.get();
        result.vcpuFlushes = m.vcpus().stream().mapToLong(v -> v.cpu.tlbFlushes.get()).toArray();
        result.vcpuWrites = m.vcpus().stream().mapToLong(v -> v.cpu.writes.get()).toArray();
        result.checked = "no machine invariant (this scenario is about lock order: run it under the lockdep agent)";
        return result;
    }
}
