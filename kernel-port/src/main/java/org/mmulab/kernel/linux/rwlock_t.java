// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code rwlock_t}: the x86 v3.16 spinning reader/writer lock. The lock word starts at
 * {@link #RW_LOCK_BIAS}; a reader subtracts one and owns the lock while the result is not negative,
 * a writer subtracts the whole bias and owns it when the result is zero, i.e. with no reader and no
 * writer. A failed attempt adds its share back and spins until the word looks free
 * (arch/x86/lib/rwlock.S's __read_lock_failed / __write_lock_failed). Readers share, a writer
 * excludes everyone; a waiting writer does not stop new readers, so a reader may recurse, which is
 * why lockdep files rwlock readers as recursive (read = 2).
 *
 * <p>Every lock path goes through {@link lockdep#rwlock_acquire} / {@link lockdep#rwlock_acquire_read}
 * and {@link lockdep#LOCK_CONTENDED} exactly as include/linux/rwlock_api_smp.h does.
 */
@KernelSource(file = "include/linux/rwlock_types.h", lines = "23", name = "rwlock_t",
        note = "the 32-bit biased count of arch/x86/include/asm/rwlock.h (CONFIG_NR_CPUS <= 2048)")
public final class rwlock_t {
    @KernelSource(file = "arch/x86/include/asm/rwlock.h", lines = "15")
    public static final int RW_LOCK_BIAS = 0x00100000;
    @KernelSource(file = "arch/x86/include/asm/rwlock.h", lines = "20")
    static final int WRITE_LOCK_CMP = RW_LOCK_BIAS;

    /** The arch_rwlock_t word. */
    private final AtomicInteger lock = new AtomicInteger(RW_LOCK_BIAS);
    public final lockdep_map dep_map;

    private rwlock_t(String name) {
        this.dep_map = new lockdep_map(name, this);
    }

    @KernelSource(file = "kernel/locking/spinlock_debug.c", lines = "34-48",
            note = "the key is the name; the word starts at RW_LOCK_BIAS in the field initialiser")
    public static void __rwlock_init(rwlock_t lock, String name, Object key) {
        debug_locks.debug_check_no_locks_freed(lock, 1);
        lockdep.lockdep_init_map(lock.dep_map, name, key, 0);
    }

    /** rwlock_init(&x->lock): {@code name} is what the macro would stringify. */
    @KernelSource(file = "include/linux/rwlock.h", lines = "20-25")
    public static rwlock_t rwlock_init(String name) {
        rwlock_t lock = new rwlock_t(name);
        __rwlock_init(lock, name, name);
        return lock;
    }

    // ---- arch_*: arch/x86/include/asm/spinlock.h 209-272 ----

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "223-230",
            note = "with __read_lock_failed (arch/x86/lib/rwlock.S 30-): undo, spin until positive, retry")
    private void arch_read_lock() {
        int spins = 0;
        while (lock.decrementAndGet() < 0) {
            lock.incrementAndGet();
            while (lock.get() < 1) {
                spins = relax(spins);
            }
        }
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "232-240",
            note = "with __write_lock_failed (arch/x86/lib/rwlock.S 14-28): undo, spin until the whole bias is back, retry")
    private void arch_write_lock() {
        int spins = 0;
        while (lock.addAndGet(-RW_LOCK_BIAS) != 0) {
            lock.addAndGet(RW_LOCK_BIAS);
            while (lock.get() != RW_LOCK_BIAS) {
                spins = relax(spins);
            }
        }
    }

    private static int relax(int spins) {
        if (++spins < 64) {
            sched.cpu_relax();
        } else {
            Thread.yield();
        }
        return spins;
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "242-250")
    private boolean arch_read_trylock() {
        if (lock.decrementAndGet() >= 0) {
            return true;
        }
        lock.incrementAndGet();
        return false;
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "252-260")
    private boolean arch_write_trylock() {
        if (lock.addAndGet(-WRITE_LOCK_CMP) == 0) {
            return true;
        }
        lock.addAndGet(WRITE_LOCK_CMP);
        return false;
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "262-266")
    private void arch_read_unlock() {
        lock.incrementAndGet();
    }

    @KernelSource(file = "arch/x86/include/asm/spinlock.h", lines = "268-272")
    private void arch_write_unlock() {
        lock.addAndGet(RW_LOCK_BIAS);
    }

    /** Whether read_trylock would succeed now. */
    @KernelSource(file = "include/linux/rwlock.h", lines = "53", note = "arch_read_can_lock, arch/x86/include/asm/spinlock.h 209-212")
    public static boolean read_can_lock(rwlock_t rw) {
        return rw.lock.get() > 0;
    }

    /** Whether write_trylock would succeed now. */
    @KernelSource(file = "include/linux/rwlock.h", lines = "54", note = "arch_write_can_lock, arch/x86/include/asm/spinlock.h 218-221")
    public static boolean write_can_lock(rwlock_t rw) {
        return rw.lock.get() == WRITE_LOCK_CMP;
    }

    private void read_contended() {
        lockdep.LOCK_CONTENDED(dep_map, this::arch_read_trylock, this::arch_read_lock);
    }

    private void write_contended() {
        lockdep.LOCK_CONTENDED(dep_map, this::arch_write_trylock, this::arch_write_lock);
    }

    // ---- rwlock.h over rwlock_api_smp.h ----

    @KernelSource(file = "include/linux/rwlock.h", lines = "61", note = "__raw_read_trylock, rwlock_api_smp.h 117-126; boolean for the C int")
    public static boolean read_trylock(rwlock_t lock) {
        preempt.preempt_disable();
        if (lock.arch_read_trylock()) {
            lockdep.rwlock_acquire_read(lock.dep_map, 0, 1, lockdep._RET_IP_());
            return true;
        }
        preempt.preempt_enable();
        return false;
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "62", note = "__raw_write_trylock, rwlock_api_smp.h 128-137; boolean for the C int")
    public static boolean write_trylock(rwlock_t lock) {
        preempt.preempt_disable();
        if (lock.arch_write_trylock()) {
            lockdep.rwlock_acquire(lock.dep_map, 0, 1, lockdep._RET_IP_());
            return true;
        }
        preempt.preempt_enable();
        return false;
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "65", note = "__raw_read_lock, rwlock_api_smp.h 146-151")
    public static void read_lock(rwlock_t lock) {
        preempt.preempt_disable();
        lockdep.rwlock_acquire_read(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.read_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "64", note = "__raw_write_lock, rwlock_api_smp.h 207-212")
    public static void write_lock(rwlock_t lock) {
        preempt.preempt_disable();
        lockdep.rwlock_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.write_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "69-73",
            note = "__raw_read_lock_irqsave, rwlock_api_smp.h 153-163 (LOCK_CONTENDED_FLAGS is LOCK_CONTENDED under CONFIG_LOCKDEP); returns flags")
    public static long read_lock_irqsave(rwlock_t lock) {
        long flags = irqflags.local_irq_save();
        preempt.preempt_disable();
        lockdep.rwlock_acquire_read(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.read_contended();
        return flags;
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "74-78",
            note = "__raw_write_lock_irqsave, rwlock_api_smp.h 180-190; returns flags")
    public static long write_lock_irqsave(rwlock_t lock) {
        long flags = irqflags.local_irq_save();
        preempt.preempt_disable();
        lockdep.rwlock_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.write_contended();
        return flags;
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "95", note = "__raw_read_lock_irq, rwlock_api_smp.h 165-171")
    public static void read_lock_irq(rwlock_t lock) {
        irqflags.local_irq_disable();
        preempt.preempt_disable();
        lockdep.rwlock_acquire_read(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.read_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "96", note = "__raw_read_lock_bh, rwlock_api_smp.h 173-178")
    public static void read_lock_bh(rwlock_t lock) {
        softirq.__local_bh_disable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
        lockdep.rwlock_acquire_read(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.read_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "97", note = "__raw_write_lock_irq, rwlock_api_smp.h 192-198")
    public static void write_lock_irq(rwlock_t lock) {
        irqflags.local_irq_disable();
        preempt.preempt_disable();
        lockdep.rwlock_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.write_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "98", note = "__raw_write_lock_bh, rwlock_api_smp.h 200-205")
    public static void write_lock_bh(rwlock_t lock) {
        softirq.__local_bh_disable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
        lockdep.rwlock_acquire(lock.dep_map, 0, 0, lockdep._RET_IP_());
        lock.write_contended();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "99", note = "__raw_read_unlock, rwlock_api_smp.h 223-228")
    public static void read_unlock(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_read_unlock();
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "100", note = "__raw_write_unlock, rwlock_api_smp.h 216-221")
    public static void write_unlock(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_write_unlock();
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "101", note = "__raw_read_unlock_irq, rwlock_api_smp.h 239-245")
    public static void read_unlock_irq(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_read_unlock();
        irqflags.local_irq_enable();
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "102", note = "__raw_write_unlock_irq, rwlock_api_smp.h 263-269")
    public static void write_unlock_irq(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_write_unlock();
        irqflags.local_irq_enable();
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "104-108", note = "__raw_read_unlock_irqrestore, rwlock_api_smp.h 230-237")
    public static void read_unlock_irqrestore(rwlock_t lock, long flags) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_read_unlock();
        irqflags.local_irq_restore(flags);
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "111-115", note = "__raw_write_unlock_irqrestore, rwlock_api_smp.h 254-261")
    public static void write_unlock_irqrestore(rwlock_t lock, long flags) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_write_unlock();
        irqflags.local_irq_restore(flags);
        preempt.preempt_enable();
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "109", note = "__raw_read_unlock_bh, rwlock_api_smp.h 247-252")
    public static void read_unlock_bh(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_read_unlock();
        softirq.__local_bh_enable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
    }

    @KernelSource(file = "include/linux/rwlock.h", lines = "116", note = "__raw_write_unlock_bh, rwlock_api_smp.h 271-276")
    public static void write_unlock_bh(rwlock_t lock) {
        lockdep.rwlock_release(lock.dep_map, 1, lockdep._RET_IP_());
        lock.arch_write_unlock();
        softirq.__local_bh_enable_ip(lockdep._RET_IP_(), preempt_mask.SOFTIRQ_LOCK_OFFSET);
    }

    @Override
    public String toString() {
        return dep_map.name;
    }
}
