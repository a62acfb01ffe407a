// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * The lockdep.h / irqflags.h hooks are called where v3.16 calls them: each test records, through
 * the port's test seam ({@code lockdep.probe}), the hooks one task calls during one primitive and
 * compares them with the order of include/linux/spinlock_api_smp.h, rwlock_api_smp.h,
 * kernel/locking/mutex.c, rwsem.c, ww_mutex.h, include/linux/irqflags.h and kernel/softirq.c.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // same thread: the probe records the test's own task
class LockdepHooksTest {
    private final List<String> calls = new ArrayList<>();
    private volatile Thread recorded;

    @BeforeEach
    void record() {
        recorded = Thread.currentThread();
        lockdep.probe = (name, args) -> {
            if (Thread.currentThread() == recorded) {
                synchronized (calls) {
                    calls.add(format(name, args));
                }
            }
        };
    }

    @AfterEach
    void stop() {
        lockdep.probe = null;
    }

    private static String format(String name, Object[] args) {
        StringBuilder b = new StringBuilder(name);
        if (args.length > 0) {
            b.append('(');
            for (int i = 0; i < args.length; i++) {
                b.append(i == 0 ? "" : ",").append(args[i]);
            }
            b.append(')');
        }
        return b.toString();
    }

    private List<String> take() {
        synchronized (calls) {
            List<String> out = new ArrayList<>(calls);
            calls.clear();
            return out;
        }
    }

    @Test
    void spinLockTellsLockdepBeforeTakingAndReportsItAcquired() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->lock");
        take();
        spinlock_t.spin_lock(l);
        assertEquals(List.of("lock_acquire(&hooks->lock,0,0,0,1,null)", "lock_acquired(&hooks->lock)"), take(),
                "spin_acquire, then LOCK_CONTENDED's uncontended path");
        spinlock_t.spin_unlock(l);
        assertEquals(List.of("lock_release(&hooks->lock,1)"), take());
    }

    @Test
    void initFilesTheLockUnderItsName() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->init");
        assertEquals(List.of("lockdep_init_map(&hooks->init,&hooks->init,&hooks->init,0)"), take());
        assertEquals(l, l.dep_map.owner, "the map's owner is the lock that embeds it");
    }

    @Test
    void trylockIsAnnotatedOnlyWhenItSucceeds() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->try");
        take();
        assertEquals(true, spinlock_t.spin_trylock(l));
        assertEquals(List.of("lock_acquire(&hooks->try,0,1,0,1,null)"), take(), "trylock = 1, no lock_acquired");
        int base = preempt.preempt_count();
        assertEquals(false, spinlock_t.spin_trylock(l), "held: the second try fails");
        assertEquals(List.of(), take(), "a failed trylock tells lockdep nothing");
        assertEquals(base, preempt.preempt_count(), "and gives its preempt_disable back");
        spinlock_t.spin_unlock(l);
    }

    @Test
    void contendedSpinLockReportsContentionBetweenAcquireAndAcquired() throws Exception {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->busy");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CpuThread holder = CpuThread.start("holder", () -> {
            spinlock_t.spin_lock(l);
            held.countDown();
            CpuThread.await(release, "release");
            spinlock_t.spin_unlock(l);
        });
        CpuThread.await(held, "held");
        take();
        Thread waker = new Thread(() -> {
            CpuThread.awaitTrue("contended", 10_000, () -> spinlock_t.spin_is_contended(l));
            release.countDown();
        });
        waker.start();
        spinlock_t.spin_lock(l);
        assertEquals(List.of("lock_acquire(&hooks->busy,0,0,0,1,null)", "lock_contended(&hooks->busy)",
                "lock_acquired(&hooks->busy)"), take());
        spinlock_t.spin_unlock(l);
        holder.join(10_000);
        waker.join(10_000);
    }

    @Test
    void nestedAndNestLockPassSubclassAndNestLock() {
        spinlock_t outer = spinlock_t.spin_lock_init("&hooks->outer");
        spinlock_t a = spinlock_t.spin_lock_init("&hooks->inner");
        spinlock_t b = spinlock_t.spin_lock_init("&hooks->inner");
        take();
        spinlock_t.spin_lock(outer);
        spinlock_t.spin_lock_nest_lock(a, outer.dep_map);
        spinlock_t.spin_lock_nested(b, lockdep.SINGLE_DEPTH_NESTING);
        assertEquals(List.of("lock_acquire(&hooks->outer,0,0,0,1,null)", "lock_acquired(&hooks->outer)",
                "lock_acquire(&hooks->inner,0,0,0,1,&hooks->outer)", "lock_acquired(&hooks->inner)",
                "lock_acquire(&hooks->inner,1,0,0,1,null)", "lock_acquired(&hooks->inner)"), take());
        spinlock_t.spin_unlock(b);
        spinlock_t.spin_unlock(a);
        spinlock_t.spin_unlock(outer);
    }

    @Test
    void irqsaveTurnsInterruptsOffBeforeTheAcquireAndRestoresAfterTheRelease() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->irq");
        take();
        long flags = spinlock_t.spin_lock_irqsave(l);
        assertEquals(List.of("trace_hardirqs_off", "lock_acquire(&hooks->irq,0,0,0,1,null)", "lock_acquired(&hooks->irq)"), take());
        spinlock_t.spin_unlock_irqrestore(l, flags);
        assertEquals(List.of("lock_release(&hooks->irq,1)", "trace_hardirqs_on"), take(),
                "release, unlock, then local_irq_restore turns them on (trace before the flag)");
    }

    @Test
    void bhLockTurnsSoftirqsOffFirstAndOnLast() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->bh");
        take();
        spinlock_t.spin_lock_bh(l);
        assertEquals(List.of("trace_softirqs_off", "lock_acquire(&hooks->bh,0,0,0,1,null)", "lock_acquired(&hooks->bh)"), take());
        spinlock_t.spin_unlock_bh(l);
        assertEquals(List.of("lock_release(&hooks->bh,1)", "trace_hardirqs_off", "trace_softirqs_on", "trace_hardirqs_on"), take(),
                "__local_bh_enable_ip disables interrupts around trace_softirqs_on");
    }

    @Test
    void rwlockReadersAreRecursiveReadsWritersExclusive() {
        rwlock_t l = rwlock_t.rwlock_init("&hooks->rw");
        take();
        rwlock_t.read_lock(l);
        rwlock_t.read_unlock(l);
        rwlock_t.write_lock(l);
        rwlock_t.write_unlock(l);
        assertEquals(List.of("lock_acquire(&hooks->rw,0,0,2,1,null)", "lock_acquired(&hooks->rw)", "lock_release(&hooks->rw,1)",
                "lock_acquire(&hooks->rw,0,0,0,1,null)", "lock_acquired(&hooks->rw)", "lock_release(&hooks->rw,1)"), take());
    }

    @Test
    void rwsemReadersAreNonRecursiveReads() {
        rw_semaphore s = rw_semaphore.init_rwsem("&hooks->sem");
        take();
        rw_semaphore.down_read(s);
        rw_semaphore.up_read(s);
        assertEquals(true, rw_semaphore.down_write_trylock(s));
        rw_semaphore.downgrade_write(s);
        rw_semaphore.up_read(s);
        rw_semaphore.down_read_nested(s, 1);
        rw_semaphore.up_read(s);
        assertEquals(List.of("lock_acquire(&hooks->sem,0,0,1,1,null)", "lock_acquired(&hooks->sem)", "lock_release(&hooks->sem,1)",
                "lock_acquire(&hooks->sem,0,1,0,1,null)",
                "lock_release(&hooks->sem,1)",
                "lock_acquire(&hooks->sem,1,0,1,1,null)", "lock_acquired(&hooks->sem)", "lock_release(&hooks->sem,1)"), take(),
                "downgrade_write tells lockdep nothing: the hold lives on as a write");
    }

    @Test
    void mutexAnnotatesAsMutexC() {
        mutex m = mutex.mutex_init("&hooks->mutex");
        take();
        mutex.mutex_lock(m);
        mutex.mutex_unlock(m);
        mutex.mutex_trylock(m);
        mutex.mutex_unlock(m);
        assertEquals(List.of("lock_acquire(&hooks->mutex,0,0,0,1,null)", "lock_acquired(&hooks->mutex)", "lock_release(&hooks->mutex,1)",
                "lock_acquire(&hooks->mutex,0,1,0,1,null)", "lock_release(&hooks->mutex,1)"), take());
    }

    @Test
    void mutexNestedAndNestLockPassSubclassAndNestLock() {
        mutex outer = mutex.mutex_init("&hooks->mouter");
        mutex a = mutex.mutex_init("&hooks->minner");
        mutex b = mutex.mutex_init("&hooks->minner");
        take();
        mutex.mutex_lock(outer);
        mutex.mutex_lock_nest_lock(a, outer.dep_map);
        mutex.mutex_lock_nested(b, lockdep.SINGLE_DEPTH_NESTING);
        assertEquals(List.of("lock_acquire(&hooks->mouter,0,0,0,1,null)", "lock_acquired(&hooks->mouter)",
                "lock_acquire(&hooks->minner,0,0,0,1,&hooks->mouter)", "lock_acquired(&hooks->minner)",
                "lock_acquire(&hooks->minner,1,0,0,1,null)", "lock_acquired(&hooks->minner)"), take());
        mutex.mutex_unlock(b);
        mutex.mutex_unlock(a);
        mutex.mutex_unlock(outer);
        assertEquals(0, preempt.preempt_count(), "__mutex_lock_common gave back its preempt_disable");
    }

    @Test
    void setClassRekeysTheMap() {
        spinlock_t l = spinlock_t.spin_lock_init("&hooks->rekey");
        Object key = new Object();
        take();
        lockdep.lockdep_set_class_and_name(l.dep_map, key, "rekeyed");
        assertEquals(key, l.dep_map.key);
        assertEquals("rekeyed", l.dep_map.name);
        lockdep.lockdep_set_subclass(l.dep_map, "&hooks->rekey", 2);
        assertEquals(key, l.dep_map.key, "lockdep_set_subclass keeps the key");
        assertEquals(List.of("lockdep_init_map(rekeyed,rekeyed," + key + ",0)",
                "lockdep_init_map(&hooks->rekey,&hooks->rekey," + key + ",2)"), take());
    }

    @Test
    void interruptibleMutexGivenASignalReleasesWhatItAnnotated() throws Exception {
        mutex m = mutex.mutex_init("&hooks->intr");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        CpuThread holder = CpuThread.start("holder", () -> {
            mutex.mutex_lock(m);
            held.countDown();
            CpuThread.await(done, "done");
            mutex.mutex_unlock(m);
        });
        CpuThread.await(held, "held");
        take();
        task_struct.current().sigpending = true;
        try {
            assertEquals(-errno.EINTR, mutex.mutex_lock_interruptible(m));
        } finally {
            task_struct.current().sigpending = false;
        }
        assertEquals(List.of("lock_acquire(&hooks->intr,0,0,0,1,null)", "lock_contended(&hooks->intr)", "lock_release(&hooks->intr,1)"), take());
        done.countDown();
        holder.join(10_000);
    }

    @Test
    void wwContextIsHeldAndIsEveryLocksNestLock() {
        ww_class c = ww_class.DEFINE_WW_CLASS("hooks_ww");
        ww_mutex a = ww_mutex.ww_mutex_init(c);
        ww_acquire_ctx ctx = new ww_acquire_ctx();
        take();
        ww_mutex.ww_acquire_init(ctx, c);
        assertEquals(0, ww_mutex.ww_mutex_lock(a, ctx));
        ww_mutex.ww_acquire_done(ctx);
        ww_mutex.ww_mutex_unlock(a);
        ww_mutex.ww_acquire_fini(ctx);
        assertEquals(List.of("lockdep_init_map(hooks_ww_acquire,hooks_ww_acquire," + c.acquire_key + ",0)",
                "lock_acquire(hooks_ww_acquire,0,0,0,1,null)",
                "lock_acquire(hooks_ww_mutex,0,0,0,1,hooks_ww_acquire)", "lock_acquired(hooks_ww_mutex)",
                "lock_release(hooks_ww_mutex,1)",
                "lock_release(hooks_ww_acquire,0)"), take());
    }

    @Test
    void localIrqSaveRestoreTraceAroundTheFlag() {
        long outer = irqflags.local_irq_save();
        long inner = irqflags.local_irq_save();
        irqflags.local_irq_restore(inner);
        assertEquals(true, irqflags.irqs_disabled(), "restoring the inner flags keeps interrupts off");
        irqflags.local_irq_restore(outer);
        assertEquals(false, irqflags.irqs_disabled());
        assertEquals(List.of("trace_hardirqs_off", "trace_hardirqs_off", "trace_hardirqs_off", "trace_hardirqs_on"), take());
    }

    @Test
    void hardirqRunnerBracketsTheHandlerWithIrqEnterAndExit() throws Exception {
        softirq.run_in_hardirq(() -> calls.add("handler"));
        assertEquals(List.of("trace_hardirqs_off", "trace_hardirq_enter", "handler",
                "trace_hardirqs_off", "trace_hardirq_exit", "trace_hardirqs_off", "trace_hardirqs_on"), take(),
                "entry TRACE_IRQS_OFF, irq_enter, handler, irq_exit (local_irq_disable, trace_hardirq_exit last), ret_from_intr, iret");
    }

    @Test
    void softirqFromTaskContextRunsBetweenSoftirqEnterAndExit() {
        softirq.run_in_softirq(() -> calls.add("action"));
        assertEquals(List.of("trace_hardirqs_off", "trace_hardirqs_on", // raise_softirq's irq save/restore
                "trace_hardirqs_off", // do_softirq's local_irq_save
                "trace_softirqs_off", "lockdep_softirq_enter", "trace_hardirqs_on", "action",
                "trace_hardirqs_off", "lockdep_softirq_exit", "trace_softirqs_on",
                "trace_hardirqs_on"), take());
    }

    @Test
    void softirqFromIrqExitLeavesHardirqContextWhileItRuns() {
        softirq.run_in_hardirq(() -> softirq.raise_softirq_irqoff(() -> calls.add("action")));
        assertEquals(List.of("trace_hardirqs_off", "trace_hardirq_enter",
                "trace_hardirqs_off", // irq_exit's local_irq_disable
                "trace_softirqs_off", "trace_hardirq_exit", "lockdep_softirq_enter", "trace_hardirqs_on", "action",
                "trace_hardirqs_off", "lockdep_softirq_exit", "trace_hardirq_enter", "trace_softirqs_on",
                "trace_hardirq_exit", "trace_hardirqs_off", "trace_hardirqs_on"), take(),
                "lockdep_softirq_start/end step out of and back into hardirq context around the softirq");
    }
}
