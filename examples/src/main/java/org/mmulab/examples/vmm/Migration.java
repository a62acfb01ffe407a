// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.PrintStream;
import java.util.List;
import org.mmulab.hw.GuestMemory;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.fixture.Vmm;
import org.mmulab.hw.Cpu;
import org.mmulab.hw.Machine;
import org.mmulab.hw.Workload;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * A small VMM doing pre-copy live migration, as QEMU does, through the port's ioctls only: map
 * guest RAM, turn on dirty logging, copy everything, then rounds of KVM_GET_DIRTY_LOG and copying
 * the dirty pages while the vCPUs run; at last stop the vCPUs, harvest once more, copy, and
 * compare destination to source page by page.
 *
 * <p>The machine is the oracle: after every harvest the vCPUs are stopped for a moment and their
 * TLBs checked against the sptes and the dirty bitmap (invariant 1); after the last round every
 * page must match (invariant 3).
 */
public final class Migration {
    static final int SLOT = 0;
    static final long BASE_GFN = 0x100000; // guest RAM at 4 GiB

    private final RunConfig config;
    private final PrintStream out;
    private final boolean progress;

    public Migration(RunConfig config, PrintStream out, boolean progress) {
        this.config = config;
        this.out = out;
        this.progress = progress;
    }

    public RunResult run() {
        RunResult result = new RunResult(config);
        long npages = config.pages();
        // A guest that mostly rewrites a hot 1% of its memory, and now and then touches the rest;
        // it runs time slices of guest code with short idle gaps, so the VMM gets CPU on small hosts.
        Machine.Options opts = new Machine.Options();
        opts.idleNanos = 50_000;
        MachineVm m = new MachineVm(opts, false, npages);
        RaceScenarios.booted = m;
        GuestMemory dest = new GuestMemory(Vmm.USER_BASE, npages);
        long hot = Math.max(1, npages / 100);
        for (int i = 0; i < config.vcpus; i++) {
            m.addVcpu(new Workload(config.seed * 1_000_003L + i, BASE_GFN, npages, hot, 0.995, 0.5));
        }
        long t0 = System.nanoTime();
        try {
            Vmm.check(m.mapRam(SLOT, 0, BASE_GFN), "map guest RAM");
            m.start();

            long e0 = System.nanoTime();
            Vmm.check(m.mapRam(SLOT, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, BASE_GFN), "enable dirty logging");
            long e1 = System.nanoTime();
            for (int p = 0; p < npages; p++) {
                m.machine.memory.copyPageTo(p, dest);
            }
            result.pagesSent += npages;
            out.printf("dirty logging on (%.1f ms), copied all %d pages (%.1f ms); pre-copy rounds while %d vCPU(s) run:%n",
                    (e1 - e0) / 1e6, npages, (System.nanoTime() - e1) / 1e6, config.vcpus);

            long[] bitmap = new long[(int) ((npages + 63) / 64)];
            long deadline = config.seconds > 0 ? System.nanoTime() + (long) (config.seconds * 1e9) : Long.MAX_VALUE;
            for (int round = 1; config.seconds > 0 ? System.nanoTime() < deadline : round <= config.rounds; round++) {
                result.rounds.add(harvestAndCopy(m, dest, bitmap, round, result, config.checkEveryRound));
                if (progress && config.seconds > 0) {
                    System.err.printf("\r  %.1f s, round %d ", (System.nanoTime() - t0) / 1e9, round);
                }
            }
            if (progress && config.seconds > 0) {
                System.err.print("\r");
            }

            // Stop and copy: the vCPUs stop, one last harvest, the last pages go.
            m.pauseAll();
            RunResult.Round last = harvestAndCopy(m, dest, bitmap, 0, result, true);
            out.printf("stopped the vCPUs; last round: %d dirty pages sent%n", last.pagesSent());
            result.rounds.add(last);

            for (int p = 0; p < npages; p++) {
                if (!m.machine.memory.samePage(p, dest)) {
                    result.lostPages.add(new RunResult.LostPage(BASE_GFN + p, Cpu.writerOf(m.machine.lastWrite(p))));
                }
            }
        } finally {
            m.close();
        }
        result.checked = "1 (dirty-log completeness) after each of " + result.checks
                + " harvests, 3 (destination equals source) on all " + npages + " pages";
        result.seconds = (System.nanoTime() - t0) / 1e9;
        result.remoteFlushes = m.kvm.stat.remote_tlb_flush.get();
        List<MachineVm.Vcpu> vcpus = m.vcpus();
        result.vcpuFlushes = vcpus.stream().mapToLong(v -> v.cpu.tlbFlushes.get()).toArray();
        result.vcpuWrites = vcpus.stream().mapToLong(v -> v.cpu.writes.get()).toArray();
        Runtime rt = Runtime.getRuntime();
        result.heapUsedBytes = rt.totalMemory() - rt.freeMemory();
        return result;
    }

    private RunResult.Round harvestAndCopy(MachineVm m, GuestMemory dest, long[] bitmap, int round, RunResult result,
                                           boolean check) {
        long flushesBefore = m.kvm.stat.remote_tlb_flush.get();
        long droppedBefore = dropped(m);
        long h0 = System.nanoTime();
        ioctl(m, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT, bitmap), "KVM_GET_DIRTY_LOG");
        double harvestMs = (System.nanoTime() - h0) / 1e6;

        if (check) {
            boolean wasRunning = round != 0;
            if (wasRunning) {
                m.pauseAll();
            }
            kvm_memory_slot slot = kvm_main.gfn_to_memslot(m.kvm, BASE_GFN);
            List<Oracle.Violation> v = m.oracle.checkDirtyLogCompleteness(slot);
            result.checks++;
            for (Oracle.Violation x : v) {
                out.println("VIOLATION " + x);
            }
            result.violations.addAll(v);
            if (wasRunning) {
                m.resumeAll();
            }
        }

        long sent = 0;
        for (int w = 0; w < bitmap.length; w++) {
            long word = bitmap[w];
            while (word != 0) {
                int p = w * 64 + Long.numberOfTrailingZeros(word);
                word &= word - 1;
                m.machine.memory.copyPageTo(p, dest);
                sent++;
            }
        }
        result.pagesSent += sent;
        RunResult.Round r = new RunResult.Round(round, sent, sent, m.kvm.stat.remote_tlb_flush.get() - flushesBefore,
                dropped(m) - droppedBefore, harvestMs);
        if (round != 0) {
            out.printf("  round %3d: %6d pages dirtied, %6d sent, %2d remote TLB flush(es), %5d TLB entries dropped, "
                    + "get-dirty-log %.2f ms%n", round, r.pagesDirtied(), r.pagesSent(), r.remoteFlushes(),
                    r.tlbEntriesDropped(), harvestMs);
        }
        return r;
    }

    private static long dropped(MachineVm m) {
        return m.vcpus().stream().mapToLong(v -> v.cpu.tlbEntriesDropped.get()).sum();
    }

    private static void ioctl(MachineVm m, int ioctl, Object arg, String what) {
        Vmm.check(kvm_main.kvm_vm_ioctl(m.kvm, ioctl, arg), what);
    }
}
