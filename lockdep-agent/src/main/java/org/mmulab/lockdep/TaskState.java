// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/** The per-thread part of {@code task_struct} that lockdep and might_sleep look at. */
final class TaskState {
    final int generation;
    final int pid;
    final int cpu;
    final String comm;
    final HeldLocks held = new HeldLocks();
    long chainKey;
    /** Spinlocks held: what spin_lock adds to preempt_count. */
    int spinCount;
    boolean irqsDisabled;
    /** irq event bookkeeping for the "irq event stamp" block. */
    int irqEvents;
    int hardirqEnableEvent;
    int hardirqDisableEvent;
    Object hardirqEnableSite;
    Object hardirqDisableSite;

    /**
     * Per-thread caches in front of the shared maps (lock to class, chain key to validated site),
     * direct-mapped and unsynchronized; a reset starts a new TaskState, so they never go stale.
     */
    static final int LOCK_CACHE = 32;
    static final int CHAIN_CACHE = 64;
    final Object[] cachedLocks = new Object[LOCK_CACHE];
    final LockClass[] cachedClasses = new LockClass[LOCK_CACHE];
    final long[] cachedChainKeys = new long[CHAIN_CACHE];
    final Object[] cachedChainSites = new Object[CHAIN_CACHE];

    TaskState(int generation, int pid, int cpu, String comm) {
        this.generation = generation;
        this.pid = pid;
        this.cpu = cpu;
        this.comm = comm;
    }

    String commPid() {
        return comm + "/" + pid;
    }
}
