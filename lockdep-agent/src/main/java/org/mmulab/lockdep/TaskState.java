// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/** The per-thread part of {@code task_struct} that lockdep and might_sleep look at. */
final class TaskState {
    final Thread thread;
    final int generation;
    final int pid;
    final int cpu;
    final String comm;
    final HeldLocks held = new HeldLocks();
    long chainKey;
    boolean irqsDisabled;
    /** irq event bookkeeping for the "irq event stamp" block. */
    int irqEvents;
    int hardirqEnableEvent;
    int hardirqDisableEvent;
    Object hardirqEnableSite;
    Object hardirqDisableSite;

    /**
     * Per-thread caches in front of the shared maps, direct-mapped and unsynchronized; a reset
     * starts a new TaskState, so they never go stale. The lock-to-class cache serves memo misses.
     */
    static final int LOCK_CACHE = 32;
    static final int MEMO = 64;
    final Object[] cachedLocks = new Object[LOCK_CACHE];
    final LockClass[] cachedClasses = new LockClass[LOCK_CACHE];

    /**
     * One entry of the chain memo: taking {@code lock} when the thread's chain key is {@code prev}
     * gives class {@code cls}, chain key {@code key}, and the site recorded when that chain was
     * validated. Everything in it is a function of (lock, prev) until a reset, so a hit needs no
     * other lookup: the kernel's chain cache (lookup_chain_cache) keyed one step earlier.
     */
    static final class Memo {
        Object lock;
        long prev;
        LockClass cls;
        long key;
        Object site;

        Memo set(Object lock, long prev, LockClass cls, long key, Object site) {
            this.lock = lock;
            this.prev = prev;
            this.cls = cls;
            this.key = key;
            this.site = site;
            return this;
        }
    }

    final Memo[] memo = new Memo[MEMO];
    /** Carries a lookup's answer that must not be memoized (a trylock, an unvalidated chain). */
    final Memo scratch = new Memo();

    {
        for (int i = 0; i < MEMO; i++) {
            memo[i] = new Memo();
        }
    }

    static int memoIndex(Object lock, long prev) {
        int h = System.identityHashCode(lock) ^ (int) prev ^ (int) (prev >>> 32);
        return (h ^ (h >>> 16)) & (MEMO - 1);
    }

    TaskState(Thread thread, int generation, int pid, int cpu, String comm) {
        this.thread = thread;
        this.generation = generation;
        this.pid = pid;
        this.cpu = cpu;
        this.comm = comm;
    }

    String commPid() {
        return comm + "/" + pid;
    }
}
