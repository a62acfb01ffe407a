// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/**
 * One entry of a thread's held-lock stack, v3.16's {@code struct held_lock}
 * (include/linux/lockdep.h 214-258). Entries live in {@link HeldLocks}' preallocated array and are
 * refilled in place, as the kernel refills {@code curr->held_locks[depth]}, so taking a lock
 * allocates nothing.
 */
final class HeldLock {
    /** The lockdep_map (or, for a lock without one, the lock itself): what the kernel compares as hlock->instance. */
    Object instance;
    /** The object the hook was called with (the lock or its map), compared first on release. */
    Object lock;
    /** hlock_class(hlock); null for an entry pushed after lockdep turned itself off. */
    LockClass cls;
    /** acquire_ip: the acquisition site, class.method(File:line), printed where the kernel prints [<ip>] sym. */
    Object site;
    boolean trylock;
    /** 0 exclusive, 1 shared, 2 shared-recursive. */
    int read;
    boolean check;
    boolean hardirqs_off;
    /** nest_lock: the map of the lock that serializes this class's nesting, or null. */
    Object nest_lock;
    /** references: how many same-class acquisitions under nest_lock this entry stands for (0: one). */
    int references;
    /** irq_context: 2 * in-hardirq + in-softirq, when the lock was taken. */
    int irq_context;
    /** A spinning lock (spinlock_t, rwlock_t): counts in might_sleep's preempt count. */
    boolean spin;
    /** prev_chain_key: the thread's chain key before this entry was pushed. */
    long prev_chain_key;
    /** CONFIG_LOCK_STAT: when the wait for this lock began (lock_contended), 0 when it was not contended. */
    long waittime_stamp;
    /** CONFIG_LOCK_STAT: when the hold began (the acquisition, or the end of its wait). */
    long holdtime_stamp;

    /**
     * Refills the entry. A reference is stored only when it changes: a lock retaken at the same
     * depth finds its entry as it left it, and skips the GC's card-marking barrier on each store.
     */
    HeldLock set(Object instance, Object lock, LockClass cls, Object site, boolean spin, long prevChainKey) {
        if (this.instance != instance) {
            this.instance = instance;
        }
        if (this.lock != lock) {
            this.lock = lock;
        }
        if (this.cls != cls) {
            this.cls = cls;
        }
        if (this.site != site) {
            this.site = site;
        }
        this.spin = spin;
        this.prev_chain_key = prevChainKey;
        return this;
    }

    /** The per-acquisition flags (set after {@link #set}). */
    HeldLock flags(boolean trylock, int read, boolean check, boolean hardirqsOff, Object nestLock, int references, int irqContext) {
        this.trylock = trylock;
        this.read = read;
        this.check = check;
        this.hardirqs_off = hardirqsOff;
        if (this.nest_lock != nestLock) {
            this.nest_lock = nestLock;
        }
        this.references = references;
        this.irq_context = irqContext;
        return this;
    }

    /**
     * The fast path's refill from a chain memo entry: a checked, non-try acquisition without
     * nest_lock; references are stored only when they change (no card mark for a lock retaken
     * at the same depth).
     */
    void fast(TaskState.Memo m, Object lock, Object site, long prevChainKey, int read, boolean hardirqsOff, int irqContext) {
        if (this.instance != m.instance) {
            this.instance = m.instance;
        }
        if (this.lock != lock) {
            this.lock = lock;
        }
        if (this.cls != m.cls) {
            this.cls = m.cls;
        }
        if (this.site != site) {
            this.site = site;
        }
        if (this.nest_lock != null) {
            this.nest_lock = null;
        }
        this.spin = m.spin;
        this.prev_chain_key = prevChainKey;
        this.trylock = false;
        this.read = read;
        this.check = true;
        this.hardirqs_off = hardirqsOff;
        this.references = 0;
        this.irq_context = irqContext;
    }

    /** Copies another entry (lock_release_non_nested and lock_set_class re-acquire from a copy). */
    HeldLock copyOf(HeldLock o) {
        set(o.instance, o.lock, o.cls, o.site, o.spin, o.prev_chain_key);
        this.waittime_stamp = o.waittime_stamp;
        this.holdtime_stamp = o.holdtime_stamp;
        return flags(o.trylock, o.read, o.check, o.hardirqs_off, o.nest_lock, o.references, o.irq_context);
    }
}
