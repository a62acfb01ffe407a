// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime core of mmulab's lockdep emulator: the Java counterpart of v3.16's
 * kernel/locking/lockdep.c (classes, per-task held-lock stacks, the dependency graph with BFS
 * cycle search, the chain cache) plus the {@code __might_sleep} check of kernel/sched/core.c and
 * the WARN splat that {@code lockdep_assert_held} produces. The woven advice of the lockdep agent
 * calls the static methods below; locks are passed as plain Objects and read by reflection.
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
    static final String RELEASE = "3.16.0-mmulab";
    static final String VERSION = "#1";
    /** The oops id printed by "---[ end trace ... ]---": fixed (the kernel picks one per boot). */
    static final String OOPS_ID = String.format("%016x", 0x6d6d756c6162L);

    private static volatile LockdepConfig config = LockdepConfig.defaults();
    /** The kernel's debug_locks. */
    private static final AtomicBoolean debugLocks = new AtomicBoolean(true);
    private static volatile boolean taintWarn;
    private static final AtomicInteger reports = new AtomicInteger();
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

    /** Graph lock: guards class creation, every LockClass.after map and the name versions. */
    private static final Object GRAPH = new Object();
    private static final ConcurrentHashMap<Object, LockClass> CLASSES = new ConcurrentHashMap<>();
    private static final Map<String, Integer> NAME_VERSIONS = new HashMap<>();
    private static int nextClassId;
    /** Chain cache: 64-bit keys of held-class sequences that have been validated. */
    /**
     * The chain cache: validated chain keys, each with the call site where the chain was first
     * validated. A lock taken on a known chain costs one lookup and borrows that site for its
     * "at:" (the kernel records each acquisition's own ip for free; a Java stack walk costs
     * microseconds, so it is paid only when a chain is new).
     */
    private static final Map<Long, Object> CHAINS = new ConcurrentHashMap<>();
    /** The classes of each validated chain, outermost first (for the /proc/lockdep_chains dump). */
    static final Map<Long, List<LockClass>> CHAIN_CLASSES = new ConcurrentHashMap<>();
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

    /** Number of reports printed since the last reset (lockdep, WARN and might_sleep). */
    public static int reportCount() {
        return reports.get();
    }

    /** Number of validated lock chains in the chain cache (for tests). */
    static int chainCount() {
        return CHAINS.size();
    }

    /** Whether lockdep checks are on (the kernel's debug_locks). */
    public static boolean enabled() {
        return debugLocks.get();
    }

    /**
     * Clears classes, the graph, the chain cache, every thread's held locks (lazily: a thread's
     * state from before the reset is dropped at its next call), PIDs, the taint and the report
     * count, and turns lockdep back on. The configuration is kept.
     */
    public static void reset() {
        synchronized (GRAPH) {
            generation++;
            CLASSES.clear();
            NAME_VERSIONS.clear();
            nextClassId = 0;
            CHAINS.clear();
            CHAIN_CLASSES.clear();
            maxDepth = 0;
            nextPid.set(0);
            reports.set(0);
            taintWarn = false;
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

    static LockClass classOf(Object lock) {
        Object key = LockNames.key(lock);
        LockClass c = CLASSES.get(key);
        if (c != null) {
            return c;
        }
        synchronized (GRAPH) {
            c = CLASSES.get(key);
            if (c == null) {
                String name = LockNames.name(lock);
                int version = NAME_VERSIONS.merge(name, 1, Integer::sum);
                c = new LockClass(++nextClassId, key, version > 1 ? name + "#" + version : name);
                CLASSES.put(key, c);
            }
            return c;
        }
    }

    /** The kernel's iterate_chain_key: rotate the key left by 13 bits and mix in the class id. */
    static long iterateChainKey(long key, int classId) {
        return (key << 13) ^ (key >>> 51) ^ classId;
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
            c = classOf(lock);
            t.cachedLocks[li] = lock;
            t.cachedClasses[li] = c;
        }
        markUsage(t, c); // before validation: a report prints this class's usage
        long key = iterateChainKey(prev, c.id);
        Object site = trylock ? null : CHAINS.get(key);
        boolean validated = site != null;
        if (site == null) {
            site = Frames.lazySite(lock.getClass());
            if (!trylock && debugLocks.get()) {
                HeldLock h = t.held.next().set(lock, c, site, false, spin, prev);
                Report bug = validate(t, h);
                if (bug == null || config.mode() == LockdepConfig.Mode.WARN) {
                    CHAINS.put(key, site);
                    List<LockClass> classes = new ArrayList<>(t.held.size() + 1);
                    for (HeldLock x : t.held) {
                        classes.add(x.cls);
                    }
                    classes.add(c);
                    CHAIN_CLASSES.put(key, classes);
                    validated = true;
                }
                if (bug != null) {
                    lockdepBug(bug); // throws in FAIL mode, before the lock is pushed
                }
            }
        }
        return (validated ? t.memo[mi] : t.scratch).set(lock, prev, c, key, site);
    }

    /**
     * The stack has reached MAX_LOCK_DEPTH: lockdep turns itself off with the kernel's message
     * (v3.16 kernel/locking/lockdep.c __lock_acquire 3192-3203: print_lockdep_off (383-388), the
     * depth, the held locks, debug_show_all_locks (which finds debug_locks already off, 4124-4127),
     * then the stack).
     */
    private static void maxLockDepth(TaskState t) {
        if (!debugLocks.compareAndSet(true, false)) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("BUG: MAX_LOCK_DEPTH too low!\n");
        sb.append("turning off the locking correctness validator.\n");
        sb.append("Please attach the output of /proc/lock_stat to the bug report\n");
        sb.append("depth: ").append(t.held.size()).append("  max: ").append(MAX_LOCK_DEPTH).append("!\n");
        printHeldLocks(sb, t);
        sb.append("INFO: lockdep is turned off.\n");
        dumpStack(sb, t);
        Report r = new Report("BUG: MAX_LOCK_DEPTH too low!", sb.toString());
        try {
            emit(r);
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
        StringBuilder sb = new StringBuilder();
        header(sb, "[ BUG: bad unlock balance detected! ]", 37, 37);
        sb.append(t.commPid()).append(" is trying to release lock (").append(LockNames.name(lock)).append(") at:\n");
        sb.append(Frames.site(lock.getClass())).append('\n');
        sb.append("but there are no more locks to release!\n");
        sb.append("\nother info that might help us debug this:\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        lockdepBug(new Report("[ BUG: bad unlock balance detected! ]", sb.toString()));
    }

    /** Removes entry i and recomputes the chain keys of the entries above it. */
    private static void pop(TaskState t, int i) {
        HeldLock h = t.held.remove(i);
        long key = h.prevChainKey;
        for (int j = i; j < t.held.size(); j++) {
            HeldLock above = t.held.get(j);
            above.prevChainKey = key;
            key = iterateChainKey(key, above.cls.id);
        }
        t.chainKey = key;
    }

    // ------------------------------------------------------------------ validation

    /** check_deadlock, then check_prevs_add with the BFS of check_noncircular. */
    private static Report validate(TaskState t, HeldLock next) {
        for (int i = t.held.size() - 1; i >= 0; i--) {
            HeldLock prev = t.held.get(i);
            if (prev.cls == next.cls) {
                return recursiveReport(t, prev, next);
            }
        }
        if (t.held.isEmpty()) {
            return null;
        }
        List<String> current = null;
        synchronized (GRAPH) {
            for (int i = t.held.size() - 1; i >= 0; i--) {
                HeldLock prev = t.held.get(i);
                List<LockClass> path = bfs(next.cls, prev.cls);
                if (path != null) {
                    if (current == null) {
                        current = Frames.stack();
                    }
                    return circularReport(t, prev, next, path, current);
                }
                if (!prev.cls.after.containsKey(next.cls)) {
                    if (current == null) {
                        current = Collections.unmodifiableList(Frames.stack());
                    }
                    prev.cls.after.put(next.cls, new LockClass.Edge(next.cls, current));
                }
                if (!prev.trylock) {
                    break;
                }
            }
        }
        return null;
    }

    /** Shortest path root -> ... -> target along "after" edges, or null. Caller holds GRAPH. */
    private static List<LockClass> bfs(LockClass root, LockClass target) {
        Map<LockClass, LockClass> parent = new HashMap<>();
        ArrayDeque<LockClass> queue = new ArrayDeque<>();
        parent.put(root, root);
        queue.add(root);
        while (!queue.isEmpty()) {
            LockClass c = queue.poll();
            if (c == target) {
                List<LockClass> path = new ArrayList<>();
                for (LockClass p = c; ; p = parent.get(p)) {
                    path.add(p);
                    if (p == root) {
                        break;
                    }
                }
                Collections.reverse(path);
                return path;
            }
            for (LockClass n : c.after.keySet()) {
                if (!parent.containsKey(n)) {
                    parent.put(n, c);
                    queue.add(n);
                }
            }
        }
        return null;
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
        StackWalker.StackFrame f = Frames.caller(null).orElse(null);
        String where;
        if (f == null) {
            where = "(unknown):0 (unknown)()";
        } else {
            String cls = f.getClassName();
            int dot = cls.lastIndexOf('.');
            String dir = dot < 0 ? "" : cls.substring(0, dot).replace('.', '/') + "/";
            String file = f.getFileName() == null ? "Unknown Source" : f.getFileName();
            where = dir + file + ":" + f.getLineNumber() + " " + cls + "." + f.getMethodName() + "()";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("------------[ cut here ]------------\n");
        sb.append("WARNING: CPU: ").append(t.cpu).append(" PID: ").append(t.pid).append(" at ").append(where).append('\n');
        sb.append("Modules linked in:\n");
        dumpStack(sb, t);
        sb.append("---[ end trace ").append(OOPS_ID).append(" ]---\n");
        taintWarn = true; // the kernel taints after printing, so this splat still says Not tainted
        emit(new Report("WARNING: lockdep_assert_held(" + LockNames.name(lock) + ") failed at " + where, sb.toString()));
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
        StringBuilder sb = new StringBuilder();
        sb.append("BUG: sleeping function called from invalid context at ").append(file).append(':').append(line).append('\n');
        sb.append("in_atomic(): ").append(spinCount != 0 ? 1 : 0)
                .append(", irqs_disabled(): ").append(t.irqsDisabled ? 1 : 0)
                .append(", pid: ").append(t.pid).append(", name: ").append(t.comm).append('\n');
        if (!debugLocks.get()) {
            sb.append("INFO: lockdep is turned off.\n");
        } else {
            printHeldLocks(sb, t);
        }
        if (t.irqsDisabled) {
            sb.append("irq event stamp: ").append(t.irqEvents).append('\n');
            sb.append("hardirqs last  enabled at (").append(t.hardirqEnableEvent).append("): ")
                    .append(t.hardirqEnableSite == null ? "(site not recorded)" : t.hardirqEnableSite).append('\n');
            sb.append("hardirqs last disabled at (").append(t.hardirqDisableEvent).append("): ")
                    .append(t.hardirqDisableSite == null ? "(site not recorded)" : t.hardirqDisableSite).append('\n');
            sb.append("softirqs last  enabled at (0): (null)\n");
            sb.append("softirqs last disabled at (0): (null)\n");
        }
        if (spinCount != preemptOffset) {
            String site = "(null)";
            for (HeldLock h : t.held) {
                if (h.spin) {
                    site = String.valueOf(h.site);
                    break;
                }
            }
            sb.append("Preemption disabled at:").append(site).append("\n\n");
        }
        dumpStack(sb, t);
        emit(new Report("BUG: sleeping function called from invalid context at " + file + ":" + line, sb.toString()));
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
            StringBuilder sb = new StringBuilder();
            String title = "[ BUG: " + t.commPid() + " still has locks held! ]";
            header(sb, title, 37, 37);
            printHeldLocks(sb, t);
            sb.append("\nstack backtrace:\n");
            dumpStack(sb, t);
            lockdepBug(new Report(title, sb.toString()));
        } finally {
            TASK.remove();
            int slot = (int) t.thread.getId() & (TASKS.length - 1);
            if (TASKS[slot] == t) {
                TASKS[slot] = null;
            }
        }
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
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: lock held when returning to user space! ]";
        header(sb, title, 48, 48);
        sb.append(t.commPid()).append(" is leaving the kernel with locks still held!\n");
        printHeldLocks(sb, t);
        lockdepBug(new Report(title, sb.toString()));
    }

    /** Every lock class so far, by id (for the /proc dumps). */
    static List<LockClass> classes() {
        synchronized (GRAPH) {
            List<LockClass> out = new ArrayList<>(CLASSES.values());
            out.sort(java.util.Comparator.comparingInt(x -> x.id));
            return out;
        }
    }

    /** The graph lock, for readers of LockClass.after. */
    static Object graphLock() {
        return GRAPH;
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
        printHeldLocks(sb, task());
        return sb.toString();
    }

    // ------------------------------------------------------------------ reports

    static final class Report {
        final String title;
        final String text;

        Report(String title, String text) {
            this.title = title;
            this.text = text;
        }
    }

    /** A lockdep report: obeys debug_locks (ONCE turns it off), then {@link #emit}. */
    private static void lockdepBug(Report r) {
        if (config.mode() == LockdepConfig.Mode.ONCE) {
            if (!debugLocks.compareAndSet(true, false)) {
                return;
            }
        } else if (!debugLocks.get()) {
            return;
        }
        emit(r);
    }

    /** Prints the report atomically, counts it, and throws in FAIL mode. */
    private static void emit(Report r) {
        LockdepConfig c = config;
        synchronized (c.out()) {
            c.out().print(r.text);
            c.out().flush();
        }
        reports.incrementAndGet();
        if (c.mode() == LockdepConfig.Mode.FAIL) {
            throw new LockdepError(r.title, r.text);
        }
    }

    private static String kernelIdent() {
        return RELEASE + " " + VERSION + " " + tainted();
    }

    private static String tainted() {
        return taintWarn ? "Tainted: G        W" : "Not tainted";
    }

    private static void header(StringBuilder sb, String title, int eq, int dash) {
        sb.append('\n');
        sb.append("=".repeat(eq)).append('\n');
        sb.append(title).append('\n');
        sb.append(kernelIdent()).append('\n');
        sb.append("-".repeat(dash)).append('\n');
    }

    private static String lockName(LockClass c) {
        return " (" + c.name + ")" + c.usage();
    }

    private static void printLock(StringBuilder sb, HeldLock h) {
        sb.append(lockName(h.cls)).append(", at: ").append(h.site).append('\n');
    }

    static void printHeldLocks(StringBuilder sb, TaskState t) {
        int n = t.held.size();
        if (n == 0) {
            sb.append("no locks held by ").append(t.commPid()).append(".\n");
            return;
        }
        sb.append(n).append(n > 1 ? " locks" : " lock").append(" held by ").append(t.commPid()).append(":\n");
        for (int i = 0; i < n; i++) {
            sb.append(" #").append(i).append(": ");
            printLock(sb, t.held.get(i));
        }
    }

    private static void dumpStack(StringBuilder sb, TaskState t) {
        sb.append("CPU: ").append(t.cpu).append(" PID: ").append(t.pid).append(" Comm: ").append(t.comm)
                .append(' ').append(tainted()).append(' ').append(RELEASE).append(' ').append(VERSION).append('\n');
        sb.append("Call Trace:\n");
        for (String f : Frames.stack()) {
            sb.append(' ').append(f).append('\n');
        }
    }

    private static void printStack(StringBuilder sb, List<String> frames, int spaces) {
        String indent = " ".repeat(spaces + 1);
        for (String f : frames) {
            sb.append(indent).append(f).append('\n');
        }
    }

    private static Report recursiveReport(TaskState t, HeldLock prev, HeldLock next) {
        StringBuilder sb = new StringBuilder();
        String title = "[ INFO: possible recursive locking detected ]";
        header(sb, title, 45, 45);
        sb.append(t.commPid()).append(" is trying to acquire lock:\n");
        printLock(sb, next);
        sb.append("\nbut task is already holding lock:\n");
        printLock(sb, prev);
        sb.append("\nother info that might help us debug this:\n");
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0\n");
        sb.append("       ----\n");
        sb.append("  lock(").append(prev.cls.name).append(");\n");
        sb.append("  lock(").append(next.cls.name).append(");\n");
        sb.append("\n *** DEADLOCK ***\n\n");
        sb.append(" May be due to missing lock nesting notation\n\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return new Report(title, sb.toString());
    }

    /** path = next(root) ... prev(target), the BFS's shortest path. Caller holds GRAPH. */
    private static Report circularReport(TaskState t, HeldLock prev, HeldLock next, List<LockClass> path,
            List<String> current) {
        StringBuilder sb = new StringBuilder();
        String title = "[ INFO: possible circular locking dependency detected ]";
        header(sb, title, 54, 55);
        sb.append(t.commPid()).append(" is trying to acquire lock:\n");
        printLock(sb, next);
        sb.append("\nbut task is already holding lock:\n");
        printLock(sb, prev);
        sb.append("\nwhich lock already depends on the new lock.\n\n");
        sb.append("\nthe existing dependency chain (in reverse order) is:\n");
        for (int depth = path.size() - 1; depth >= 0; depth--) {
            LockClass c = path.get(depth);
            sb.append("\n-> #").append(depth).append(lockName(c)).append(":\n");
            List<String> stack = depth == 0 ? current : path.get(depth - 1).after.get(c).stack;
            printStack(sb, stack, 6);
        }
        sb.append("\nother info that might help us debug this:\n\n");
        LockClass source = next.cls;
        LockClass target = prev.cls;
        LockClass parent = path.get(path.size() - 2);
        if (parent != source) {
            sb.append("Chain exists of:\n  ").append(source.name).append(" --> ").append(parent.name)
                    .append(" --> ").append(target.name).append("\n\n");
        }
        String col = " ".repeat(31);
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0                    CPU1\n");
        sb.append("       ----                    ----\n");
        sb.append("  lock(").append(target.name).append(");\n");
        sb.append(col).append("lock(").append(parent.name).append(");\n");
        sb.append(col).append("lock(").append(target.name).append(");\n");
        sb.append("  lock(").append(source.name).append(");\n");
        sb.append("\n *** DEADLOCK ***\n\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return new Report(title, sb.toString());
    }
}
