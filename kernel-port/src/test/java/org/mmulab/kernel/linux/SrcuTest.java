// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * Sleepable RCU as v3.16 has it (kernel/rcu/srcu.c 295-320 readers; 340-359, 428-513 and the
 * batch advance in between for the grace period): a reader takes the index {@code completed & 1};
 * {@code synchronize_srcu} first waits for the index readers are not using now, then flips
 * {@code completed} and waits for the index that was in use. So it waits for every reader that
 * started before it, and never for one that started after its flip (the design is
 * starvation-free).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SrcuTest {
    static final long JOIN_MS = 10_000;

    @Test
    void readersAreCountedUntilTheyUnlock() {
        srcu_struct sp = srcu_struct.init_srcu_struct("count");
        assertEquals(0, sp.active_readers());
        int a = srcu_struct.srcu_read_lock(sp);
        int b = srcu_struct.srcu_read_lock(sp); // nesting is allowed
        assertTrue(a == 0 || a == 1);
        assertEquals(a, b, "no grace period in between: same index");
        assertEquals(2, sp.active_readers());
        srcu_struct.srcu_read_unlock(sp, b);
        srcu_struct.srcu_read_unlock(sp, a);
        assertEquals(0, sp.active_readers());
    }

    @Test
    void synchronizeWithoutReadersReturns() throws Exception {
        srcu_struct sp = srcu_struct.init_srcu_struct("idle");
        CpuThread.start("updater", () -> {
            srcu_struct.synchronize_srcu(sp);
            srcu_struct.synchronize_srcu_expedited(sp);
        }).join(JOIN_MS);
        // A reader after the grace periods enters and leaves normally.
        int idx = srcu_struct.srcu_read_lock(sp);
        assertEquals(1, sp.active_readers());
        srcu_struct.srcu_read_unlock(sp, idx);
        assertEquals(0, sp.active_readers());
    }

    @Test
    void synchronizeWaitsForAReaderThatEnteredBeforeIt() throws Exception {
        srcu_struct sp = srcu_struct.init_srcu_struct("prior_reader");
        CountDownLatch readerIn = new CountDownLatch(1);
        CountDownLatch readerOut = new CountDownLatch(1);
        CountDownLatch syncDone = new CountDownLatch(1);
        AtomicBoolean readerUnlocked = new AtomicBoolean();
        AtomicBoolean unlockedSeenBySync = new AtomicBoolean();

        CpuThread reader = CpuThread.start("reader", () -> {
            int idx = srcu_struct.srcu_read_lock(sp);
            readerIn.countDown();
            CpuThread.await(readerOut, "reader may leave");
            readerUnlocked.set(true);
            srcu_struct.srcu_read_unlock(sp, idx);
        });
        CpuThread.await(readerIn, "reader inside");
        CpuThread updater = CpuThread.start("updater", () -> {
            srcu_struct.synchronize_srcu(sp);
            unlockedSeenBySync.set(readerUnlocked.get());
            syncDone.countDown();
        });
        try {
            assertFalse(syncDone.await(300, TimeUnit.MILLISECONDS),
                    "synchronize_srcu returned while a reader that entered before it was still inside");
        } finally {
            readerOut.countDown();
        }
        assertTrue(syncDone.await(JOIN_MS, TimeUnit.MILLISECONDS), "synchronize_srcu did not return after the reader left");
        updater.join(JOIN_MS);
        reader.join(JOIN_MS);
        assertTrue(unlockedSeenBySync.get(), "the reader's unlock happens-before synchronize_srcu's return");
    }

    @Test
    void synchronizeDoesNotWaitForAReaderThatEnteredAfterTheFlip() throws Exception {
        srcu_struct sp = srcu_struct.init_srcu_struct("later_reader");
        CountDownLatch earlyIn = new CountDownLatch(1);
        CountDownLatch earlyOut = new CountDownLatch(1);
        CountDownLatch lateIn = new CountDownLatch(1);
        CountDownLatch lateOut = new CountDownLatch(1);
        CountDownLatch syncDone = new CountDownLatch(1);
        int[] earlyIdx = {-1};
        int[] lateIdx = {-1};
        AtomicInteger probes = new AtomicInteger();

        CpuThread early = CpuThread.start("early-reader", () -> {
            earlyIdx[0] = srcu_struct.srcu_read_lock(sp);
            earlyIn.countDown();
            CpuThread.await(earlyOut, "early reader may leave");
            srcu_struct.srcu_read_unlock(sp, earlyIdx[0]);
        });
        CpuThread.await(earlyIn, "early reader inside");
        final int before = earlyIdx[0];
        CpuThread updater = CpuThread.start("updater", () -> {
            srcu_struct.synchronize_srcu(sp);
            syncDone.countDown();
        });
        // A reader that enters once the updater has flipped: it gets the other index.
        CpuThread late = CpuThread.start("late-reader", () -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int idx;
            while (true) {
                idx = srcu_struct.srcu_read_lock(sp);
                probes.incrementAndGet();
                if (idx != before) {
                    break; // entered after the flip: stay inside
                }
                srcu_struct.srcu_read_unlock(sp, idx);
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("synchronize_srcu never flipped the index");
                }
                Thread.sleep(1);
            }
            lateIdx[0] = idx;
            lateIn.countDown();
            CpuThread.await(lateOut, "late reader may leave");
            srcu_struct.srcu_read_unlock(sp, idx);
        });
        try {
            CpuThread.await(lateIn, "late reader inside, on the new index");
            assertEquals(1, syncDone.getCount(), "the early reader still holds the grace period");
            earlyOut.countDown();
            early.join(JOIN_MS);
            assertTrue(syncDone.await(5, TimeUnit.SECONDS),
                    "synchronize_srcu still waits after every reader that entered before it has left: it is waiting"
                            + " for the reader that entered after its flip (index " + lateIdx[0] + ", early reader had "
                            + before + ")");
        } finally {
            earlyOut.countDown();
            lateOut.countDown();
            updater.joinQuietly(JOIN_MS);
            late.joinQuietly(JOIN_MS);
        }
        updater.join(JOIN_MS);
        late.join(JOIN_MS);
        assertEquals(0, sp.active_readers());
    }

    @Test
    void backToBackGracePeriodsEachWaitForTheirOwnPriorReaders() throws Exception {
        srcu_struct sp = srcu_struct.init_srcu_struct("rounds");
        for (int round = 0; round < 4; round++) {
            CountDownLatch in = new CountDownLatch(1);
            CountDownLatch out = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            CpuThread reader = CpuThread.start("reader" + round, () -> {
                int idx = srcu_struct.srcu_read_lock(sp);
                in.countDown();
                CpuThread.await(out, "leave");
                srcu_struct.srcu_read_unlock(sp, idx);
            });
            CpuThread.await(in, "reader inside");
            CpuThread updater = CpuThread.start("updater" + round, () -> {
                srcu_struct.synchronize_srcu(sp);
                done.countDown();
            });
            try {
                assertFalse(done.await(100, TimeUnit.MILLISECONDS), "round " + round + ": did not wait for the prior reader");
            } finally {
                out.countDown();
            }
            assertTrue(done.await(JOIN_MS, TimeUnit.MILLISECONDS), "round " + round);
            reader.join(JOIN_MS);
            updater.join(JOIN_MS);
        }
    }
}
