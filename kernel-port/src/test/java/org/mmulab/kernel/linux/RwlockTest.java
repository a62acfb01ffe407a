// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * {@code rwlock_t} (x86 v3.16 biased count, arch/x86/include/asm/spinlock.h 209-272; API
 * include/linux/rwlock_api_smp.h): readers share, a writer excludes readers and writers, the
 * trylocks answer accordingly, and every variant leaves preempt_count, the interrupt flag and the
 * softirq count as it found them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RwlockTest {
    @Test
    void readersShareAndTheTrylocksAgree() throws Exception {
        rwlock_t l = rwlock_t.rwlock_init("&t->rw");
        CountDownLatch twoReaders = new CountDownLatch(2);
        CountDownLatch done = new CountDownLatch(1);
        List<CpuThread> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            readers.add(CpuThread.start("reader" + i, () -> {
                rwlock_t.read_lock(l);
                twoReaders.countDown();
                CpuThread.await(done, "done");
                rwlock_t.read_unlock(l);
            }));
        }
        CpuThread.await(twoReaders, "both readers inside at once");
        assertFalse(rwlock_t.write_trylock(l), "a writer cannot enter while readers hold it");
        assertFalse(rwlock_t.write_can_lock(l));
        assertTrue(rwlock_t.read_trylock(l), "a third reader can");
        rwlock_t.read_unlock(l);
        done.countDown();
        for (CpuThread r : readers) {
            r.join(10_000);
        }
        assertTrue(rwlock_t.write_trylock(l), "free again: the writer gets it");
        assertFalse(rwlock_t.read_trylock(l), "no reader while the writer holds it");
        assertFalse(rwlock_t.read_can_lock(l));
        rwlock_t.write_unlock(l);
        assertTrue(rwlock_t.write_can_lock(l));
    }

    @Test
    void writerExcludesEveryoneUnderContention() throws Exception {
        rwlock_t l = rwlock_t.rwlock_init("&t->rw2");
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        AtomicBoolean broken = new AtomicBoolean();
        AtomicInteger maxReaders = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<CpuThread> cpus = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean writer = t == 0;
            cpus.add(CpuThread.start((writer ? "writer" : "reader") + t, () -> {
                CpuThread.await(go, "go");
                for (int i = 0; i < 3_000; i++) {
                    if (writer) {
                        rwlock_t.write_lock(l);
                        if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                            broken.set(true);
                        }
                        writers.decrementAndGet();
                        rwlock_t.write_unlock(l);
                    } else {
                        rwlock_t.read_lock(l);
                        int r = readers.incrementAndGet();
                        maxReaders.accumulateAndGet(r, Math::max);
                        if (writers.get() != 0) {
                            broken.set(true);
                        }
                        if (i % 128 == 0) {
                            Thread.yield();
                        }
                        readers.decrementAndGet();
                        rwlock_t.read_unlock(l);
                    }
                }
            }));
        }
        go.countDown();
        for (CpuThread c : cpus) {
            c.join(30_000);
        }
        assertFalse(broken.get(), "a reader saw a writer inside, or a writer saw anyone");
        assertTrue(rwlock_t.write_can_lock(l), "all released: the count is back to RW_LOCK_BIAS");
    }

    @Test
    void variantsRestoreTheStateTheyChange() {
        rwlock_t l = rwlock_t.rwlock_init("&t->rw3");
        int base = preempt.preempt_count();

        rwlock_t.read_lock_bh(l);
        assertEquals(base + preempt_mask.SOFTIRQ_LOCK_OFFSET, preempt.preempt_count(), "bh variant adds SOFTIRQ_LOCK_OFFSET");
        assertTrue(preempt_mask.in_softirq(), "bottom halves off count as softirq context");
        assertFalse(preempt_mask.in_serving_softirq());
        rwlock_t.read_unlock_bh(l);
        assertEquals(base, preempt.preempt_count());

        long flags = rwlock_t.write_lock_irqsave(l);
        assertTrue(irqflags.irqs_disabled());
        assertEquals(base + 1, preempt.preempt_count());
        rwlock_t.write_unlock_irqrestore(l, flags);
        assertFalse(irqflags.irqs_disabled());

        rwlock_t.read_lock_irq(l);
        assertTrue(irqflags.irqs_disabled());
        rwlock_t.read_unlock_irq(l);
        assertFalse(irqflags.irqs_disabled());

        rwlock_t.write_lock_bh(l);
        rwlock_t.write_unlock_bh(l);
        rwlock_t.write_lock_irq(l);
        rwlock_t.write_unlock_irq(l);
        flags = rwlock_t.read_lock_irqsave(l);
        rwlock_t.read_unlock_irqrestore(l, flags);
        assertEquals(base, preempt.preempt_count());
        assertFalse(irqflags.irqs_disabled());
        assertTrue(rwlock_t.write_can_lock(l));
    }
}
