// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicLong;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct srcu_struct}: sleepable RCU, which guards readers of {@code kvm->memslots}.
 * Readers bump the counter of the current index; an updater drains the idle index, flips, and
 * drains the index that was current, as v3.16's {@code __synchronize_srcu} does. One counter per
 * index instead of per-CPU counters.
 */
@KernelSource(file = "include/linux/srcu.h", lines = "47-57", name = "struct srcu_struct",
        note = "a single counter per index instead of per-CPU lock/unlock counts")
public final class srcu_struct {
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLongArray readers = new AtomicLongArray(2);
    /** One updater at a time (the kernel's sp->mutex); a flag with a yielding spin, not a monitor. */
    private final java.util.concurrent.atomic.AtomicBoolean update_mutex = new java.util.concurrent.atomic.AtomicBoolean();
    public final lockdep_map dep_map;
    /** A reader oopsed inside its read-side section: an updater waiting for it gives up (see {@link Oops}). */
    private volatile boolean reader_died;

    private srcu_struct(String name) {
        this.dep_map = new lockdep_map(name);
    }

    @KernelSource(file = "kernel/rcu/srcu.c", lines = "135-139", name = "init_srcu_struct")
    public static srcu_struct init_srcu_struct(String name) {
        return new srcu_struct(name);
    }

    @KernelSource(file = "include/linux/srcu.h", lines = "218-226")
    public static int srcu_read_lock(srcu_struct sp) {
        return sp.__srcu_read_lock();
    }

    @KernelSource(file = "include/linux/srcu.h", lines = "233-238")
    public static void srcu_read_unlock(srcu_struct sp, int idx) {
        sp.__srcu_read_unlock(idx);
    }

    @KernelSource(file = "kernel/rcu/srcu.c", lines = "295-307")
    private int __srcu_read_lock() {
        int idx = (int) (completed.get() & 1);
        readers.incrementAndGet(idx);
        return idx;
    }

    @KernelSource(file = "kernel/rcu/srcu.c", lines = "315-320")
    private void __srcu_read_unlock(int idx) {
        readers.decrementAndGet(idx);
    }

    /**
     * Waits until every reader that might see the old value has left its read-side section, in
     * v3.16's order (srcu.c 470-477): first drain the index readers are not using (stragglers of
     * an earlier grace period), then flip, then drain the index that was in use. Readers that
     * start after the flip use the new index and are not waited for, so a steady stream of new
     * readers cannot starve the updater.
     */
    @KernelSource(file = "kernel/rcu/srcu.c", lines = "508-513", note = "the batch machinery of __synchronize_srcu (428-467) reduced to one updater at a time")
    public static void synchronize_srcu(srcu_struct sp) {
        sched.might_sleep();
        while (!sp.update_mutex.compareAndSet(false, true)) {
            if (sp.reader_died) {
                throw new VmDeadException(sp + " has a reader that oopsed");
            }
            Thread.yield();
        }
        try {
            int idx = (int) (1 ^ (sp.completed.get() & 1));
            sp.wait_for_readers(idx);
            sp.completed.incrementAndGet(); // srcu_flip
            sp.wait_for_readers(idx ^ 1);
        } finally {
            sp.update_mutex.set(false);
        }
    }

    private void wait_for_readers(int idx) {
        int spins = 0;
        while (readers.get(idx) != 0) {
            if (reader_died) {
                throw new VmDeadException(this + " has a reader that oopsed");
            }
            if (++spins < 64) {
                sched.cpu_relax();
            } else {
                Thread.yield();
            }
        }
    }

    @KernelSource(file = "kernel/rcu/srcu.c", lines = "526-529")
    public static void synchronize_srcu_expedited(srcu_struct sp) {
        synchronize_srcu(sp);
    }

    /** An oops may have left a reader inside: updaters stop waiting for readers. */
    void reader_died() {
        reader_died = true;
    }

    /** Readers inside a read-side section now (for tests and the agent). */
    public long active_readers() {
        return readers.get(0) + readers.get(1);
    }

    @Override
    public String toString() {
        return dep_map.name;
    }
}
