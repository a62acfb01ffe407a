// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.smp;
import org.mmulab.fixture.BareVm;

/**
 * vCPU threads write guest pages while another thread harvests the dirty log over and over; after
 * the writers stop and one last harvest, no write may be missing from the log.
 *
 * <p>Each writer thread is a vCPU: it creates its vCPU itself, so the vCPU is loaded on the
 * writer's own CPU and the harvester's flush (make_all_cpus_request, kvm_main.c 155-185) really
 * has to wait for a writer that is inside fast_page_fault's lockless walk. A writer "writes" page
 * p only when it has seen p's leaf spte writable: before that it takes EPT write faults through
 * tdp_page_fault (fast_page_fault for a present read-only spte, mmu.c 2820-2895; the slow path for
 * a missing one, mmu.c 3375-3436) until the W bit is set.
 *
 * <p>A global counter orders events. A writer takes a ticket <em>before</em> the look that finds
 * the spte writable; the harvester takes one <em>after</em> each KVM_GET_DIRTY_LOG returns.
 * Invariants:
 * <ol>
 * <li>For every written page, some harvest that ended after the page's last write reports it.
 * (The spte was writable at that look, so a dirty bit for that writable episode was or will be set,
 * and the harvest that takes it also write-protects the page, x86.c 3637-3641; that write-protect
 * is after the look, so the harvest ends after the ticket.) This implies the union of all
 * harvested bitmaps holds every written page.</li>
 * <li>A page is never reported more often than writers took write faults on it while they saw it
 * read-only. Every dirty bit comes from one such fault and each fault sets at most one: the fast
 * path marks only when its cmpxchg64 wins (mmu.c 2809-2810), the slow path marks in set_spte
 * (mmu.c 2492-2493), and no prefetch happens in a logged slot (mmu.c 2586-2587). Each report
 * consumes at least one new bit. (Counting only the faults after which the writer then saw the page
 * writable would not be a sound bound: a harvest may write-protect the page between the fault that
 * set W and the writer's next look, and then that fault's bit is reported while the writer saw no
 * read-only-to-writable change and faults again.)</li>
 * <li>No WARN_ON fires and no thread throws.</li>
 * <li>After the final harvest every page of the slot is read-only (with SPTE_MMU_WRITEABLE kept for
 * written pages) and the next harvest is empty.</li>
 * </ol>
 * Writers also poll for IPIs ({@code smp.handle_pending_ipis}) before every look at an spte, as
 * guest code would take interrupts. (An early version of the smp model delivered IPIs only where
 * the target turned interrupts on or polled, and a flush queued just after a writer left its
 * lockless walk was never answered; the model now takes an IPI at once on a CPU whose interrupts
 * are on, which is what hardware does.)
 *
 * <p>Writers pause every {@link #CHECKPOINT} writes until the harvester has finished one more
 * harvest, so each round has at least WRITES / CHECKPOINT harvests overlapping the writes without
 * any timing assumption.
 */
class ConcurrentDirtyLogTest {
    static final int SLOT = 0;
    static final long BASE_GFN = 0x100;
    static final int NPAGES = 256; // four bitmap words
    static final int WRITERS = 3;
    static final int WRITES = 5000; // per writer and round
    static final int CHECKPOINT = 100;
    static final int MAX_FAULTS_PER_WRITE = 100_000;
    static final int MAX_HARVESTS = 1_000_000;
    static final long JOIN_TIMEOUT_MS = 30_000;

    enum Sharing {
        /** Every writer writes every page. */
        SHARED,
        /** Writer i writes pages p with p % WRITERS == i: distinct pages in the same bitmap words. */
        DISJOINT,
        /** Every writer writes the same 8 pages, 60..67, across a bitmap-word boundary. */
        HOT
    }

    static Stream<Arguments> rounds() {
        List<Arguments> r = new ArrayList<>();
        for (boolean ad : new boolean[] {false, true}) {
            for (Sharing s : Sharing.values()) {
                for (long seed : new long[] {1, 2}) {
                    r.add(Arguments.of(ad, s, seed));
                }
            }
        }
        return r.stream();
    }

    record Harvest(long endTicket, long[] bitmap) {
        boolean reports(int page) {
            return (bitmap[page / 64] & (1L << (page % 64))) != 0;
        }
    }

    static int[] pagesOf(Sharing s, int writer) {
        switch (s) {
            case SHARED: {
                int[] p = new int[NPAGES];
                for (int i = 0; i < NPAGES; i++) {
                    p[i] = i;
                }
                return p;
            }
            case DISJOINT: {
                List<Integer> l = new ArrayList<>();
                for (int i = writer; i < NPAGES; i += WRITERS) {
                    l.add(i);
                }
                return l.stream().mapToInt(Integer::intValue).toArray();
            }
            default:
                return new int[] {60, 61, 62, 63, 64, 65, 66, 67};
        }
    }

    @ParameterizedTest(name = "EPT A/D={0} {1} seed {2}")
    @MethodSource("rounds")
    void noDirtyPageIsLost(boolean ad, Sharing sharing, long seed) throws InterruptedException {
        BareVm vm = BareVm.create(ad);
        vm.addSlot(SLOT, BASE_GFN, NPAGES, true);
        long warningsBefore = bug.warningCount();

        AtomicLong clock = new AtomicLong();
        AtomicLongArray lastWrite = new AtomicLongArray(NPAGES); // ticket of the last write, 0 = none
        AtomicIntegerArray writes = new AtomicIntegerArray(NPAGES);
        AtomicIntegerArray faults = new AtomicIntegerArray(NPAGES);
        AtomicIntegerArray writesAfterFault = new AtomicIntegerArray(NPAGES);
        ConcurrentLinkedQueue<Harvest> harvests = new ConcurrentLinkedQueue<>();
        AtomicLong harvestCount = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean writersDone = new AtomicBoolean();
        AtomicBoolean harvesterDead = new AtomicBoolean();
        AtomicBoolean abort = new AtomicBoolean(); // set on timeout so the threads of a failed round stop
        CountDownLatch start = new CountDownLatch(1);
        Object vcpuCreation = new Object(); // BareVm.addVcpu looks its vCPU up by count: one at a time

        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            final int id = w;
            final int[] mine = pagesOf(sharing, w);
            Thread t = new Thread(() -> {
                try {
                    kvm_vcpu vcpu;
                    synchronized (vcpuCreation) {
                        vcpu = vm.addVcpu(id);
                    }
                    assertEquals(id, vcpu.vcpu_id);
                    awaitQuietly(start);
                    Random rnd = new Random(seed * 1000 + id);
                    long seenHarvests = harvestCount.get();
                    for (int i = 0; i < WRITES && !abort.get(); i++) {
                        if (i % CHECKPOINT == CHECKPOINT - 1) {
                            // let at least one harvest complete between checkpoints
                            while (harvestCount.get() == seenHarvests && !harvesterDead.get() && !abort.get()) {
                                smp.handle_pending_ipis(); // guest code runs with interrupts on
                                Thread.yield();
                            }
                            seenHarvests = harvestCount.get();
                        }
                        int p = mine[rnd.nextInt(mine.length)];
                        long gfn = BASE_GFN + p;
                        int taken = 0;
                        while (true) {
                            // Between faults the vCPU runs guest code with interrupts on, so it
                            // answers a flush IPI here (the smp model delivers IPIs only where a CPU
                            // polls or turns interrupts on; a vCPU that never did would leave the
                            // harvester waiting in smp_call_function_many forever).
                            smp.handle_pending_ipis();
                            long ticket = clock.incrementAndGet();
                            long spte = BareVm.leafSpte(vcpu, gfn);
                            if (mmu_h.is_writable_pte(spte)) {
                                lastWrite.accumulateAndGet(p, ticket, Math::max);
                                writes.incrementAndGet(p);
                                if (taken > 0) {
                                    writesAfterFault.incrementAndGet(p);
                                }
                                break;
                            }
                            if (++taken > MAX_FAULTS_PER_WRITE || abort.get()) {
                                throw new AssertionError("writer " + id + " cannot make page " + p + " writable");
                            }
                            int r = BareVm.fault(vcpu, gfn, true, mmu.is_shadow_present_pte(spte));
                            faults.incrementAndGet(p);
                            if (r != 0) {
                                throw new AssertionError("tdp_page_fault(" + Long.toHexString(gfn) + ") = " + r);
                            }
                        }
                    }
                    smp.handle_pending_ipis(); // answer a last flush before this CPU goes away
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "writer-" + w);
            t.setDaemon(true);
            writers.add(t);
        }
        Thread harvester = new Thread(() -> {
            try {
                awaitQuietly(start);
                for (int h = 0; h < MAX_HARVESTS && !writersDone.get() && !abort.get(); h++) {
                    long[] bm = vm.getDirtyLog(SLOT, NPAGES);
                    long end = clock.incrementAndGet();
                    if (Arrays.stream(bm).anyMatch(x -> x != 0)) {
                        harvests.add(new Harvest(end, bm)); // an empty harvest reports nothing
                    }
                    harvestCount.incrementAndGet();
                    Thread.yield();
                }
            } catch (Throwable e) {
                errors.add(e);
            } finally {
                harvesterDead.set(true);
            }
        }, "harvester");
        harvester.setDaemon(true);

        for (Thread t : writers) {
            t.start();
        }
        harvester.start();
        start.countDown();
        List<Thread> all = new ArrayList<>(writers);
        all.add(harvester);
        for (Thread t : writers) {
            t.join(JOIN_TIMEOUT_MS);
            if (t.isAlive()) {
                abort.set(true);
                fail(t.getName() + " did not finish in " + JOIN_TIMEOUT_MS + " ms; errors so far: " + errors + "\n" + stacks(all));
            }
        }
        writersDone.set(true);
        harvester.join(JOIN_TIMEOUT_MS);
        if (harvester.isAlive()) {
            abort.set(true);
            fail("harvester did not finish in " + JOIN_TIMEOUT_MS + " ms; errors so far: " + errors + "\n" + stacks(all));
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError(errors.size() + " thread(s) failed; first: " + errors.peek(), errors.peek());
            errors.forEach(x -> {
                if (x != errors.peek()) {
                    e.addSuppressed(x);
                }
            });
            throw e;
        }
        long concurrentHarvests = harvestCount.get();
        assertTrue(concurrentHarvests >= (long) WRITES / CHECKPOINT - 1, "harvests overlapping the writes: " + concurrentHarvests);

        // the final harvest, with every writer stopped
        harvests.add(new Harvest(clock.incrementAndGet(), vm.getDirtyLog(SLOT, NPAGES)));

        int totalWrites = 0;
        for (int p = 0; p < NPAGES; p++) {
            int reported = 0;
            boolean reportedAfterLastWrite = false;
            StringBuilder when = new StringBuilder();
            for (Harvest h : harvests) {
                if (h.reports(p)) {
                    reported++;
                    reportedAfterLastWrite |= h.endTicket() > lastWrite.get(p);
                    if (when.length() < 400) {
                        when.append(h.endTicket()).append(' ');
                    }
                }
            }
            String info = String.format("page %d: writes=%d lastWriteTicket=%d faults=%d writesAfterFault=%d reported=%d at [%s]",
                    p, writes.get(p), lastWrite.get(p), faults.get(p), writesAfterFault.get(p), reported, when.toString().trim());
            totalWrites += writes.get(p);
            if (writes.get(p) > 0) {
                assertTrue(reported >= 1, "written page never reported: " + info);
                assertTrue(reportedAfterLastWrite, "the last write of a page was lost (no harvest after it reports the page): " + info);
            }
            assertTrue(reported <= faults.get(p), "page reported more often than it was write-faulted: " + info);

            long spte = BareVm.leafSpte(vm.kvm.vcpus[0], BASE_GFN + p);
            assertFalse(mmu_h.is_writable_pte(spte), "still writable after the final harvest: " + info);
            if (writes.get(p) > 0) {
                assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0, "dirty logging keeps SPTE_MMU_WRITEABLE: " + info);
            }
        }
        assertEquals((long) WRITERS * WRITES, totalWrites, "every write was recorded");
        assertArrayEquals(new long[NPAGES / 64], vm.getDirtyLog(SLOT, NPAGES), "nothing is dirty after the final harvest");
        assertEquals(warningsBefore, bug.warningCount(), "WARN_ON fired during the run");
    }

    static String stacks(List<Thread> threads) {
        StringBuilder b = new StringBuilder();
        for (Thread t : threads) {
            b.append(t.getName()).append(' ').append(t.getState()).append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                b.append("    at ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    /** Start latches are awaited with a bound, so no thread of a failed round waits forever. */
    static void awaitQuietly(CountDownLatch l) throws InterruptedException {
        if (!l.await(JOIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("latch timed out");
        }
    }
}
