// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * {@code struct rw_semaphore} (v3.16 kernel/locking/rwsem.c over rwsem-spinlock.c): readers share,
 * a writer excludes, a waiting writer holds back new readers, the trylocks answer accordingly, and
 * downgrade_write lets the waiting readers in while the downgrader keeps reading.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RwSemaphoreTest {
    @Test
    void readersShareWriterExcludesAndTrylocksAgree() throws Exception {
        rw_semaphore s = rw_semaphore.init_rwsem("&t->sem");
        rw_semaphore.down_read(s);
        assertTrue(rw_semaphore.down_read_trylock(s), "a second reader shares it");
        assertFalse(rw_semaphore.down_write_trylock(s), "no writer while read-held");
        rw_semaphore.up_read(s);
        rw_semaphore.up_read(s);
        assertFalse(rw_semaphore.rwsem_is_locked(s));

        rw_semaphore.down_write(s);
        assertFalse(rw_semaphore.down_read_trylock(s), "no reader while write-held");
        assertFalse(rw_semaphore.down_write_trylock(s), "no second writer");
        AtomicBoolean readerIn = new AtomicBoolean();
        CpuThread reader = CpuThread.start("reader", () -> {
            rw_semaphore.down_read(s);
            readerIn.set(true);
            rw_semaphore.up_read(s);
        });
        Thread.sleep(50);
        assertFalse(readerIn.get(), "the reader sleeps while the writer holds it");
        rw_semaphore.up_write(s);
        reader.join(10_000);
        assertTrue(readerIn.get(), "up_write woke the reader");
    }

    @Test
    void aWaitingWriterHoldsBackNewReaders() throws Exception {
        rw_semaphore s = rw_semaphore.init_rwsem("&t->sem2");
        rw_semaphore.down_read(s);
        AtomicBoolean writerIn = new AtomicBoolean();
        CpuThread writer = CpuThread.start("writer", () -> {
            rw_semaphore.down_write(s);
            writerIn.set(true);
            rw_semaphore.up_write(s);
        });
        CpuThread.awaitTrue("the writer queued", 10_000, () -> rw_semaphore.rwsem_is_contended(s));
        assertFalse(rw_semaphore.down_read_trylock(s), "a new reader queues behind the waiting writer");
        assertFalse(writerIn.get());
        rw_semaphore.up_read(s);
        writer.join(10_000);
        assertTrue(writerIn.get(), "the last reader's up_read woke the writer");
    }

    @Test
    void downgradeLetsWaitingReadersInAndKeepsWritersOut() throws Exception {
        rw_semaphore s = rw_semaphore.init_rwsem("&t->sem3");
        rw_semaphore.down_write(s);
        CountDownLatch readerIn = new CountDownLatch(1);
        CountDownLatch readerMayLeave = new CountDownLatch(1);
        CpuThread reader = CpuThread.start("reader", () -> {
            rw_semaphore.down_read(s);
            readerIn.countDown();
            CpuThread.await(readerMayLeave, "leave");
            rw_semaphore.up_read(s);
        });
        CpuThread.awaitTrue("the reader queued", 10_000, () -> rw_semaphore.rwsem_is_contended(s) && reader.isAlive());
        Thread.sleep(20);
        assertTrue(readerIn.getCount() == 1, "still write-held: the reader waits");
        rw_semaphore.downgrade_write(s);
        assertTrue(readerIn.await(10, TimeUnit.SECONDS), "downgrade_write woke the waiting reader");
        assertFalse(rw_semaphore.down_write_trylock(s), "two readers now: no writer");
        rw_semaphore.up_read(s); // the downgraded hold is released as a read
        readerMayLeave.countDown();
        reader.join(10_000);
        assertTrue(rw_semaphore.down_write_trylock(s), "all gone: free");
        rw_semaphore.up_write(s);
    }
}
