// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The runtime core of mmulab's lockdep emulator: the Java counterpart of v3.16's
 * kernel/locking/lockdep.c (classes, per-task held-lock stacks, the dependency graph with BFS
 * cycle search, the chain cache) plus the {@code __might_sleep} check of kernel/sched/core.c and
 * the WARN splat that {@code lockdep_assert_held} produces. The woven advice of the lockdep agent
 * calls the static methods below; locks are passed as plain Objects and read by reflection.
 * This class is the entry point and the per-task half (held-lock stacks, acquire and release);
 * the classes, the dependency graph, its cycle search and the chain cache are {@link LockGraph},
 * and the texts of the reports are {@link Reports}.
 *
 * <h2>What is tracked, and how it is printed</h2>
 * <ul>
 *   <li>Lock class = {@code dep_map.key} (see {@link LockNames}); a second class with an already
 *       used name is printed with a {@code #2} suffix, as the kernel's name_version does.</li>
 *   <li>Held locks are per thread. {@code [<ip>] sym} in the kernel's output is replaced by the
 *       Java acquisition site {@code class.method(File:line)}: the first frame outside this runtime,
 *       outside the lock's own class (its spin_lock / mutex_lock stands for the kernel's inline
 *       wrapper) and outside the port's {@code lockdep} and {@code irqflags} classes.</li>
 *   <li>Usage braces: see {@link LockClass#usage()}: {@code {+.+...}} for a class ever taken with
 *       irqs enabled, {@code {......}} for one only ever taken with irqs disabled.</li>
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
 *   <li>The held-lock stack is kept even after lockdep has turned itself off (only the checks
 *       stop), because might_sleep needs the spinlock count, which in the kernel is preempt_count
 *       and independent of lockdep.</li>
 *   <li>might_sleep is not rate limited (the kernel prints at most one report per second), so
 *       tests are deterministic. Its condition is the kernel's: report when the number of held
 *       spinlocks differs from {@code preemptOffset}, or irqs are off.</li>
 *   <li>No irq contexts, read locks, subclasses, nest_lock, irq-safety checks (reports C, D, E).
 *       The MAX_LOCK_DEPTH report omits debug_show_all_locks (other threads' stacks are not
 *       reachable from here).</li>
 *   <li>In WARN mode a chain that produced a report is cached, so the same bad nesting is reported
 *       once and not on every repetition. In FAIL mode it is not cached, so it throws each time.</li>
 * </ul>
 */
public final class Lockdep {
    private Lockdep() {}

    static final int MAX_LOCK_DEPTH = 48;
    static final int NR_CPUS = 8;

    private static volatile LockdepConfig config = LockdepConfig.defaults();
    /** The kernel's debug_locks. */
    static final AtomicBoolean debugLocks = new AtomicBoolean(true);
    private static final AtomicInteger nextPid = new AtomicInteger();
    private static volatile int generation;

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

    /** Number of validated lock chains in the chain cache (for tests). */
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
            LockGraph.clear();
            maxDepth = 0;
            nextPid.set(0);
            Reports.reset();
            debugLocks.set(true);
        }
        TASK.remove();
    }

    // ------------------------------------------------------------------ per-thread state

    private static TaskState task() {
        Thread me = Thread.currentThread();
        int slot = (int) me.getId() & (TASKS.length - 1);
        TaskState t = TASKS[slot];
        if (t != null && t.thread == me && t.generation == generation) {
            return t;
        }
        return taskSlow(me, slot);
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
        }
        TaskState owner = TASKS[slot];
        if (owner == null || owner.generation != gen || !owner.thread.isAlive()) {
            TASKS[slot] = t;
        }
        return t;
    }

    // ------------------------------------------------------------------ acquire / release

    /** spin_lock (spin=true) / mutex_lock (spin=false), called before the lock is taken. */
    public static void acquire(Object lock, boolean spin) {
        doAcquire(lock, spin, false);
    }

    /** After a successful trylock: pushes the lock without adding dependencies into it. */
    public static void acquireTry(Object lock, boolean spin) {
        doAcquire(lock, spin, true);
    }

    /**
     * The fast path is what a lock on a known chain costs: the thread's state, one probe of the
     * thread's chain memo (this lock on top of this chain key gives this class, this new key and
     * this site), the usage bit, and the push. It is kept small so the JIT inlines it into the
     * woven spin_lock; everything else (a new class, a chain the thread has not seen, validation,
     * the depth report) is out of line.
     */
    private static void doAcquire(Object lock, boolean spin, boolean trylock) {
        if (lock == null) {
            return;
        }
        TaskState t = task();
        long prev = t.chainKey;
        int mi = TaskState.memoIndex(lock, prev);
        TaskState.Memo m = t.memo[mi];
        if (trylock || m.lock != lock || m.prev != prev) {
            m = lookupChain(t, lock, prev, mi, spin, trylock);
        } else {
            markUsage(t, m.cls);
        }
        t.held.next().set(lock, m.cls, m.site, trylock, spin, prev);
        t.held.push();
        int depth = t.held.size();
        t.chainKey = m.key;
        if (depth > maxDepth) {
            maxDepth = depth;
            if (depth >= MAX_LOCK_DEPTH) {
                maxLockDepth(t);
            }
        }
    }

    /** The class's usage bits; the shared class is written only when a bit is new (no cache-line ping-pong). */
    private static void markUsage(TaskState t, LockClass c) {
        if (t.irqsDisabled) {
            if (!c.acquiredIrqsOff) {
                c.acquiredIrqsOff = true;
            }
        } else if (!c.enabledIrqs) {
            c.enabledIrqs = true;
        }
    }

    /**
     * A memo miss (or a trylock, which is never validated): the lock's class (from the per-thread
     * class cache, else the shared map), the chain key, and the site from the shared chain cache,
     * validating the chain when it is new there too. A validated chain is memoized in entry
     * {@code mi}; anything else comes back in the thread's scratch entry. Throws in FAIL mode when
     * validation reports, before anything is pushed.
     */
    private static TaskState.Memo lookupChain(TaskState t, Object lock, long prev, int mi, boolean spin, boolean trylock) {
        int li = System.identityHashCode(lock) & (TaskState.LOCK_CACHE - 1);
        LockClass c;
        if (t.cachedLocks[li] == lock) {
            c = t.cachedClasses[li];
        } else {
            c = LockGraph.classOf(lock);
            t.cachedLocks[li] = lock;
            t.cachedClasses[li] = c;
        }
        markUsage(t, c); // before validation: a report prints this class's usage
        long key = LockGraph.iterateChainKey(prev, c.id);
        Object site = trylock ? null : LockGraph.chainSite(key);
        boolean validated = site != null;
        if (site == null) {
            site = Frames.lazySite(lock.getClass());
            if (!trylock && debugLocks.get()) {
                HeldLock h = t.held.next().set(lock, c, site, false, spin, prev);
                LockdepReport bug = LockGraph.validate(t, h);
                if (bug == null || config.mode() == LockdepConfig.Mode.WARN) {
                    LockGraph.addChain(key, site, t.held, c);
                    validated = true;
                }
                if (bug != null) {
                    Reports.lockdepBug(bug); // throws in FAIL mode, before the lock is pushed
                }
            }
        }
        return (validated ? t.memo[mi] : t.scratch).set(lock, prev, c, key, site);
    }

    /**
     * The port's {@code debug_locks_off()} (an oops calls it through {@code oops_enter}): nothing
     * about the kernel's lock state can be trusted any more, so lockdep stops, silently, as the
     * kernel's does. {@link #reset()} turns it on again.
     */
    public static void debugLocksOff() {
        debugLocks.set(false);
    }

    /** The stack has reached MAX_LOCK_DEPTH: lockdep turns itself off with the kernel's message. */
    private static void maxLockDepth(TaskState t) {
        if (!debugLocks.compareAndSet(true, false)) {
            return;
        }
        LockdepReport r = Reports.maxLockDepth(t);
        try {
            Reports.emit(r);
        } catch (LockdepError e) {
            pop(t, t.held.size() - 1);
            throw e;
        }
    }

    /** release of spin_unlock / mutex_unlock. */
    public static void release(Object lock) {
        if (lock == null) {
            return;
        }
        TaskState t = task();
        for (int i = t.held.size() - 1; i >= 0; i--) {
            if (t.held.get(i).instance == lock) {
                pop(t, i);
                return;
            }
        }
        if (!debugLocks.get()) {
            return;
        }
        Reports.lockdepBug(Reports.badUnlock(t, lock));
    }

    /** Removes entry i and recomputes the chain keys of the entries above it. */
    private static void pop(TaskState t, int i) {
        HeldLock h = t.held.remove(i);
        long key = h.prevChainKey;
        for (int j = i; j < t.held.size(); j++) {
            HeldLock above = t.held.get(j);
            above.prevChainKey = key;
            key = LockGraph.iterateChainKey(key, above.cls.id);
        }
        t.chainKey = key;
    }

    // ------------------------------------------------------------------ assert_held, might_sleep, irqs

    /** lockdep_assert_held: a WARN (every time) unless this thread holds this very instance. */
    public static void assertHeld(Object lock) {
        if (lock == null || !debugLocks.get()) {
            return;
        }
        TaskState t = task();
        for (HeldLock h : t.held) {
            if (h.instance == lock) {
                return;
            }
        }
        Reports.emit(Reports.assertHeldWarning(t, lock, Frames.caller(null).orElse(null)));
    }

    /**
     * __might_sleep(file, line, preemptOffset). The thread's preempt count is the number of
     * spinlocks it holds; a report is printed when that differs from preemptOffset or irqs are off.
     * Not rate limited (see the class comment).
     */
    public static void mightSleep(String file, int line, int preemptOffset) {
        TaskState t = task();
        int spinCount = t.held.spinCount();
        if (spinCount == preemptOffset && !t.irqsDisabled) {
            return;
        }
        Reports.emit(Reports.mightSleep(t, file, line, preemptOffset, spinCount));
    }

    /** local_irq_disable of the current thread. */
    public static void irqsOff() {
        TaskState t = task();
        if (!t.irqsDisabled) {
            t.irqsDisabled = true;
            t.hardirqDisableEvent = ++t.irqEvents;
            t.hardirqDisableSite = null; // a stack walk per irq toggle is too dear; the event number stays
        }
    }

    /** local_irq_enable of the current thread. */
    public static void irqsOn() {
        TaskState t = task();
        if (t.irqsDisabled) {
            t.irqsDisabled = false;
            t.hardirqEnableEvent = ++t.irqEvents;
            t.hardirqEnableSite = null;
        }
    }

    /** do_exit's debug_check_no_locks_held: report I if the thread still holds locks; then forget it. */
    public static void threadExit() {
        TaskState t = task();
        try {
            if (t.held.isEmpty() || !debugLocks.get()) {
                return;
            }
            Reports.lockdepBug(Reports.stillHeldAtExit(t));
        } finally {
            TASK.remove();
            int slot = (int) t.thread.getId() & (TASKS.length - 1);
            if (TASKS[slot] == t) {
                TASKS[slot] = null;
            }
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
     * lockdep_sys_exit: the thread is leaving an ioctl (returning to user space). Holding any
     * lock now is report J, which has no stack backtrace.
     */
    public static void returnToUser() {
        TaskState t = task();
        if (t.held.isEmpty() || !debugLocks.get()) {
            return;
        }
        Reports.lockdepBug(Reports.heldReturningToUser(t));
    }

    /** Names of the lock classes the current thread holds, outermost first (for tracing). */
    public static List<String> heldClassNames() {
        TaskState t = task();
        List<String> out = new ArrayList<>(t.held.size());
        for (HeldLock h : t.held) {
            out.add(h.cls.name);
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
