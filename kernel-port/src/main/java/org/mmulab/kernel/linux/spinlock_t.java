// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code spinlock_t}: the x86 ticket spinlock of v3.16. A locker takes a ticket from {@code tail}
 * and spins until {@code head} reaches it; unlock advances {@code head}. {@code spin_lock} disables
 * preemption first, as {@code CONFIG_PREEMPT} kernels do, so {@code preempt_count} tells whether the
 * task is atomic. The lock is not recursive: taking it twice on one task spins forever, as in the
 * kernel (the lockdep agent reports it first).
 *
 * <p>Java threads can be descheduled while they spin, so after a short burst of PAUSEs the spinner
 * yields its core; the lock's semantics do not change.
 */
@KernelSource(file = "include/linux/spinlock_types.h", lines = "76", name = "spinlock_t",
        note = "ticket pair from arch/x86/include/asm/spinlock_types.h 27-34")
public final class spinlock_t {
    /** The arch_spinlock_t tickets. */
    private final AtomicInteger head = new AtomicInteger();
    private final AtomicInteger tail = new AtomicInteger();
    /** Who holds it, for spin_is_locked() diagnostics and the lockdep agent; not part of the lock word. */
    private volatile task_struct owner;
    /** The holder oopsed with it held: whoever waits for it gives up (see {@link Oops}). Not part of the lock word. */
    volatile boolean owner_died;
    public final lockdep_map dep_map;

    private spinlock_t(String name) {
        this.dep_map = new lockdep_map(name);
    }

    /** spin_lock_init(&kvm->mmu_lock): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/spinlock.h", lines = "295-299")
    public static spinlock_t spin_lock_init(String name) {
        return new spinlock_t(name);
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "301-304")
    public static void spin_lock(spinlock_t lock) {
        preempt.preempt_disable();
        try {
            lock.arch_spin_lock();
        } catch (VmDeadException e) {
            preempt.preempt_enable();
            throw e;
        }
        task_struct me = task_struct.current();
        lock.owner = me;
        me.spinlocks_held.add(lock);
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "341-344")
    public static void spin_unlock(spinlock_t lock) {
        task_struct.current().spinlocks_held.remove(lock);
        lock.owner = null;
        lock.arch_spin_unlock();
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "381-384", name = "spin_is_locked")
    public static boolean spin_is_locked(spinlock_t lock) {
        return lock.tail.get() != lock.head.get();
    }

    /** More than one ticket outstanding: somebody waits behind the holder. */
    @KernelSource(file = "include/linux/spinlock.h", lines = "386-389",
            note = "arch_spin_is_contended, arch/x86/include/asm/spinlock.h 170-175")
    public static boolean spin_is_contended(spinlock_t lock) {
        return lock.tail.get() - lock.head.get() > 1;
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "82-104")
    private void arch_spin_lock() {
        int ticket = tail.getAndIncrement();
        int spins = 0;
        while (head.get() != ticket) {
            if (owner_died) {
                throw new VmDeadException(this + " was left held by a task that oopsed");
            }
            if (++spins < 64) {
                sched.cpu_relax();
            } else {
                Thread.yield();
            }
        }
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "146-157")
    private void arch_spin_unlock() {
        head.incrementAndGet();
    }

    /** The task that holds the lock now, or null. */
    public task_struct owner() {
        return owner;
    }

    @Override
    public String toString() {
        return dep_map.name;
    }
}
