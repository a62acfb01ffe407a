// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.mmulab.examples.hooks.FlushGate;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.fixture.Vmm;
import org.mmulab.hw.Machine;
import org.mmulab.hw.Workload;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.errno;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * The two races the seed commit is about, each between two VMM-side threads while the vCPUs run.
 *
 * <p>{@code enable-logging-race}: thread {@value #TOGGLER} turns dirty logging on and off
 * (kvm_mmu_slot_remove_write_access, flush after unlock) while thread {@value #HARVESTER} harvests
 * with KVM_GET_DIRTY_LOG (flush after unlock too). slots_lock must serialize them: a harvest that
 * runs in the other's window sees a fresh, clean bitmap, owes no flush, and returns while vCPUs
 * still hold writable TLB entries for pages just write-protected; invariant 1 is checked after
 * every harvest.
 *
 * <p>{@code shadow-protect}: thread {@value #HARVESTER} harvests (its flush comes after unlock)
 * while thread {@value #SHADOWER} write-protects hot gfns for shadowing, through
 * kvm_mmu_get_page of an indirect page (rmap_write_protect with pt_protect, and the flush it
 * owes). A gfn that dirty logging already made read-only but not yet flushed still owes that
 * flush (SPTE_MMU_WRITEABLE); invariant 2 is checked after every shadow write-protect.
 */
public final class RaceScenarios {
    public static final String TOGGLER = "logging-toggler";
    public static final String HARVESTER = "harvester";
    public static final String SHADOWER = "shadower";
    static final int SLOT = 0;
    /** The first gfn of the scenarios' one memory slot. */
    public static final long BASE_GFN = 0x100000;
    /** The guest's hot pages: written all the time, so always dirty and in every TLB. */
    static final long HOT = 32;

    private RaceScenarios() {}

    /** The machine booted last (for the explorer, which frees its kernel pages before the next run). */
    static volatile MachineVm booted;

    static MachineVm boot(RunConfig config, Set<Long> readOnly) {
        long npages = config.pages();
        Machine.Options opts = new Machine.Options();
        opts.idleNanos = 20_000;
        opts.tlbEntries = 1024; // large enough that only flushes drop entries
        if (config.accessesPerEntry > 0) {
            opts.accessesPerEntry = config.accessesPerEntry;
        }
        MachineVm m = new MachineVm(opts, false, npages);
        booted = m;
        for (int i = 0; i < config.vcpus; i++) {
            m.addVcpu(new Workload(config.seed * 1_000_003L + i, BASE_GFN, npages, Math.min(HOT, npages), 0.98, 0.7, readOnly));
        }
        return m;
    }

    static long setRegion(MachineVm m, long npages, int flags) {
        return kvm_main.kvm_vm_ioctl(m.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                Vmm.region(SLOT, flags, BASE_GFN, npages, Vmm.USER_BASE));
    }

    /** Rounds to run: --rounds, or as many as fit in --seconds. */
    static boolean more(RunConfig c, int round, long t0) {
        return c.seconds > 0 ? System.nanoTime() - t0 < (long) (c.seconds * 1e9) : round <= c.rounds;
    }

    /** The body of a harvester thread; it runs until {@code done}. */
    interface HarvesterLoop {
        void run(AtomicBoolean done) throws Exception;
    }

    /** The racing side, run on the calling thread under {@code threadName}. */
    interface Rounds {
        void run() throws Exception;
    }

    /**
     * Runs {@code rounds} on the calling thread (renamed {@code threadName} for the duration, so
     * the flush hook can find it) against a {@value #HARVESTER} thread running {@code harvest},
     * then stops everything and fills in the totals.
     */
    static RunResult race(RunConfig config, MachineVm m, RunResult result, String threadName, HarvesterLoop harvest,
                          Rounds rounds, PrintStream out) {
        long t0 = System.nanoTime();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String name = Thread.currentThread().getName();
        Thread harvester = new Thread(() -> {
            try {
                harvest.run(done);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, HARVESTER);
        try {
            m.start();
            harvester.start();
            Thread.currentThread().setName(threadName);
            rounds.run();
            done.set(true);
            harvester.join(30_000);
            if (harvester.isAlive()) {
                throw new IllegalStateException("the harvester did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            Thread.currentThread().setName(name);
            done.set(true);
            m.close();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the " + HARVESTER + " thread failed: " + failure.get(), failure.get());
        }
        result.seconds = (System.nanoTime() - t0) / 1e9;
        result.remoteFlushes = m.kvm.stat.remote_tlb_flush.get();
        result.vcpuFlushes = m.vcpus().stream().mapToLong(v -> v.cpu.tlbFlushes.get()).toArray();
        result.vcpuWrites = m.vcpus().stream().mapToLong(v -> v.cpu.writes.get()).toArray();
        Runtime rt = Runtime.getRuntime();
        result.heapUsedBytes = rt.totalMemory() - rt.freeMemory();
        for (Oracle.Violation v : result.violations) {
            out.println("VIOLATION " + v);
        }
        return result;
    }

    public static RunResult enableLoggingRace(RunConfig config, PrintStream out) {
        RunResult result = new RunResult(config);
        result.timeline = new Timeline(System.nanoTime());
        long npages = config.pages();
        MachineVm m = boot(config, Set.of());
        check(setRegion(m, npages, 0), "map guest RAM");
        // The checker must look at the state a harvest returned to, not at a later toggle's
        // window: the toggler issues its next ioctl only after a whole harvest-and-check cycle
        // that began after its last ioctl returned. Harvests still overlap every toggle.
        AtomicLong toggles = new AtomicLong();
        AtomicLong checkedUpTo = new AtomicLong(-1);
        long t0 = System.nanoTime();
        HarvesterLoop harvest = done -> {
            try {
                harvestAndCheck(done, m, npages, toggles, checkedUpTo, result, config.holdFlushMillis);
            } finally {
                checkedUpTo.set(Long.MAX_VALUE); // a harvester that died answers no toggler: race() reports why
            }
        };
        Rounds toggle = () -> {
            for (int round = 1; more(config, round, t0); round++) {
                long f0 = m.kvm.stat.remote_tlb_flush.get();
                long d0 = dropped(m);
                check(setRegion(m, npages, kvm_h.KVM_MEM_LOG_DIRTY_PAGES), "enable dirty logging");
                result.timeline.event("logging on");
                awaitCycle(toggles, checkedUpTo);
                Thread.sleep(1); // let the guest dirty some pages under logging
                check(setRegion(m, npages, 0), "disable dirty logging");
                result.timeline.event("logging off");
                awaitCycle(toggles, checkedUpTo);
                Thread.sleep(1); // and map them writable again without logging
                int seen;
                synchronized (result) {
                    seen = result.violations.size();
                }
                long flushes = m.kvm.stat.remote_tlb_flush.get() - f0;
                long dropped = dropped(m) - d0;
                result.rounds.add(new RunResult.Round(round, 0, 0, flushes, dropped, 0));
                if (round <= 5 || round % 100 == 0) {
                    out.printf("  round %4d: logging on and off, %2d remote TLB flush(es), %4d TLB entries dropped, "
                            + "%d violation(s) so far%n", round, flushes, dropped, seen);
                }
            }
        };
        race(config, m, result, TOGGLER, harvest, toggle, out);
        result.checked = "1 (dirty-log completeness) after each of " + result.checks + " harvests that found logging on";
        return result;
    }

    public static RunResult shadowProtect(RunConfig config, PrintStream out) {
        RunResult result = new RunResult(config);
        result.timeline = new Timeline(System.nanoTime());
        long npages = config.pages();
        Set<Long> pageTables = ConcurrentHashMap.newKeySet();
        MachineVm m = boot(config, pageTables);
        check(setRegion(m, npages, kvm_h.KVM_MEM_LOG_DIRTY_PAGES), "map guest RAM with dirty logging");
        // A vCPU that never runs: the shadowing thread allocates shadow pages through it.
        long id = kvm_main.kvm_vm_ioctl(m.kvm, kvm_h.KVM_CREATE_VCPU, config.vcpus);
        check(id == config.vcpus ? 0 : id, "KVM_CREATE_VCPU");
        kvm_vcpu shadowVcpu = m.kvm.vcpus[config.vcpus];
        long t0 = System.nanoTime();
        HarvesterLoop harvest = done -> {
            long[] bitmap = new long[(int) ((npages + 63) / 64)];
            while (!done.get()) {
                check(timedHarvest(m, bitmap, result.timeline), "KVM_GET_DIRTY_LOG");
                Thread.yield(); // a polling loop lets the other threads run between harvests
            }
        };
        Rounds shadow = () -> {
            long hot = Math.min(npages, HOT);
            for (int round = 1; more(config, round, t0) && round <= hot; round++) {
                long gfn = BASE_GFN + (round - 1);
                long f0 = m.kvm.stat.remote_tlb_flush.get();
                long d0 = dropped(m);
                Thread.sleep(1); // the guest writes, the harvester write-protects
                if (config.holdFlushMillis > 0) {
                    // forced schedule: act while the harvester's late flush is held open
                    FlushGate.awaitHolding(10 * config.holdFlushMillis + 1000);
                }
                pageTables.add(gfn); // the guest now uses gfn as a page table: it stops writing it
                mmu.mmu_topup_memory_caches(shadowVcpu);
                kvm_mmu_page sp;
                spinlock_t.spin_lock(m.kvm.mmu_lock);
                try {
                    // a guest page directory lives in this gfn: shadow it (level 2, indirect)
                    sp = mmu.kvm_mmu_get_page(shadowVcpu, gfn, 0, 2, 0, mmu.ACC_ALL, 0);
                } finally {
                    spinlock_t.spin_unlock(m.kvm.mmu_lock);
                }
                m.pauseAll();
                try {
                    result.timeline.event("write-protect");
                result.violations.addAll(m.oracle.checkShadowProtected(gfn));
                    result.checks++;
                } finally {
                    m.resumeAll();
                }
                long flushes = m.kvm.stat.remote_tlb_flush.get() - f0;
                long dropped = dropped(m) - d0;
                result.rounds.add(new RunResult.Round(round, 0, 0, flushes, dropped, 0));
                if (round <= 5 || round % 16 == 0) {
                    out.printf("  round %3d: shadowed gfn 0x%x (%s page, level %d), %2d remote TLB flush(es), "
                            + "%4d TLB entries dropped, %d violation(s) so far%n", round, gfn,
                            sp.role.direct == 0 ? "indirect" : "direct", sp.role.level, flushes, dropped,
                            result.violations.size());
                }
            }
        };
        race(config, m, result, SHADOWER, harvest, shadow, out);
        result.checked = "2 (shadow write-protection) after each of " + result.checks + " shadowed gfns";
        return result;
    }

    /** The harvester of enable-logging-race: harvest, check invariant 1 with the vCPUs paused, answer the toggler. */
    private static void harvestAndCheck(AtomicBoolean done, MachineVm m, long npages, AtomicLong toggles, AtomicLong checkedUpTo,
                                        RunResult result, long holdFlushMillis) {
        long[] bitmap = new long[(int) ((npages + 63) / 64)];
        while (!done.get()) {
            long startedAfter = toggles.get();
            if (holdFlushMillis > 0) {
                // forced schedule: harvest while the toggler's late flush is held open, before the
                // vCPUs' write faults fill the fresh dirty bitmap (a harvest that finds a dirty bit
                // flushes, and its flush closes the window). A toggle that has no flush (logging
                // off) lets the wait run out, and the harvest goes ahead.
                FlushGate.awaitHolding(2 * holdFlushMillis);
            }
            long r = timedHarvest(m, bitmap, result.timeline);
            if (r == -errno.ENOENT) {
                Thread.onSpinWait(); // logging is off right now
            } else {
                check(r, "KVM_GET_DIRTY_LOG");
                m.pauseAll();
                try {
                    List<Oracle.Violation> v = m.oracle.checkDirtyLogCompleteness(kvm_main.gfn_to_memslot(m.kvm, BASE_GFN));
                    synchronized (result) {
                        result.violations.addAll(v);
                        result.checks++;
                    }
                } finally {
                    m.resumeAll();
                }
            }
            checkedUpTo.set(startedAfter);
            Thread.yield(); // a polling loop lets the other threads run between harvests
        }
    }

    /**
     * One KVM_GET_DIRTY_LOG into {@code bitmap}, recorded on the timeline when it succeeds: the
     * pages it found dirty, how long it took, and the remote TLB flushes (by any thread) meanwhile.
     */
    private static long timedHarvest(MachineVm m, long[] bitmap, Timeline timeline) {
        long f0 = m.kvm.stat.remote_tlb_flush.get();
        long s = System.nanoTime();
        long r = kvm_main.kvm_vm_ioctl(m.kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT, bitmap));
        long took = System.nanoTime() - s;
        if (r == 0) {
            long pages = 0;
            for (long w : bitmap) {
                pages += Long.bitCount(w);
            }
            timeline.harvest(s, took, pages, m.kvm.stat.remote_tlb_flush.get() - f0);
        }
        return r;
    }

    /** After a toggle: count it, then wait for a harvest cycle that began after it. */
    private static void awaitCycle(AtomicLong toggles, AtomicLong checkedUpTo) throws InterruptedException {
        long t = toggles.incrementAndGet();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (checkedUpTo.get() < t) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the harvester stopped answering");
            }
            Thread.sleep(0, 100_000);
        }
    }

    private static long dropped(MachineVm m) {
        return m.vcpus().stream().mapToLong(v -> v.cpu.tlbEntriesDropped.get()).sum();
    }

    static void check(long r, String what) {
        Vmm.check(r, what);
    }
}
