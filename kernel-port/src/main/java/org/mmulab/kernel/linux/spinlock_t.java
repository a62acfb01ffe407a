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
        this.dep_map = new lockdep_map(name, this);
    }

    /** Files the new lock with lockdep under {@code name}, its key being the name (one class per init site). */
    @KernelSource(file = "kernel/locking/spinlock_debug.c", lines = "16-30",
            note = "the lock words start unlocked in the field initialisers (a re-init of a live lock leaves them)")
    public static void __raw_spin_lock_init(spinlock_t lock, String name, Object key) {
        debug_locks.debug_check_no_locks_freed(lock, 1);
        lockdep.lockdep_init_map(lock.dep_map, name, key, 0);
    }

    /** spin_lock_init(&kvm->mmu_lock): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/spinlock.h", lines = "295-299")
    public static spinlock_t spin_lock_init(String name) {
        spinlock_t lock = new spinlock_t(name);
        __raw_spin_lock_init(lock, name, name);
        return lock;
    }

    // ---- do_raw_spin_*: the lock word, plus the port's owner bookkeeping ----

    @KernelSource(file = "include/linux/spinlock.h", lines = "155-159")
    void do_raw_spin_lock() {
        arch_spin_lock();
        took();
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "168-171")
    boolean do_raw_spin_trylock() {
        if (arch_spin_trylock()) {
            took();
            return true;
        }
        return false;
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "173-177")
    void do_raw_spin_unlock() {
        task_struct.current().spinlocks_held.remove(this);
        owner = null;
        arch_spin_unlock();
    }

    private void took() {
        task_struct me = task_struct.current();
        owner = me;
        me.spinlocks_held.add(this);
    }

    private void contended() {
        lockdep.LOCK_CONTENDED(dep_map, this::do_raw_spin_trylock, this::do_raw_spin_lock);
    }

    // ---- spinlock_api_smp.h / kernel/locking/spinlock.c ----

    /**
     * __raw_spin_lock's body: preempt_disable, spin_acquire, then LOCK_CONTENDED expanded in place
     * (it is a macro in C), so a task spinning here shows its caller two frames above arch_spin_lock.
     */
    @KernelSource(file = "include/linux/spinlock.h", lines = "301-304",
            note = "body of __raw_spin_lock, spinlock_api_smp.h 139-144, with LOCK_CONTENDED (lockdep.h 425-432) expanded")
    public static void spin_lock(spinlock_t lock) {
        preempt.preempt_disable();
        lockdep.spin_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        try {
            if (!lock.do_raw_spin_trylock()) {
                lockdep.lock_contended(lock.dep_map, lockdep._RET_IP_());
                lock.arch_spin_lock(); // do_raw_spin_lock
                lock.took();
            }
        } catch (VmDeadException e) {
            preempt.preempt_enable();
            throw e;
        }
        lockdep.lock_acquired(lock.dep_map, lockdep._RET_IP_());
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "341-344",
            note = "body of __raw_spin_unlock, spinlock_api_smp.h 148-153")
    public static void spin_unlock(spinlock_t lock) {
        lockdep.spin_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.do_raw_spin_unlock();
        preempt.preempt_enable();
    }

    /** Takes a second lock of a class already held, one nesting level deeper ({@code subclass}). */
    @KernelSource(file = "include/linux/spinlock.h", lines = "316-319",
            note = "_raw_spin_lock_nested, kernel/locking/spinlock.c 358-363 (CONFIG_DEBUG_LOCK_ALLOC)")
    public static void spin_lock_nested(spinlock_t lock, int subclass) {
        preempt.preempt_disable();
        lockdep.spin_acquire(lock.dep_map, subclass, 0, lockdep._RET_IP_());
        lock.contended();
    }

    /** Takes a lock of a class already held, serialised by {@code nest_lock} (the outer lock's dep_map). */
    @KernelSource(file = "include/linux/spinlock.h", lines = "321-324",
            note = "_raw_spin_lock_nest_lock, kernel/locking/spinlock.c 380-386; takes &(nest_lock)->dep_map directly")
    public static void spin_lock_nest_lock(spinlock_t lock, lockdep_map nest_lock) {
        preempt.preempt_disable();
        lockdep.spin_acquire_nest(lock.dep_map, 0, 0, nest_lock, lockdep._RET_IP_());
        lock.contended();
    }

    /** Disables interrupts, takes the lock, and returns the flags for spin_unlock_irqrestore. */
    @KernelSource(file = "include/linux/spinlock.h", lines = "331-334",
            note = "__raw_spin_lock_irqsave, spinlock_api_smp.h 104-122 (CONFIG_LOCKDEP: LOCK_CONTENDED); returns flags")
    public static long spin_lock_irqsave(spinlock_t lock) {
        long flags = irqflags.local_irq_save();
        preempt.preempt_disable();
        lockdep.spin_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.contended();
        return flags;
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "336-339",
            note = "_raw_spin_lock_irqsave_nested, kernel/locking/spinlock.c 366-377; returns flags")
    public static long spin_lock_irqsave_nested(spinlock_t lock, int subclass) {
        long flags = irqflags.local_irq_save();
        preempt.preempt_disable();
        lockdep.spin_acquire(lock.dep_map, subclass, 0, lockdep._RET_IP_());
        lock.contended();
        return flags;
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "356-359",
            note = "__raw_spin_unlock_irqrestore, spinlock_api_smp.h 155-162")
    public static void spin_unlock_irqrestore(spinlock_t lock, long flags) {
        lockdep.spin_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.do_raw_spin_unlock();
        irqflags.local_irq_restore(flags);
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "326-329",
            note = "__raw_spin_lock_irq, spinlock_api_smp.h 124-130")
    public static void spin_lock_irq(spinlock_t lock) {
        irqflags.local_irq_disable();
        preempt.preempt_disable();
        lockdep.spin_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.contended();
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "351-354",
            note = "__raw_spin_unlock_irq, spinlock_api_smp.h 164-170")
    public static void spin_unlock_irq(spinlock_t lock) {
        lockdep.spin_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.do_raw_spin_unlock();
        irqflags.local_irq_enable();
        preempt.preempt_enable();
    }

    /** Disables bottom halves (and preemption: SOFTIRQ_LOCK_OFFSET) and takes the lock. */
    @KernelSource(file = "include/linux/spinlock.h", lines = "306-309",
            note = "__raw_spin_lock_bh, spinlock_api_smp.h 132-137")
    public static void spin_lock_bh(spinlock_t lock) {
        softirq.__local_bh_disable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
        lockdep.spin_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.contended();
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "346-349",
            note = "__raw_spin_unlock_bh, spinlock_api_smp.h 172-177")
    public static void spin_unlock_bh(spinlock_t lock) {
        lockdep.spin_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.do_raw_spin_unlock();
        softirq.__local_bh_enable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
    }

    /** Takes the lock if it is free; lockdep hears of it only when taken (trylock = 1). */
    @KernelSource(file = "include/linux/spinlock.h", lines = "311-314",
            note = "__raw_spin_trylock, spinlock_api_smp.h 86-95; boolean for the C int")
    public static boolean spin_trylock(spinlock_t lock) {
        preempt.preempt_disable();
        if (lock.do_raw_spin_trylock()) {
            lockdep.spin_acquire(lock.dep_map, 0, 1, lockdep._RET_IP_());
            return true;
        }
        preempt.preempt_enable();
        return false;
    }

    @KernelSource(file = "include/linux/spinlock.h", lines = "361-364",
            note = "__raw_spin_trylock_bh, spinlock_api_smp.h 179-188; boolean for the C int")
    public static boolean spin_trylock_bh(spinlock_t lock) {
        softirq.__local_bh_disable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
        if (lock.do_raw_spin_trylock()) {
            lockdep.spin_acquire(lock.dep_map, 0, 1, lockdep._RET_IP_());
            return true;
        }
        softirq.__local_bh_enable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
        return false;
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

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "104-116",
            note = "take a ticket only if it would be served at once: tail moves from head to head+1")
    private boolean arch_spin_trylock() {
        int h = head.get();
        return tail.compareAndSet(h, h + 1);
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
