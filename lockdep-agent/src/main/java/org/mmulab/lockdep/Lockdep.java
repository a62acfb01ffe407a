// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The runtime core of mmulab's lockdep emulator: the Java counterpart of v3.16's
 * kernel/locking/lockdep.c, cut and named as it is so the two can be read side by side
 * ({@code __lock_acquire}, {@code validate_chain}, {@code lookup_chain_cache},
 * {@code check_deadlock}, {@code check_prevs_add}, {@code check_prev_add},
 * {@code check_noncircular}, {@code mark_irqflags}, {@code mark_lock}, {@code mark_lock_irq},
 * {@code check_usage}, {@code check_usage_forwards}/{@code _backwards}, {@code mark_held_locks},
 * {@code lock_release_nested}/{@code _non_nested}, {@code __lock_set_class}, each citing its
 * lines), plus the {@code __might_sleep} check of kernel/sched/core.c and the WARN splat that
 * {@code lockdep_assert_held} produces. The classes, the dependency lists, the BFS and the chain
 * table are {@link LockGraph}; the {@code print_*} texts are {@link Reports}.
 *
 * <p>The public hooks are include/linux/lockdep.h's and irqflags.h's ({@link #lock_acquire},
 * {@link #lock_release}, {@link #lockdep_init_map}, {@link #lock_set_class},
 * {@link #trace_hardirqs_on}, ...), taking a lockdep_map or a lock with a {@code dep_map} as
 * {@code Object}; the entry points the agent's advice calls today ({@link #acquire},
 * {@link #acquireTry}, {@link #release}, {@link #irqsOff}, {@link #irqsOn}) are thin wrappers
 * over them.
 *
 * <h2>What is tracked, and how it is printed</h2>
 * <ul>
 *   <li>Lock class = ({@code dep_map.key}, subclass) (see {@link LockNames}); a second class with
 *       an already used name is printed with a {@code #2} suffix (name_version), a subclass with
 *       {@code /N}.</li>
 *   <li>Held locks are per thread, identified by their map (hlock->instance), with read
 *       (0/1/2), trylock, check, nest_lock with its references, the irq context and hardirqs_off.
 *       {@code [<ip>] sym} is replaced by the Java acquisition site {@code class.method(File:line)}:
 *       the first frame outside this runtime, the lock's own class and the port's {@code lockdep}
 *       and {@code irqflags} classes. The site is taken by a stack walk when this thread takes a
 *       lock on a chain it has not memoized; a memo hit reuses the site of the acquisition that
 *       filled the memo entry (same thread, same lock, same chain below it), which is almost always
 *       the same line. {@code -Dmmulab.lockdep.sites=exact} walks the stack on every acquisition
 *       and irq state change instead (microseconds each).</li>
 *   <li>Usage bits per class (lockdep_states.h: USED_IN / ENABLED, HARDIRQ / SOFTIRQ, write /
 *       read, and LOCK_USED), printed as the kernel's get_usage_chars: {@code {+.+...}}.</li>
 *   <li>COMM is the thread name at first contact, truncated to 15 characters (TASK_COMM_LEN 16);
 *       PID is 1, 2, 3... in order of first contact since the last {@link #reset()}; the CPU is
 *       (PID - 1) mod 8 (threads are not pinned; this only keeps the output deterministic).</li>
 *   <li>Kernel ident: {@code 3.16.0-mmulab #1 Not tainted}, after the first WARN
 *       {@code Tainted: G        W} (the kernel pads the flag string with blanks to its full
 *       width; the trailing blanks are left out here).</li>
 *   <li>Stack traces: Java frames of the offending thread, innermost first, runtime frames
 *       removed; " frame" in dump_stack, 7 blanks + frame in dependency-chain entries.</li>
 * </ul>
 *
 * <h2>Deliberate differences</h2>
 * <ul>
 *   <li>The held-lock stack is kept even after lockdep has turned itself off, and a lock is
 *       pushed even when its acquisition reported (only the checks stop), because might_sleep
 *       needs the spinlock count, which in the kernel is preempt_count and independent of
 *       lockdep. In FAIL mode the reporting acquisition is not pushed: the error is thrown before
 *       the Java lock is taken.</li>
 *   <li>might_sleep is not rate limited (the kernel prints at most one report per second), so
 *       tests are deterministic.</li>
 *   <li>No RECLAIM_FS state, no lock_stat, no BFS queue limit. The MAX_LOCK_DEPTH report omits
 *       debug_show_all_locks (other threads' stacks are not reachable from here).</li>
 *   <li>In WARN mode a chain that produced a report stays cached (as lookup_chain_cache caches it
 *       before validating), so the same bad nesting is reported once. In FAIL mode it is taken out
 *       again, so it throws each time.</li>
 * </ul>
 */
public final class Lockdep {
    private Lockdep() {}

    /** MAX_LOCK_DEPTH (include/linux/sched.h 1467). */
    static final int MAX_LOCK_DEPTH = 48;
    /** {@code -Dmmulab.lockdep.sites=exact}: a stack walk for the site of every acquisition. */
    static final boolean EXACT_SITES = "exact".equals(System.getProperty("mmulab.lockdep.sites"));
    /**
     * CONFIG_LOCK_STAT (lib/Kconfig.debug): whether acquisitions are stamped and lock_contended,
     * lock_acquired and the releases keep {@link LockStat}'s statistics. Off by default, as in a
     * kernel built without it, because it costs two clock reads per lock and unlock; the agent turns
     * it on for {@code lockstat=on} and for {@code dump=}, whose {@code lock_stat} file shows them.
     */
    static volatile boolean CONFIG_LOCK_STAT;
    /**
     * Maps whose class some thread has cached. lockdep_init_map and lock_set_class on one of them
     * bump {@link #classEpoch}, and every thread drops its class cache and chain memo at its next
     * hook; re-initialising a map never used costs nothing.
     */
    private static final Map<Object, Boolean> SEEN = Collections.synchronizedMap(new WeakHashMap<>());
    private static int classEpoch;
    static final int NR_CPUS = 8;

    private static volatile LockdepConfig config = LockdepConfig.defaults();
    /** The kernel's debug_locks. */
    static final AtomicBoolean debugLocks = new AtomicBoolean(true);
    private static final AtomicInteger nextPid = new AtomicInteger();
    private static volatile int generation;
    /**
     * Bumped by a reset, a re-keyed lock (lockdep_init_map / lock_set_class on a map in use) and
     * lockdep turning itself off: a thread whose {@code stamp} differs drops its class cache and
     * chain memo (or, after a reset, its whole state) at its next hook. One volatile read on the
     * fast path covers all three, so a memo hit needs no look at debug_locks.
     */
    private static volatile int stamp;

    private static final ThreadLocal<TaskState> TASK = new ThreadLocal<>();
    /**
     * The kernel finds {@code current} in a per-CPU register; the nearest thing here is a table
     * indexed by the thread id, which each thread claims for itself on first contact. A hit costs
     * three loads where a ThreadLocal costs six (about 4 ns of the 10 a lock+unlock adds); two
     * live threads whose ids share a slot keep it with the first, and the second uses TASK.
     */
    private static final TaskState[] TASKS = new TaskState[1024];

    /** The deepest held-lock stack seen (lockdep_stats' "max locking depth"). */
    static volatile int maxDepth;

    // ------------------------------------------------------------------ configuration

    public static void configure(LockdepConfig c) {
        config = c == null ? LockdepConfig.defaults() : c;
    }

    /** The configuration in force (the explorer swaps its output stream per schedule). */
    public static LockdepConfig config() {
        return config;
    }

    /**
     * Number of reports since the last reset (lockdep, WARN and might_sleep), also those that
     * {@code repeats=fold} counted without printing.
     */
    public static int reportCount() {
        return Reports.count();
    }

    /**
     * Hands every later report to {@code listener}, in the reporting thread, right after it is
     * printed (or folded) and before FAIL mode throws. A listener must be quick and must not take
     * the port's locks; what it throws is ignored. The JUnit extension collects a test's reports so.
     */
    public static void addReportListener(Consumer<LockdepReport> listener) {
        Reports.addListener(java.util.Objects.requireNonNull(listener, "listener"));
    }

    public static void removeReportListener(Consumer<LockdepReport> listener) {
        Reports.removeListener(listener);
    }

    /**
     * With {@code repeats=fold}: prints {@code [the same WARN N more times] TITLE} for each report
     * that was folded since the last summary, to the configured stream; nothing when none was.
     * The agent calls it at exit, and {@link #reset()} calls it before it forgets the counts.
     */
    public static void printRepeatSummary() {
        String s = Reports.takeRepeatSummary();
        if (!s.isEmpty()) {
            PrintStream out = config.out();
            synchronized (out) {
                out.print(s);
                out.flush();
            }
        }
    }

    /** Number of lock chains in the chain cache (for tests). */
    static int chainCount() {
        return LockGraph.chainCount();
    }

    /** Whether lockdep checks are on (the kernel's debug_locks). */
    public static boolean enabled() {
        return debugLocks.get();
    }

    /**
     * Clears classes, the graph, the chain cache, every thread's held locks (lazily: a thread's
     * state from before the reset is dropped at its next call), PIDs, the taint and the report
     * count, and turns lockdep back on. The configuration is kept. Folded repeats are summed up
     * first ({@link #printRepeatSummary()}).
     */
    public static void reset() {
        printRepeatSummary();
        synchronized (LockGraph.lock()) {
            generation++;
            bumpStamp();
            LockGraph.clear();
            LockStat.reset();
            maxDepth = 0;
            nextPid.set(0);
            Reports.reset();
            ALL_TASKS.clear();
            debugLocks.set(true);
        }
        TASK.remove();
    }

    /**
     * lockdep_reset (kernel/locking/lockdep.c 3843-3860) as the locking self-test uses it, with its
     * reset_locks' lockdep_reset_lock and lockdep_free_key_range (3862-3961) of every lock folded
     * in: {@link #reset()}, keeping the current thread's irq state (hardirqs_enabled,
     * softirqs_enabled), which the kernel's lockdep_reset leaves alone.
     */
    public static void lockdep_reset() {
        TaskState old = TASK.get();
        boolean hardirqs = old == null || old.hardirqs_enabled;
        boolean softirqs = old == null || old.softirqs_enabled;
        reset();
        TaskState t = task();
        t.hardirqs_enabled = hardirqs;
        t.softirqs_enabled = softirqs;
        t.irqStateChanged();
    }

    /**
     * debug_locks_silent (lib/debug_locks.c 32): while set, reports are counted (and turn
     * debug_locks off) but not printed. The locking self-test sets it around its cases.
     */
    static volatile boolean silent;

    /** Sets {@code debug_locks_silent}. */
    public static void debug_locks_silent(boolean on) {
        silent = on;
    }

    /** {@code current->softirqs_enabled = on} (the locking self-test's restore after a case). */
    public static void current_softirqs_enabled(boolean on) {
        TaskState t = task();
        t.softirqs_enabled = on;
        t.irqStateChanged();
    }

    /**
     * debug_check_no_locks_freed (kernel/locking/lockdep.c 4067-4089): {@code mem} (a lock, or a
     * lockdep_map) is being re-initialised; a lock the current thread holds in it is reported as
     * "held lock freed!" (print_freed_lock_bug turns debug_locks off first). The range check
     * becomes identity: the held lock's map is {@code mem} or {@code mem}'s map.
     */
    public static void debug_check_no_locks_freed(Object mem) {
        if (mem == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        Object inst = LockNames.instance(mem);
        for (int i = 0; i < t.held.size(); i++) {
            HeldLock h = t.held.get(i);
            if (h.instance == inst || h.instance == mem) {
                Reports.lockdepBug(Reports.print_freed_lock_bug(t, mem, h));
                return;
            }
        }
    }

    // ------------------------------------------------------------------ per-thread state

    private static TaskState task() {
        Thread me = Thread.currentThread();
        int slot = (int) me.getId() & (TASKS.length - 1);
        TaskState t = TASKS[slot];
        if (t != null && t.thread == me && t.epoch == stamp) {
            return t;
        }
        t = taskSlow(me, slot);
        int now = stamp;
        if (t.epoch != now) {
            t.flushCaches(now);
        }
        return t;
    }

    private static TaskState taskSlow(Thread me, int slot) {
        TaskState t = TASK.get();
        int gen = generation;
        if (t == null || t.generation != gen) {
            int pid = nextPid.incrementAndGet();
            String name = Thread.currentThread().getName();
            if (name.length() > 15) {
                name = name.substring(0, 15);
            }
            t = new TaskState(me, gen, pid, (pid - 1) % NR_CPUS, name);
            TASK.set(t);
            if (reaping) {
                ALL_TASKS.add(t);
            }
        }
        TaskState owner = TASKS[slot];
        if (owner == null || owner.generation != gen || !owner.thread.isAlive()) {
            TASKS[slot] = t;
        }
        return t;
    }

    // ------------------------------------------------------------------ today's entry points (the advice calls these)

    /** spin_lock (spin=true) / mutex_lock (spin=false), called before the lock is taken: lock_acquire(lock, 0, 0, 0, 1, null). */
    public static void acquire(Object lock, boolean spin) {
        acquire0(lock, 0, false, 0, true, null, spin ? 1 : 0);
    }

    /** After a successful trylock: lock_acquire(lock, 0, 1, 0, 1, null), which adds no dependency into it. */
    public static void acquireTry(Object lock, boolean spin) {
        acquire0(lock, 0, true, 0, true, null, spin ? 1 : 0);
    }

    /** spin_unlock / mutex_unlock: lock_release(lock, 1). */
    public static void release(Object lock) {
        lock_release(lock, 1);
    }

    /** local_irq_disable of the current thread: trace_hardirqs_off. */
    public static void irqsOff() {
        trace_hardirqs_off();
    }

    /** local_irq_enable of the current thread: trace_hardirqs_on. */
    public static void irqsOn() {
        trace_hardirqs_on();
    }

    // ------------------------------------------------------------------ the hooks of include/linux/lockdep.h

    /**
     * lock_acquire (kernel/locking/lockdep.c 3586-3605): {@code lock} is a lockdep_map or a lock with
     * a {@code dep_map}; read is 0 (exclusive), 1 (shared) or 2 (shared, recursive); check 0 takes
     * the lock without validating it; nest_lock is the map (or lock) that serializes same-class
     * nesting. Departure: no ip (the runtime takes the Java stack); whether the lock spins is read
     * from the map's owner.
     */
    public static void lock_acquire(Object lock, int subclass, int trylock, int read, int check, Object nest_lock) {
        acquire0(lock, subclass, trylock != 0, read, check != 0, nest_lock == null ? null : LockNames.instance(nest_lock), -1);
    }

    /** lock_release (kernel/locking/lockdep.c 3607-3623): nested 1 for the innermost lock, 0 for any. */
    public static void lock_release(Object lock, int nested) {
        if (lock == null) {
            return;
        }
        TaskState t = task();
        HeldLock top = t.held.top();
        if (top != null && top.lock == lock && top.references == 0) {
            // lock_release_nested's usual case, inline: the innermost lock, by the same object
            if (CONFIG_LOCK_STAT) {
                lock_release_holdtime(top);
            }
            t.held.truncate(t.held.size() - 1);
            t.curr_chain_key = top.prev_chain_key;
            return;
        }
        releaseSlow(t, lock, nested);
    }

    /** Not the innermost lock, or a nest_lock reference: out of line, like {@link #acquireSlow}. */
    private static void releaseSlow(TaskState t, Object lock, int nested) {
        __lock_release(t, lock, nested);
        flush(t, false);
    }

    /**
     * lock_contended (kernel/locking/lockdep.c 3798-3816 with __lock_contended 3685-3735): the
     * lock, acquired already (lock_acquire runs before the wait), must be on this thread's stack
     * within this irq context, else print_lock_contention_bug. With {@link #CONFIG_LOCK_STAT} on
     * it stamps the wait and counts the contention point (this acquisition's site), the contending point (where the holder acquired the lock: {@code lock->ip}) and
     * the bounce. Departures: the contention check runs without CONFIG_LOCK_STAT too (the kernel
     * has no lock_contended then); with nothing held at all the kernel's DEBUG_LOCKS_WARN_ON(!depth)
     * is left out.
     */
    public static void lock_contended(Object lock) {
        if (lock == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        Object instance = LockNames.instance(lock);
        HeldLock hlock = held_lock_or_report(t, lock, instance);
        if (hlock == null) {
            return;
        }
        if (CONFIG_LOCK_STAT && LockStat.lock_stat && hlock.instance == instance && hlock.cls != null) {
            hlock.waittime_stamp = LockStat.lockContended(hlock.cls.stats, lockCpu(instance), LockNames.statIp(instance),
                    hlock.read != 0, hlock.site);
        }
    }

    /**
     * The entry both lock_contended and lock_acquired work on: {@link #held_lock_in_context}, or
     * null after print_lock_contention_bug when the lock is not there (also null, silently, with
     * nothing held: the kernel's DEBUG_LOCKS_WARN_ON(!depth) is left out).
     */
    private static HeldLock held_lock_or_report(TaskState t, Object lock, Object instance) {
        if (t.held.isEmpty()) {
            return null;
        }
        HeldLock hlock = held_lock_in_context(t, lock, instance);
        if (hlock == null) {
            setReport(t, Reports.print_lock_contention_bug(t, lock));
            flush(t, false);
        }
        return hlock;
    }

    /**
     * The search __lock_contended (lockdep.c 3702-3713) and __lock_acquired (3755-3766) both make: the
     * entry of {@code lock} on this thread's stack, from the top down, not crossing into another
     * irq context; null when there is none. (Later kernels name this loop find_held_lock.)
     */
    private static HeldLock held_lock_in_context(TaskState t, Object lock, Object instance) {
        HeldLock prevHlock = null;
        for (int i = t.held.size() - 1; i >= 0; i--) {
            HeldLock hlock = t.held.get(i);
            if (prevHlock != null && prevHlock.irq_context != hlock.irq_context) {
                return null;
            }
            if (match_held_lock(hlock, lock, instance)) {
                return hlock;
            }
            prevHlock = hlock;
        }
        return null;
    }

    /**
     * lock_acquired (kernel/locking/lockdep.c 3818-3841 with __lock_acquired 3737-3796), a
     * CONFIG_LOCK_STAT event: the wait since lock_contended (the hold restarts at its end), the
     * acquired bounce, and the map's {@code cpu} and {@code ip} for the next contender. The
     * {@code ip} kept is the held lock's site, which is exact while CONFIG_LOCK_STAT is on (the
     * fast path walks the stack for it then, as with {@code -Dmmulab.lockdep.sites=exact}).
     */
    public static void lock_acquired(Object lock) {
        if (!CONFIG_LOCK_STAT || !LockStat.lock_stat || lock == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        Object instance = LockNames.instance(lock);
        HeldLock hlock = held_lock_or_report(t, lock, instance);
        if (hlock == null) {
            return;
        }
        if (hlock.instance != instance || hlock.cls == null) {
            return;
        }
        hlock.holdtime_stamp = LockStat.lockAcquired(hlock.cls.stats, lockCpu(instance), hlock.read != 0,
                hlock.waittime_stamp, hlock.holdtime_stamp);
        LockNames.setStat(instance, LockStat.cpu(), hlock.site);
    }

    /**
     * {@code lock->cpu} for the bounce counts. Departure: a map whose initialisation the runtime
     * did not see (0) counts as initialised by this thread, and a lock without a map never bounces.
     */
    private static long lockCpu(Object instance) {
        long c = LockNames.statCpu(instance);
        return c <= 0 ? LockStat.cpu() : c;
    }

    /** lock_release_holdtime (kernel/locking/lockdep.c 257-273): the hold of {@code hlock}, ending now. */
    private static void lock_release_holdtime(HeldLock hlock) {
        if (hlock.cls != null && hlock.holdtime_stamp != 0) {
            Object site = hlock.site;
            Object key = site instanceof Frames.Site fs ? fs.key() : site;
            LockStat.lockReleaseHoldtime(hlock.cls.stats, hlock.read != 0, hlock.holdtime_stamp, key, site);
        }
    }

    /** Turns CONFIG_LOCK_STAT on or off (the agent's {@code lockstat} option; tests). */
    public static void setLockStat(boolean on) {
        CONFIG_LOCK_STAT = on;
    }

    /** Whether CONFIG_LOCK_STAT is on. */
    public static boolean lockStat() {
        return CONFIG_LOCK_STAT;
    }

    /**
     * lockdep_init_map (kernel/locking/lockdep.c 2952-3003): the port has set the map's name and
     * key; the runtime forgets what it cached for the map (class_cache) when it had seen it, and
     * registers subclass {@code subclass} at once when it is not 0, as the kernel does.
     */
    public static void lockdep_init_map(Object lock, String name, Object key, int subclass) {
        if (lock == null) {
            return;
        }
        Object map = LockNames.instance(lock);
        LockNames.setNameKey(lock, name, key);
        if (CONFIG_LOCK_STAT) {
            LockNames.setStat(map, LockStat.cpu(), LockNames.statIp(map)); // lock->cpu = this CPU (lockdep.c 2962-2964)
        }
        if (SEEN.remove(map) != null) {
            bumpStamp();
        }
        if (subclass != 0 && debugLocks.get() && key != null) {
            TaskState t = task();
            LockGraph.register_lock_class(t, key, name, subclass);
            flush(t, false);
        }
    }

    /**
     * lock_set_class (kernel/locking/lockdep.c 3563-3584 with __lock_set_class 3295-3338): a held
     * lock changes class; the entries from it up are acquired again under the new class.
     */
    public static void lock_set_class(Object lock, String name, Object key, int subclass) {
        if (lock == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        __lock_set_class(t, lock, name, key, subclass);
        flush(t, false);
    }

    /** lock_is_held (kernel/locking/lockdep.c 3625-3643 with __lock_is_held 3508-3524). */
    public static boolean lock_is_held(Object lock) {
        if (lock == null || !debugLocks.get()) {
            return true;
        }
        return __lock_is_held(task(), lock);
    }

    // ------------------------------------------------------------------ the hooks of include/linux/irqflags.h

    /** trace_hardirqs_on (kernel/locking/lockdep.c 2533-2610): marks the held locks ENABLED_HARDIRQ (and SOFTIRQ). */
    public static void trace_hardirqs_on() {
        TaskState t = task();
        if (t.hardirqs_enabled) {
            return; // redundant_hardirqs_on
        }
        t.hardirqs_enabled = true;
        t.irqStateChanged();
        if (!debugLocks.get()) {
            return;
        }
        if (mark_held_locks(t, HARDIRQ) && t.softirqs_enabled) {
            mark_held_locks(t, SOFTIRQ);
        }
        t.hardirq_enable_ip = irqSite();
        t.hardirq_enable_event = ++t.irq_events;
        flush(t, false);
    }

    /** trace_hardirqs_off (kernel/locking/lockdep.c 2613-2648). */
    public static void trace_hardirqs_off() {
        TaskState t = task();
        if (t.hardirqs_enabled) {
            t.hardirqs_enabled = false;
            t.irqStateChanged();
            t.hardirq_disable_ip = irqSite();
            t.hardirq_disable_event = ++t.irq_events;
        }
    }

    /** trace_softirqs_on (kernel/locking/lockdep.c 2651-2688): with hardirqs on, marks the held locks ENABLED_SOFTIRQ. */
    public static void trace_softirqs_on() {
        TaskState t = task();
        if (t.softirqs_enabled) {
            return;
        }
        t.softirqs_enabled = true;
        t.irqStateChanged();
        t.softirq_enable_ip = irqSite();
        t.softirq_enable_event = ++t.irq_events;
        if (debugLocks.get() && t.hardirqs_enabled) {
            mark_held_locks(t, SOFTIRQ);
            flush(t, false);
        }
    }

    /** trace_softirqs_off (kernel/locking/lockdep.c 2691-2714). */
    public static void trace_softirqs_off() {
        TaskState t = task();
        if (t.softirqs_enabled) {
            t.softirqs_enabled = false;
            t.irqStateChanged();
            t.softirq_disable_ip = irqSite();
            t.softirq_disable_event = ++t.irq_events;
        }
    }

    /** trace_hardirq_enter (include/linux/irqflags.h 26): hardirq_context++. */
    public static void trace_hardirq_enter() {
        TaskState t = task();
        t.hardirq_context++;
        t.irqStateChanged();
    }

    /** trace_hardirq_exit (include/linux/irqflags.h 27): hardirq_context--. */
    public static void trace_hardirq_exit() {
        TaskState t = task();
        if (t.hardirq_context > 0) {
            t.hardirq_context--;
            t.irqStateChanged();
        }
    }

    /** lockdep_softirq_enter (include/linux/irqflags.h 28): softirq_context++. */
    public static void lockdep_softirq_enter() {
        TaskState t = task();
        t.softirq_context++;
        t.irqStateChanged();
    }

    /** lockdep_softirq_exit (include/linux/irqflags.h 29): softirq_context--. */
    public static void lockdep_softirq_exit() {
        TaskState t = task();
        if (t.softirq_context > 0) {
            t.softirq_context--;
            t.irqStateChanged();
        }
    }

    /** The site of an irq state change: recorded only with {@code -Dmmulab.lockdep.sites=exact} (a stack walk each). */
    private static Object irqSite() {
        return EXACT_SITES ? Frames.lazySite(null) : null;
    }

    // ------------------------------------------------------------------ __lock_acquire

    /**
     * Every acquisition comes here. The fast path is what a lock on a known chain costs: the
     * thread's state, one probe of the thread's chain memo (this lock with this subclass, in this
     * irq state, on top of this chain key gives this class and this new key, a chain already in
     * the chain cache, so validate_chain has nothing to do), a check that the usage bits
     * mark_irqflags would set are set already, and the push. Anything else is
     * {@link #__lock_acquire}, which takes the acquisition's site from the stack.
     *
     * @param spin 1 spinning, 0 sleeping, -1 read it from the lock's type
     */
    private static void acquire0(Object lock, int subclass, boolean trylock, int read, boolean check, Object nestLock, int spin) {
        if (lock == null) {
            return;
        }
        TaskState t = task();
        HeldLocks held = t.held;
        int ctx = t.ctx;
        long prev = t.curr_chain_key;
        HeldLock top = held.top();
        long chainPrev = top == null || top.irq_context == ctx ? prev : 0;
        boolean hardirqsOff = !t.hardirqs_enabled;
        int need = trylock ? irqflagsMask(t, true, read, hardirqsOff) : read == 0 ? t.needW : t.needR;
        int mi = TaskState.memoIndex(lock, chainPrev, need);
        TaskState.Memo m = t.memo[mi];
        if (m.lock == lock && m.prev == chainPrev && m.subclass == subclass && m.need == need && !trylock && check
                && nestLock == null) {
            // a filled entry has its usage bits set already, and the stamp says lockdep is on
            HeldLock h = held.next();
            h.fast(m, lock, EXACT_SITES || CONFIG_LOCK_STAT ? Frames.lazySite(LockNames.siteClass(lock)) : m.site, prev, read,
                    hardirqsOff, ctx);
            if (CONFIG_LOCK_STAT) {
                h.waittime_stamp = 0;
                h.holdtime_stamp = LockStat.lockstat_clock();
            }
            held.push();
            t.curr_chain_key = m.key;
            if (held.size() > maxDepth) {
                deeper(t);
            }
            return;
        }
        acquireSlow(t, lock, subclass, trylock, read, check, nestLock, spin, hardirqsOff, mi, need);
    }

    /** A memo miss, out of line so the fast path above stays small enough to inline into the woven lock. */
    private static void acquireSlow(TaskState t, Object lock, int subclass, boolean trylock, int read, boolean check,
            Object nestLock, int spin, boolean hardirqsOff, int mi, int need) {
        boolean spinning = spin < 0 ? LockNames.spinning(lock) : spin != 0;
        int pushed = __lock_acquire(t, lock, null, null, subclass, trylock, read, check, hardirqsOff, nestLock, null, 0, spinning,
                mi, need);
        flushAcquire(t, pushed == 1);
    }

    /** A new deepest stack (and maybe MAX_LOCK_DEPTH), out of line. */
    private static void deeper(TaskState t) {
        depthCheck(t);
        flushAcquire(t, true);
    }

    /** The usage bits mark_irqflags sets for an acquisition in this state, with LOCK_USED. */
    private static int irqflagsMask(TaskState t, boolean trylock, int read, boolean hardirqsOff) {
        int r = read != 0 ? 1 : 0;
        int m = 1 << LockClass.LOCK_USED;
        if (!trylock) {
            if (t.hardirq_context > 0) {
                m |= 1 << (LockClass.LOCK_USED_IN_HARDIRQ + r);
            }
            if (t.softirq_context > 0) {
                m |= 1 << (LockClass.LOCK_USED_IN_SOFTIRQ + r);
            }
        }
        if (!hardirqsOff) {
            m |= 1 << (LockClass.LOCK_ENABLED_HARDIRQ + r);
            if (t.softirqs_enabled) {
                m |= 1 << (LockClass.LOCK_ENABLED_SOFTIRQ + r);
            }
        }
        return m;
    }

    /**
     * __lock_acquire (kernel/locking/lockdep.c 3045-3209): the class (register_lock_class on a
     * miss of the thread's class cache), nest_lock's reference merge, the held_lock filled in,
     * mark_irqflags and mark_lock(LOCK_USED), the chain key (separate_irq_context), the nest lock
     * check, validate_chain, then the push and the MAX_LOCK_DEPTH check. Departures: the entry is
     * pushed even when a check reports or lockdep is off (the Java lock is taken all the same, and
     * might_sleep counts the held spinlocks); the report is left in {@code t.report} for the hook
     * to emit after the push, or, in FAIL mode, to throw after popping the entry again. Returns 1
     * when an entry was pushed, 0 when nest_lock's merge counted it in the top entry instead.
     *
     * @param instance the lock's map, or null to read it from the lock
     * @param known the class, when the caller knows it (re-acquisition), else null
     * @param site the acquisition site, or null to take it from the stack
     * @param mi the chain memo entry to fill when the chain turns out cached, or -1
     * @param need the usage bits of this acquisition, part of the memo entry's key
     */
    static int __lock_acquire(TaskState t, Object lock, Object instance, LockClass known, int subclass, boolean trylock, int read,
            boolean check, boolean hardirqsOff, Object nestLock, Object site, int references, boolean spin, int mi, int need) {
        HeldLocks held = t.held;
        if (instance == null) {
            instance = LockNames.instance(lock);
        }
        if (site == null) {
            site = Frames.lazySite(LockNames.siteClass(lock));
        }
        int ctx = irq_context(t);
        long prevKey = t.curr_chain_key;
        if (!debugLocks.get()) {
            held.next().set(instance, lock, null, site, spin, prevKey).flags(trylock, read, false, hardirqsOff, nestLock, references, ctx);
            held.push();
            return 1;
        }
        LockClass c = known != null ? known : classOf(t, lock, subclass);
        if (c == null) { // no class: lockdep just turned itself off
            held.next().set(instance, lock, null, site, spin, prevKey).flags(trylock, read, false, hardirqsOff, nestLock, references, ctx);
            held.push();
            return 1;
        }
        c.ops++;
        HeldLock top = held.top();
        if (top != null && top.cls == c && nestLock != null) {
            top.references = top.references == 0 ? 2 : top.references + 1;
            return 0;
        }
        HeldLock hlock = held.next().set(instance, lock, c, site, spin, prevKey)
                .flags(trylock, read, check, hardirqsOff, nestLock, references, ctx);
        if (CONFIG_LOCK_STAT) { // lockdep.c 3133-3136
            hlock.waittime_stamp = 0;
            hlock.holdtime_stamp = LockStat.lockstat_clock();
        }
        boolean ok = !check || mark_irqflags(t, hlock);
        ok = ok && mark_lock(t, hlock, LockClass.LOCK_USED);
        boolean chainHead = held.isEmpty();
        long chainKey = prevKey;
        if (separate_irq_context(t, hlock)) {
            chainKey = 0;
            chainHead = true;
        }
        chainKey = LockGraph.iterate_chain_key(chainKey, c.id);
        if (ok && nestLock != null && !__lock_is_held(t, nestLock)) {
            setReport(t, Reports.print_lock_nested_lock_not_held(t, hlock));
            ok = false;
        }
        int cached = ok ? validate_chain(t, hlock, chainHead, chainKey) : -1;
        held.push();
        t.curr_chain_key = chainKey;
        if (cached == 1 && mi >= 0 && !trylock && check && nestLock == null && references == 0 && t.report == null
                && held.size() < MAX_LOCK_DEPTH) { // the depth check stays on the slow path
            t.memo[mi].set(lock, chainHead ? 0 : prevKey, subclass, instance, c, chainKey, site, spin).need = need;
        }
        depthCheck(t);
        return 1;
    }

    /** The class of {@code lock} with {@code subclass}: the thread's class cache, else register_lock_class. */
    private static LockClass classOf(TaskState t, Object lock, int subclass) {
        int li = (System.identityHashCode(lock) ^ subclass) & (TaskState.LOCK_CACHE - 1);
        if (t.cachedLocks[li] == lock && t.cachedSubclasses[li] == subclass) {
            return t.cachedClasses[li];
        }
        LockClass c = LockGraph.register_lock_class(t, lock, subclass);
        if (c != null) {
            t.cachedLocks[li] = lock;
            t.cachedSubclasses[li] = subclass;
            t.cachedClasses[li] = c;
            SEEN.put(LockNames.instance(lock), Boolean.TRUE);
        }
        return c;
    }

    /** irq_context of an acquisition now: 2 * in-hardirq + in-softirq (separate_irq_context 2829-2845). */
    private static int irq_context(TaskState t) {
        return t.ctx;
    }

    /** separate_irq_context (kernel/locking/lockdep.c 2829-2845): the entry below belongs to another irq context. */
    private static boolean separate_irq_context(TaskState t, HeldLock hlock) {
        HeldLock top = t.held.top();
        return top != null && top.irq_context != hlock.irq_context;
    }

    /** __lock_acquire's MAX_LOCK_DEPTH check (kernel/locking/lockdep.c 3192-3206) and max_lockdep_depth. */
    private static void depthCheck(TaskState t) {
        int depth = t.held.size();
        if (depth > maxDepth) {
            maxDepth = depth;
        }
        if (depth >= MAX_LOCK_DEPTH && debugLocks.get() && t.report == null) {
            LockdepReport r = Reports.maxLockDepth(t);
            if (config.mode() != LockdepConfig.Mode.FAIL) {
                debug_locks_off(); // FAIL mode stays on (its documentation): the lock is not taken
            }
            t.report = r;
            t.reportAlways = true;
        }
    }

    // ------------------------------------------------------------------ validate_chain

    /**
     * validate_chain (kernel/locking/lockdep.c 2088-2140): for a checked, non-try acquisition on a
     * chain not in the chain cache: check_deadlock, then (not at a chain head, and not a recursive
     * read) check_prevs_add. Returns 1 when the chain is in the cache afterwards, 0 when not.
     * Departure: in FAIL mode a chain that reported is taken out of the cache again, so the same
     * bad nesting throws each time.
     */
    private static int validate_chain(TaskState t, HeldLock hlock, boolean chainHead, long chainKey) {
        if (hlock.trylock || !hlock.check) {
            return 0;
        }
        if (LockGraph.CHAINS.containsKey(chainKey)) {
            return 1; // lookup_chain_cache's lockless hit
        }
        synchronized (LockGraph.lock()) {
            int r = lookup_chain_cache(t, hlock, chainKey);
            if (r <= 0) {
                return r == 0 ? 1 : 0;
            }
            int ret = check_deadlock(t, hlock, hlock.read);
            if (ret == 2) {
                hlock.read = 2;
            }
            if (ret != 0 && !chainHead && ret != 2) {
                check_prevs_add(t, hlock);
            }
            if (t.report != null && config.mode() == LockdepConfig.Mode.FAIL) {
                LockGraph.CHAINS.remove(chainKey);
                return 0;
            }
            return 1;
        }
    }

    /**
     * lookup_chain_cache (kernel/locking/lockdep.c 2002-2086), the locked half: 0 on a hit, 1 when
     * the chain was added (the caller validates it), -1 when the table is full. Caller holds the
     * graph lock.
     */
    private static int lookup_chain_cache(TaskState t, HeldLock hlock, long chainKey) {
        return LockGraph.add_chain(t, hlock, chainKey);
    }

    /**
     * check_deadlock (kernel/locking/lockdep.c 1732-1767): is a lock of this class held already?
     * 1 no; 2 yes, allowed (a recursive read, read == 2, over a read-held lock; or the nest_lock is
     * held below it); 0 yes: print_deadlock_bug.
     */
    private static int check_deadlock(TaskState t, HeldLock next, int read) {
        HeldLock nest = null;
        for (int i = 0; i < t.held.size(); i++) {
            HeldLock prev = t.held.get(i);
            if (next.nest_lock != null && prev.instance == next.nest_lock) {
                nest = prev;
            }
            if (prev.cls != next.cls) {
                continue;
            }
            if (read == 2 && prev.read != 0) {
                return 2;
            }
            if (nest != null) {
                return 2;
            }
            setReport(t, Reports.print_deadlock_bug(t, prev, next));
            return 0;
        }
        return 1;
    }

    /**
     * check_prevs_add (kernel/locking/lockdep.c 1915-1984): a dependency from each relevant held
     * lock to {@code next}: the consecutive trylocks on top and the first non-trylock below them,
     * within this irq context; recursive reads and unchecked entries add none.
     */
    private static boolean check_prevs_add(TaskState t, HeldLock next) {
        int depth = t.held.size();
        boolean trylockLoop = false;
        List<String>[] trace = new List[1];
        for (;;) {
            int distance = t.held.size() - depth + 1;
            HeldLock hlock = t.held.get(depth - 1);
            if (hlock.read != 2 && hlock.check && hlock.cls != null) {
                if (!check_prev_add(t, hlock, next, distance, trylockLoop, trace)) {
                    return false;
                }
                if (!hlock.trylock) {
                    break;
                }
            }
            depth--;
            if (depth == 0) {
                break;
            }
            if (t.held.get(depth).irq_context != t.held.get(depth - 1).irq_context) {
                break;
            }
            trylockLoop = true;
        }
        return true;
    }

    /**
     * check_prev_add (kernel/locking/lockdep.c 1810-1913): would {@code prev -> next} close a
     * cycle (check_noncircular), or join an irq-safe lock to an irq-unsafe one
     * (check_prev_add_irq)? If not, and neither side is a recursive read, the dependency is added
     * to both lists with the stack of this acquisition (saved once per check_prevs_add).
     */
    private static boolean check_prev_add(TaskState t, HeldLock prev, HeldLock next, int distance, boolean trylockLoop,
            List<String>[] trace) {
        List<LockClass> path = check_noncircular(next.cls, prev.cls);
        if (path != null) {
            setReport(t, Reports.print_circular_bug(t, path, next, prev, Frames.stack()));
            return false;
        }
        if (!check_prev_add_irq(t, prev, next)) {
            return false;
        }
        if (next.read == 2 || prev.read == 2) {
            return true;
        }
        LockClass.Edge entry = prev.cls.after.get(next.cls);
        if (entry != null) {
            if (distance == 1) {
                entry.distance = 1;
            }
            return true;
        }
        if (trace[0] == null) {
            trace[0] = Collections.unmodifiableList(Frames.stack());
        }
        return LockGraph.add_lock_to_list(t, prev.cls, next.cls, distance, trace[0]);
    }

    /**
     * check_noncircular (kernel/locking/lockdep.c 1294-1305): the shortest path from
     * {@code root} (next) to {@code target} (prev) along locks_after, or null.
     */
    private static List<LockClass> check_noncircular(LockClass root, LockClass target) {
        return LockGraph.__bfs_forwards(root, c -> c == target);
    }

    // ------------------------------------------------------------------ irq usage

    static final int HARDIRQ = 0;
    static final int SOFTIRQ = 1;
    private static final String[] STATE_NAMES = {"HARDIRQ", "SOFTIRQ", "RECLAIM_FS"};
    private static final String[] STATE_RNAMES = {"HARDIRQ-READ", "SOFTIRQ-READ", "RECLAIM_FS-READ"};

    /** state_name (kernel/locking/lockdep.c 1600-1603). */
    static String state_name(int bit) {
        return (bit & 1) != 0 ? STATE_RNAMES[bit >> 2] : STATE_NAMES[bit >> 2];
    }

    /** exclusive_bit (kernel/locking/lockdep.c 1605-1625): same state, the other direction, write. */
    static int exclusive_bit(int newBit) {
        int state = newBit & ~3;
        int dir = newBit & 2;
        return state | (dir ^ 2);
    }

    /**
     * check_prev_add_irq (kernel/locking/lockdep.c 1655-1666): check_irq_usage for HARDIRQ and
     * SOFTIRQ. Departure: RECLAIM_FS is left out (nothing in the port sets its bits).
     */
    private static boolean check_prev_add_irq(TaskState t, HeldLock prev, HeldLock next) {
        return check_irq_usage(t, prev, next, LockClass.LOCK_USED_IN_HARDIRQ)
                && check_irq_usage(t, prev, next, LockClass.LOCK_USED_IN_SOFTIRQ);
    }

    /** check_irq_usage (kernel/locking/lockdep.c 1627-1653): the write and the read bit of one state. */
    private static boolean check_irq_usage(TaskState t, HeldLock prev, HeldLock next, int bit) {
        if (!check_usage(t, prev, next, bit, exclusive_bit(bit), state_name(bit))) {
            return false;
        }
        bit++;
        return check_usage(t, prev, next, bit, exclusive_bit(bit), state_name(bit));
    }

    /**
     * check_usage (kernel/locking/lockdep.c 1553-1584): a class with {@code bitBackwards} behind
     * prev and one with {@code bitForwards} ahead of next would be joined by prev -> next:
     * print_bad_irq_dependency.
     */
    private static boolean check_usage(TaskState t, HeldLock prev, HeldLock next, int bitBackwards, int bitForwards,
            String irqclass) {
        List<LockClass> back = LockGraph.find_usage_backwards(prev.cls, bitBackwards);
        if (back == null) {
            return true;
        }
        List<LockClass> fwd = LockGraph.find_usage_forwards(next.cls, bitForwards);
        if (fwd == null) {
            return true;
        }
        setReport(t, Reports.print_bad_irq_dependency(t, back, fwd, prev, next, bitBackwards, bitForwards, irqclass,
                Frames.stack()));
        return false;
    }

    /**
     * check_usage_forwards (kernel/locking/lockdep.c 2344-2362): no class reachable forwards from
     * {@code this} may have {@code bit}; else print_irq_inversion_bug.
     */
    private static boolean check_usage_forwards(TaskState t, HeldLock thisLock, int bit, String irqclass) {
        List<LockClass> path = LockGraph.find_usage_forwards(thisLock.cls, bit);
        if (path == null) {
            return true;
        }
        setReport(t, Reports.print_irq_inversion_bug(t, path, thisLock, true, irqclass, Frames.stack()));
        return false;
    }

    /** check_usage_backwards (kernel/locking/lockdep.c 2368-2386). */
    private static boolean check_usage_backwards(TaskState t, HeldLock thisLock, int bit, String irqclass) {
        List<LockClass> path = LockGraph.find_usage_backwards(thisLock.cls, bit);
        if (path == null) {
            return true;
        }
        setReport(t, Reports.print_irq_inversion_bug(t, path, thisLock, false, irqclass, Frames.stack()));
        return false;
    }

    /** valid_state (kernel/locking/lockdep.c 2262-2269): the class must not have {@code badBit} already. */
    private static boolean valid_state(TaskState t, HeldLock thisLock, int newBit, int badBit) {
        if ((thisLock.cls.usage_mask & (1 << badBit)) != 0) {
            setReport(t, Reports.print_usage_bug(t, thisLock, badBit, newBit));
            return false;
        }
        return true;
    }

    /**
     * mark_lock_irq (kernel/locking/lockdep.c 2443-2496), with STRICT_READ_CHECKS 1: a USED_IN bit
     * looks forwards for the ENABLED one, an ENABLED bit backwards for the USED_IN one; a write bit
     * also against the read variant.
     */
    private static boolean mark_lock_irq(TaskState t, HeldLock thisLock, int newBit) {
        int exclBit = exclusive_bit(newBit);
        boolean read = (newBit & 1) != 0;
        boolean dir = (newBit & 2) != 0;
        if (!valid_state(t, thisLock, newBit, exclBit)) {
            return false;
        }
        boolean usage = dir
                ? check_usage_backwards(t, thisLock, exclBit, state_name(newBit & ~1))
                : check_usage_forwards(t, thisLock, exclBit, state_name(newBit & ~1));
        if (!usage) {
            return false;
        }
        if (!read) {
            if (!valid_state(t, thisLock, newBit, exclBit + 1)) {
                return false;
            }
            boolean r = dir
                    ? check_usage_backwards(t, thisLock, exclBit + 1, state_name(newBit + 1))
                    : check_usage_forwards(t, thisLock, exclBit + 1, state_name(newBit + 1));
            if (!r) {
                return false;
            }
        }
        return true;
    }

    /**
     * mark_lock (kernel/locking/lockdep.c 2885-2950): sets usage bit {@code newBit} on the class,
     * saving the stack where it was first set, and validates the new irq state (mark_lock_irq).
     * A bit already set costs one read.
     */
    private static boolean mark_lock(TaskState t, HeldLock thisLock, int newBit) {
        int newMask = 1 << newBit;
        LockClass c = thisLock.cls;
        if ((c.usage_mask & newMask) != 0) {
            return true;
        }
        synchronized (LockGraph.lock()) {
            if ((c.usage_mask & newMask) != 0) {
                return true;
            }
            c.usage_mask |= newMask;
            c.usage_traces[newBit] = Collections.unmodifiableList(Frames.stack());
            if (newBit < LockClass.LOCK_USED) {
                return mark_lock_irq(t, thisLock, newBit);
            }
            return true;
        }
    }

    /** mark_irqflags (kernel/locking/lockdep.c 2765-2827), without RECLAIM_FS. */
    private static boolean mark_irqflags(TaskState t, HeldLock hlock) {
        if (!hlock.trylock) {
            int r = hlock.read != 0 ? 1 : 0;
            if (t.hardirq_context > 0 && !mark_lock(t, hlock, LockClass.LOCK_USED_IN_HARDIRQ + r)) {
                return false;
            }
            if (t.softirq_context > 0 && !mark_lock(t, hlock, LockClass.LOCK_USED_IN_SOFTIRQ + r)) {
                return false;
            }
        }
        if (!hlock.hardirqs_off) {
            int r = hlock.read != 0 ? 1 : 0;
            if (!mark_lock(t, hlock, LockClass.LOCK_ENABLED_HARDIRQ + r)) {
                return false;
            }
            if (t.softirqs_enabled && !mark_lock(t, hlock, LockClass.LOCK_ENABLED_SOFTIRQ + r)) {
                return false;
            }
        }
        return true;
    }

    /** mark_held_locks (kernel/locking/lockdep.c 2504-2531): every held lock gets ENABLED_{mark}(_READ). */
    private static boolean mark_held_locks(TaskState t, int mark) {
        for (int i = 0; i < t.held.size(); i++) {
            HeldLock hlock = t.held.get(i);
            int usageBit = 2 + (mark << 2) + (hlock.read != 0 ? 1 : 0);
            if (!hlock.check || hlock.cls == null) {
                continue;
            }
            if (!mark_lock(t, hlock, usageBit)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ release

    /**
     * __lock_release (kernel/locking/lockdep.c 3489-3506): check_unlock, then the nested or the
     * non-nested release. With lockdep off only the entry is dropped (might_sleep still counts).
     */
    private static void __lock_release(TaskState t, Object lock, int nested) {
        if (!debugLocks.get()) {
            Object instance = null;
            for (int i = t.held.size() - 1; i >= 0; i--) {
                HeldLock h = t.held.get(i);
                if (h.lock == lock || h.instance == (instance == null ? instance = LockNames.instance(lock) : instance)) {
                    t.held.remove(i);
                    return;
                }
            }
            return;
        }
        if (!check_unlock(t, lock)) {
            return;
        }
        if (nested != 0) {
            lock_release_nested(t, lock);
        } else {
            lock_release_non_nested(t, lock);
        }
    }

    /** check_unlock (kernel/locking/lockdep.c 3243-3258): nothing held at all is an unlock imbalance. */
    private static boolean check_unlock(TaskState t, Object lock) {
        if (t.held.isEmpty()) {
            setReport(t, Reports.print_unlock_imbalance_bug(t, lock));
            return false;
        }
        return true;
    }

    /** match_held_lock (kernel/locking/lockdep.c 3260-3293). */
    private static boolean match_held_lock(HeldLock hlock, Object lock, Object instance) {
        if (hlock.lock == lock || hlock.instance == instance) {
            return true;
        }
        if (hlock.references != 0 && hlock.cls != null) {
            LockClass c = LockGraph.look_up_lock_class(LockNames.key(lock), 0);
            return c != null && hlock.cls == c;
        }
        return false;
    }

    /** lock_release_nested (kernel/locking/lockdep.c 3445-3487): the innermost lock, else lock_release_non_nested. */
    private static void lock_release_nested(TaskState t, Object lock) {
        HeldLock hlock = t.held.top();
        if ((hlock.lock != lock && hlock.instance != LockNames.instance(lock)) || hlock.references != 0) {
            lock_release_non_nested(t, lock);
            return;
        }
        if (CONFIG_LOCK_STAT) {
            lock_release_holdtime(hlock); // lockdep.c 3472
        }
        t.held.truncate(t.held.size() - 1);
        t.curr_chain_key = hlock.prev_chain_key;
    }

    /**
     * lock_release_non_nested (kernel/locking/lockdep.c 3361-3443): finds the lock within this
     * irq context (else print_unlock_imbalance_bug), drops one reference or the entry, and
     * acquires every lock above it again through __lock_acquire, which validates the chains
     * they now form and can add dependencies and report.
     */
    private static void lock_release_non_nested(TaskState t, Object lock) {
        int depth = t.held.size();
        Object instance = LockNames.instance(lock);
        HeldLock prevHlock = null;
        int i;
        for (i = depth - 1; i >= 0; i--) {
            HeldLock hlock = t.held.get(i);
            if (prevHlock != null && prevHlock.irq_context != hlock.irq_context) {
                i = -1;
                break;
            }
            if (match_held_lock(hlock, lock, instance)) {
                break;
            }
            prevHlock = hlock;
        }
        if (i < 0) {
            setReport(t, Reports.print_unlock_imbalance_bug(t, lock));
            return;
        }
        HeldLock hlock = t.held.get(i);
        if (CONFIG_LOCK_STAT && hlock.instance == instance) {
            lock_release_holdtime(hlock); // lockdep.c 3396-3397
        }
        if (hlock.references != 0) {
            hlock.references--;
            if (hlock.references != 0) {
                return;
            }
        }
        reacquireFrom(t, i, i + 1, null);
    }

    /**
     * Cuts the stack at {@code cut} and acquires the entries {@code from..} (as they were) again,
     * the loop lock_release_non_nested and __lock_set_class share. Entry {@code cut} gets class
     * {@code newClass} when that is not null (lock_set_class).
     */
    private static void reacquireFrom(TaskState t, int cut, int from, LockClass newClass) {
        int depth = t.held.size();
        HeldLock[] above = new HeldLock[depth - from];
        for (int j = from; j < depth; j++) {
            above[j - from] = new HeldLock().copyOf(t.held.get(j));
        }
        t.curr_chain_key = t.held.get(cut).prev_chain_key;
        t.held.truncate(cut);
        for (int j = 0; j < above.length; j++) {
            HeldLock h = above[j];
            LockClass c = j == 0 && newClass != null ? newClass : h.cls;
            int sub = c == null ? 0 : c.subclass;
            __lock_acquire(t, h.lock, h.instance, c, sub, h.trylock, h.read, h.check, h.hardirqs_off, h.nest_lock, h.site,
                    h.references, h.spin, -1, 0);
        }
    }

    /** __lock_set_class (kernel/locking/lockdep.c 3295-3338). */
    private static void __lock_set_class(TaskState t, Object lock, String name, Object key, int subclass) {
        int depth = t.held.size();
        if (depth == 0) {
            return;
        }
        Object instance = LockNames.instance(lock);
        HeldLock prevHlock = null;
        int i;
        for (i = depth - 1; i >= 0; i--) {
            HeldLock hlock = t.held.get(i);
            if (prevHlock != null && prevHlock.irq_context != hlock.irq_context) {
                i = -1;
                break;
            }
            if (match_held_lock(hlock, lock, instance)) {
                break;
            }
            prevHlock = hlock;
        }
        if (i < 0) {
            setReport(t, Reports.print_unlock_imbalance_bug(t, lock));
            return;
        }
        LockNames.setNameKey(lock, name, key); // lockdep_init_map, so the lock keeps its new class after release
        SEEN.remove(instance);
        bumpStamp();
        LockClass c = LockGraph.register_lock_class(t, key == null ? LockNames.key(lock) : key,
                name == null ? LockNames.name(lock) : name, subclass);
        if (c == null) {
            return;
        }
        reacquireFrom(t, i, i, c);
    }

    /** __lock_is_held (kernel/locking/lockdep.c 3508-3524). */
    private static boolean __lock_is_held(TaskState t, Object lock) {
        Object instance = LockNames.instance(lock);
        for (int i = 0; i < t.held.size(); i++) {
            if (match_held_lock(t.held.get(i), lock, instance)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ reports out of the hooks

    /** Keeps the first report of this hook call (the kernel stops at its first one too). */
    static void setReport(TaskState t, LockdepReport r) {
        if (t.report == null) {
            t.report = r;
        }
    }

    /** {@link Reports#emit}, remembering that this thread threw (FAIL mode), so the reaper leaves it alone. */
    private static void emitMarking(TaskState t, LockdepReport r) {
        try {
            Reports.emit(r);
        } catch (LockdepError e) {
            t.threw = true;
            throw e;
        }
    }

    /** A capacity report: lockdep has turned itself off already, and it is printed all the same. */
    static void setReportAlways(TaskState t, LockdepReport r) {
        if (t.report == null) {
            t.report = r;
            t.reportAlways = true;
        }
    }

    /**
     * Emits the report an acquisition left, after the push. In FAIL mode the entry just pushed is
     * popped first, so the thrown error leaves the thread's stack as it was (the lock is not taken).
     */
    private static void flushAcquire(TaskState t, boolean pushed) {
        if (t.report != null && pushed && config.mode() == LockdepConfig.Mode.FAIL) {
            HeldLock top = t.held.top();
            t.held.truncate(t.held.size() - 1);
            t.curr_chain_key = top.prev_chain_key;
        }
        flush(t, false);
    }

    /**
     * Emits the report a hook left in {@code t.report}: through debug_locks (ONCE turns lockdep
     * off), or always for the capacity and depth reports, which have turned it off already. In
     * FAIL mode, when an error is already unwinding through the hook ({@code t.inFlight}), the new
     * one is added to it as suppressed instead of thrown over it.
     */
    private static void flush(TaskState t, boolean unused) {
        LockdepReport r = t.report;
        if (r == null) {
            return;
        }
        boolean always = t.reportAlways;
        t.report = null;
        t.reportAlways = false;
        try {
            if (always) {
                Reports.emit(r);
            } else {
                Reports.lockdepBug(r);
            }
        } catch (LockdepError e) {
            if (t.inFlight != null && t.inFlight != e) {
                t.inFlight.addSuppressed(e);
                return;
            }
            t.threw = true;
            throw e;
        }
    }

    /**
     * The port's {@code debug_locks_off()} (an oops calls it through {@code oops_enter}): nothing
     * about the kernel's lock state can be trusted any more, so lockdep stops, silently, as the
     * kernel's does. {@link #reset()} turns it on again.
     */
    public static void debugLocksOff() {
        debug_locks_off();
    }

    /**
     * debug_locks_off (lib/debug_locks.c 38-47): turns lockdep off; true for the caller that
     * turned it off (the one that may print). Every thread drops its chain memo, so the fast path
     * never runs with lockdep off.
     */
    static boolean debug_locks_off() {
        boolean was = debugLocks.compareAndSet(true, false);
        if (was) {
            bumpStamp();
        }
        return was;
    }

    private static synchronized void bumpStamp() {
        classEpoch++;
        stamp = stamp + 1;
    }

    // ------------------------------------------------------------------ assert_held, might_sleep, irqs

    /** lockdep_assert_held: a WARN (every time) unless this thread holds this very instance. */
    public static void assertHeld(Object lock) {
        if (lock == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        if (__lock_is_held(t, lock)) {
            return;
        }
        emitMarking(t, Reports.assertHeldWarning(t, lock, Frames.caller(null).orElse(null)));
    }

    /**
     * __might_sleep(file, line, preemptOffset). The thread's preempt count is the number of
     * spinlocks it holds; a report is printed when that differs from preemptOffset or irqs are off.
     * Not rate limited (see the class comment).
     */
    public static void mightSleep(String file, int line, int preemptOffset) {
        TaskState t = task();
        int spinCount = t.held.spinCount();
        if (spinCount == preemptOffset && !t.irqsDisabled()) {
            return;
        }
        emitMarking(t, Reports.mightSleep(t, file, line, preemptOffset, spinCount));
    }

    /** do_exit's debug_check_no_locks_held (kernel/locking/lockdep.c 4110-4115): report I if the thread still holds locks; then forget it. */
    public static void threadExit() {
        TaskState t = task();
        try {
            if (t.held.isEmpty() || !debugLocks.get()) {
                return;
            }
            Reports.lockdepBug(Reports.print_held_locks_bug(t, true));
        } finally {
            forget(t);
        }
    }

    private static void forget(TaskState t) {
        if (TASK.get() == t) {
            TASK.remove();
        }
        ALL_TASKS.remove(t);
        int slot = (int) t.thread.getId() & (TASKS.length - 1);
        if (TASKS[slot] == t) {
            TASKS[slot] = null;
        }
    }

    /**
     * debug_check_no_locks_held for a thread that goes on (the JUnit extension calls it when a
     * test ends): if this thread still holds locks, report I as at its exit, then forget its lock
     * state, so what one test left held is not blamed on the next. Nothing when it holds none.
     */
    public static void checkNoLocksHeld() {
        TaskState t = TASK.get();
        if (t == null || t.generation != generation || t.held.isEmpty()) {
            return;
        }
        threadExit();
    }

    /**
     * Drops the current thread's lock state without a report: its unwinding is not the program's
     * doing (the explorer stopped the schedule, or the thread died of an error reported
     * elsewhere), so the locks it leaves are no "still has locks held" bug.
     */
    public static void forgetCurrentThread() {
        TaskState t = TASK.get();
        if (t != null) {
            forget(t);
        }
    }

    // ------------------------------------------------------------------ threads that end with locks held

    /** Every thread's state since the reaper started (only then: nothing else needs the list). */
    private static final java.util.Set<TaskState> ALL_TASKS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static volatile boolean reaping;
    private static Thread reaper;

    /**
     * Starts the reaper (the agent does, once): a daemon thread that every {@code periodMillis}
     * looks for threads of the watched program that have ended, and reports each one that ended
     * with locks held as do_exit's debug_check_no_locks_held would have, in the kernel's
     * "still has locks held!" shape; a JVM shutdown hook makes the same check a last time. The
     * kernel makes the check in the exiting task; a Java thread's end runs no code of ours, so the
     * report comes from the reaper, a little later, and its backtrace says so.
     */
    public static synchronized void startReaper(long periodMillis) {
        if (reaper != null) {
            return;
        }
        reaping = true;
        Thread r = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(periodMillis);
                    reapDeadThreads();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | Error e) {
                    // the reaper must not die, nor take the program with it
                }
            }
        }, "lockdep-reaper");
        r.setDaemon(true);
        r.start();
        reaper = r;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(Lockdep::reapQuietly, "lockdep-exit-check"));
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    private static void reapQuietly() {
        try {
            reapDeadThreads();
        } catch (RuntimeException | Error e) {
            // at exit nothing is left to throw to
        }
    }

    /**
     * Reports every thread known to have ended with locks held (report I, once per thread) and
     * forgets the ended threads. Returns how many were reported.
     */
    public static int reapDeadThreads() {
        int n = 0;
        for (TaskState t : ALL_TASKS) {
            if (t.thread.isAlive()) {
                continue;
            }
            ALL_TASKS.remove(t);
            int slot = (int) t.thread.getId() & (TASKS.length - 1);
            if (TASKS[slot] == t) {
                TASKS[slot] = null;
            }
            if (t.generation != generation || t.held.isEmpty() || !debugLocks.get() || t.threw) {
                continue; // a thread that threw lockdep's own error (mode=fail) unwound without unlocking
            }
            n++;
            try {
                Reports.lockdepBug(Reports.print_held_locks_bug(t, false));
            } catch (LockdepError e) {
                // FAIL mode: printed; there is no thread left to throw to
            }
        }
        return n;
    }

    /**
     * lockdep_sys_exit (kernel/locking/lockdep.c 4191-4207): the thread is leaving an ioctl
     * (returning to user space). Holding any lock now is report J, which has no stack backtrace.
     */
    public static void returnToUser() {
        returnToUser(null);
    }

    /**
     * lockdep_sys_exit when the ioctl ends by {@code thrown} (null: it returned). In FAIL mode a
     * LockdepError already unwinding keeps going: this report is added to it as suppressed.
     */
    public static void returnToUser(Throwable thrown) {
        TaskState t = task();
        if (t.held.isEmpty() || !debugLocks.get()) {
            return;
        }
        Throwable saved = t.inFlight;
        t.inFlight = thrown instanceof LockdepError ? thrown : saved;
        try {
            setReport(t, Reports.heldReturningToUser(t));
            flush(t, false);
        } finally {
            t.inFlight = saved;
        }
    }

    /** Names of the lock classes the current thread holds, outermost first (for tracing). */
    public static List<String> heldClassNames() {
        TaskState t = task();
        List<String> out = new ArrayList<>(t.held.size());
        for (HeldLock h : t.held) {
            out.add(h.cls != null ? h.cls.name : LockNames.name(h.lock));
        }
        return out;
    }

    /** lockdep_print_held_locks for the current thread. */
    public static String heldLocks() {
        StringBuilder sb = new StringBuilder();
        Reports.printHeldLocks(sb, task());
        return sb.toString();
    }
}
