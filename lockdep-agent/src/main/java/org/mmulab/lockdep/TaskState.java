// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/**
 * The per-thread part of {@code task_struct} that lockdep and might_sleep look at (v3.16
 * include/linux/sched.h 1450-1472: the irq-trace fields and the held-lock stack).
 */
final class TaskState {
    final Thread thread;
    final int generation;
    final int pid;
    final int cpu;
    final String comm;
    final HeldLocks held = new HeldLocks();
    /** curr_chain_key. */
    long curr_chain_key;

    // ---- irq tracing (CONFIG_TRACE_IRQFLAGS)
    /** hardirqs_enabled; a thread starts in process context with interrupts on. */
    boolean hardirqs_enabled = true;
    boolean softirqs_enabled = true;
    /** hardirq_context / softirq_context: nesting counts of irq_enter and softirq entry. */
    int hardirq_context;
    int softirq_context;
    /** irq_events and the last enable/disable events with their sites, for print_irqtrace_events. */
    int irq_events;
    int hardirq_enable_event;
    int hardirq_disable_event;
    int softirq_enable_event;
    int softirq_disable_event;
    Object hardirq_enable_ip;
    Object hardirq_disable_ip;
    Object softirq_enable_ip;
    Object softirq_disable_ip;
    /** irq_context of an acquisition now (2 * in-hardirq + in-softirq), kept up to date by {@link #irqStateChanged()}. */
    int ctx;
    /** The usage bits mark_irqflags sets (with LOCK_USED) for a write / read acquisition now. */
    int needW = (1 << LockClass.LOCK_USED) | (1 << LockClass.LOCK_ENABLED_HARDIRQ) | (1 << LockClass.LOCK_ENABLED_SOFTIRQ);
    int needR = (1 << LockClass.LOCK_USED) | (1 << LockClass.LOCK_ENABLED_HARDIRQ_READ) | (1 << LockClass.LOCK_ENABLED_SOFTIRQ_READ);

    /** Recomputes {@link #ctx}, {@link #needW} and {@link #needR} after an irq hook changed the state. */
    void irqStateChanged() {
        ctx = (hardirq_context > 0 ? 2 : 0) + (softirq_context > 0 ? 1 : 0);
        needW = need(0);
        needR = need(1);
    }

    private int need(int r) {
        int m = 1 << LockClass.LOCK_USED;
        if (hardirq_context > 0) {
            m |= 1 << (LockClass.LOCK_USED_IN_HARDIRQ + r);
        }
        if (softirq_context > 0) {
            m |= 1 << (LockClass.LOCK_USED_IN_SOFTIRQ + r);
        }
        if (hardirqs_enabled) {
            m |= 1 << (LockClass.LOCK_ENABLED_HARDIRQ + r);
            if (softirqs_enabled) {
                m |= 1 << (LockClass.LOCK_ENABLED_SOFTIRQ + r);
            }
        }
        return m;
    }

    /** lockdep_recursion: set while the runtime re-enters itself (lock_release_non_nested's re-acquire). */
    int lockdep_recursion;
    /** A LockdepError unwinding through the hook that is checking now: later errors are suppressed on it. */
    Throwable inFlight;
    /** A hook threw lockdep's own error in this thread (mode=fail): it unwinds without unlocking. */
    boolean threw;
    /** The first report of the hook running now (emitted when the hook is done with the stack). */
    LockdepReport report;
    /** {@link #report} is a capacity report, printed even though lockdep is off already. */
    boolean reportAlways;
    /** The stamp this thread's caches belong to (see Lockdep's stamp). */
    int epoch;

    /**
     * Per-thread caches in front of the shared maps, direct-mapped and unsynchronized; a reset
     * starts a new TaskState, so they never go stale. The lock-to-class cache serves memo misses
     * (the kernel's lockdep_map.class_cache, kept per thread so it needs no writes to the lock).
     */
    static final int LOCK_CACHE = 32;
    static final int MEMO = 64;
    final Object[] cachedLocks = new Object[LOCK_CACHE];
    final int[] cachedSubclasses = new int[LOCK_CACHE];
    final LockClass[] cachedClasses = new LockClass[LOCK_CACHE];

    /**
     * One entry of the chain memo: taking {@code lock} with {@code subclass} when the thread's
     * chain key is {@code prev} gives class {@code cls} and chain key {@code key}, a chain already
     * in the chain cache (so validate_chain has nothing to do). Everything in it is a function of
     * (lock, subclass, prev) until a reset or a re-keying of a lock, so a hit needs no other
     * lookup: lookup_chain_cache keyed one step earlier. {@code site} is where this thread took
     * {@code lock} on this chain when it filled the entry.
     */
    static final class Memo {
        Object lock;
        long prev;
        int subclass;
        Object instance;
        LockClass cls;
        long key;
        Object site;
        boolean spin;
        /** The usage bits the acquisition needed (its irq state), part of the key. */
        int need;

        Memo set(Object lock, long prev, int subclass, Object instance, LockClass cls, long key, Object site, boolean spin) {
            this.lock = lock;
            this.prev = prev;
            this.subclass = subclass;
            this.instance = instance;
            this.cls = cls;
            this.key = key;
            this.site = site;
            this.spin = spin;
            return this;
        }
    }

    final Memo[] memo = new Memo[MEMO];

    {
        for (int i = 0; i < MEMO; i++) {
            memo[i] = new Memo();
        }
    }

    static int memoIndex(Object lock, long prev, int need) {
        int h = System.identityHashCode(lock) ^ (int) prev ^ (int) (prev >>> 32) ^ (need * 0x9E3779B9);
        return (h ^ (h >>> 16)) & (MEMO - 1);
    }

    /** Forgets the class cache and the chain memo (a lock was re-keyed). */
    void flushCaches(int newEpoch) {
        java.util.Arrays.fill(cachedLocks, null);
        java.util.Arrays.fill(cachedClasses, null);
        for (Memo m : memo) {
            m.set(null, 0, 0, null, null, 0, null, false);
        }
        epoch = newEpoch;
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

    /** irqs_disabled() as the machine sees it. */
    boolean irqsDisabled() {
        return !hardirqs_enabled;
    }
}
