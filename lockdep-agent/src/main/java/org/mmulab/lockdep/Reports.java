// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The texts lockdep prints, shaped like v3.16's (print_circular_bug, print_deadlock_bug,
 * print_unlock_imbalance_bug, the WARN splat, ___might_sleep, print_lockdep_off, ...), and how a
 * report goes out: printed atomically, counted, and thrown in FAIL mode. {@link Lockdep} decides
 * when a report is due; this class only builds and emits it.
 */
final class Reports {
    private Reports() {}

    static final String RELEASE = "3.16.0-mmulab";
    static final String VERSION = "#1";
    /** The oops id printed by "---[ end trace ... ]---": fixed (the kernel picks one per boot). */
    static final String OOPS_ID = String.format("%016x", 0x6d6d756c6162L);

    private static volatile boolean taintWarn;
    private static final AtomicInteger reports = new AtomicInteger();
    private static final List<Consumer<LockdepReport>> LISTENERS = new CopyOnWriteArrayList<>();
    /**
     * {@code repeats=fold}: per fold key, in order of first report, the first report's kind and
     * title and how many identical ones were counted and not printed since. Guarded by itself.
     */
    private static final Map<String, Fold> FOLDED = new LinkedHashMap<>();

    private static final class Fold {
        final LockdepReport first;
        int more;

        Fold(LockdepReport first) {
            this.first = first;
        }
    }

    /** Forgets the taint, the report count and the folded repeats (part of {@link Lockdep#reset()}). */
    static void reset() {
        reports.set(0);
        taintWarn = false;
        synchronized (FOLDED) {
            FOLDED.clear();
        }
    }

    static void addListener(Consumer<LockdepReport> l) {
        LISTENERS.add(l);
    }

    static void removeListener(Consumer<LockdepReport> l) {
        LISTENERS.remove(l);
    }

    /**
     * The summary of {@code repeats=fold}: one line per report that came again after it was
     * printed, {@code [the same WARN N more times] TITLE}; empty when nothing was folded. The
     * counts start again from zero after this, so a summary never repeats an earlier one.
     */
    static String takeRepeatSummary() {
        StringBuilder sb = new StringBuilder();
        synchronized (FOLDED) {
            for (Fold f : FOLDED.values()) {
                if (f.more > 0) {
                    sb.append("[the same ").append(f.first.kind().repeatLabel()).append(' ').append(f.more)
                            .append(f.more == 1 ? " more time] " : " more times] ").append(f.first.title()).append('\n');
                    f.more = 0;
                }
            }
        }
        return sb.toString();
    }

    /**
     * What makes two reports "the same" for {@code repeats=fold}: the kind and the text without
     * what only says who and when (the task's COMM/PID, the CPU line of the backtrace, the pid of
     * might_sleep's line, the taint), so the same WARN from the same call path folds whichever
     * thread hits it, and before and after the first WARN tainted the kernel.
     */
    static String foldKey(ReportKind kind, TaskState t, String text) {
        String k = text.replace(t.commPid(), "COMM/PID")
                .replaceAll("(?m)^CPU: \\d+ PID: \\d+ Comm: .*$", "CPU")
                .replaceAll("WARNING: CPU: \\d+ PID: \\d+ at ", "WARNING: at ")
                .replaceAll("(?m), pid: \\d+, name: .*$", "")
                .replace(" Not tainted", "").replace(" Tainted: G        W", "");
        return kind + "\n" + k;
    }

    private static LockdepReport report(ReportKind kind, TaskState t, String title, String text) {
        return new LockdepReport(kind, title, text, foldKey(kind, t, text));
    }

    /** Number of reports since the last reset (lockdep, WARN and might_sleep; printed or folded). */
    static int count() {
        return reports.get();
    }

    // ------------------------------------------------------------------ emitting

    /** A lockdep report: obeys debug_locks (ONCE turns it off), then {@link #emit}. */
    static void lockdepBug(LockdepReport r) {
        if (Lockdep.config().mode() == LockdepConfig.Mode.ONCE) {
            if (!Lockdep.debug_locks_off()) {
                return;
            }
        } else if (!Lockdep.debugLocks.get()) {
            return;
        }
        emit(r);
    }

    /**
     * Prints the report atomically (unless {@code repeats=fold} has printed the same one before:
     * then it is only counted), counts it, hands it to the listeners, and throws in FAIL mode.
     */
    static void emit(LockdepReport r) {
        LockdepConfig c = Lockdep.config();
        boolean print = true;
        if (c.repeats() == LockdepConfig.Repeats.FOLD) {
            synchronized (FOLDED) {
                Fold f = FOLDED.get(r.key);
                if (f == null) {
                    FOLDED.put(r.key, new Fold(r));
                } else {
                    f.more++;
                    print = false;
                }
            }
        }
        if (print && !Lockdep.silent) {
            synchronized (c.out()) {
                c.out().print(r.text());
                c.out().flush();
            }
        }
        reports.incrementAndGet();
        for (Consumer<LockdepReport> l : LISTENERS) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                // a listener's bug must not become the watched program's
            }
        }
        if (c.mode() == LockdepConfig.Mode.FAIL) {
            throw new LockdepError(r);
        }
    }

    // ------------------------------------------------------------------ the parts of a report

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

    /** print_lock_name (kernel/locking/lockdep.c 527-536): " (name){usage}". */
    private static String lockName(LockClass c) {
        return " (" + c.name + ")" + c.usage();
    }

    /** print_lock (kernel/locking/lockdep.c 550-555): the lock with its usage and the acquisition site. */
    private static void printLock(StringBuilder sb, HeldLock h) {
        String name = h.cls != null ? lockName(h.cls) : " (" + LockNames.name(h.lock) + "){......}";
        sb.append(name).append(", at: ").append(h.site).append('\n');
    }

    /** lockdep_print_held_locks (kernel/locking/lockdep.c 557-572). */
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

    // ------------------------------------------------------------------ the reports

    /** print_deadlock_bug (kernel/locking/lockdep.c 1696-1730, with print_deadlock_scenario): a class taken again while held. */
    static LockdepReport print_deadlock_bug(TaskState t, HeldLock prev, HeldLock next) {
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
        return report(ReportKind.RECURSIVE_LOCKING, t, title, sb.toString());
    }

    /**
     * print_circular_bug (kernel/locking/lockdep.c 1178-1216, with print_circular_bug_header,
     * print_circular_bug_entry and print_circular_lock_scenario 1078-1171): path = next(root) ...
     * prev(target), the BFS's shortest path. Caller holds the graph lock.
     */
    static LockdepReport print_circular_bug(TaskState t, List<LockClass> path, HeldLock next, HeldLock prev, List<String> current) {
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
        return report(ReportKind.CIRCULAR_DEPENDENCY, t, title, sb.toString());
    }

    /**
     * The stack has reached MAX_LOCK_DEPTH (v3.16 kernel/locking/lockdep.c __lock_acquire
     * 3192-3203: print_lockdep_off (383-388), the depth, the held locks, debug_show_all_locks
     * (which finds debug_locks already off, 4124-4127), then the stack).
     */
    static LockdepReport maxLockDepth(TaskState t) {
        StringBuilder sb = new StringBuilder();
        sb.append("BUG: MAX_LOCK_DEPTH too low!\n");
        sb.append("turning off the locking correctness validator.\n");
        sb.append("Please attach the output of /proc/lock_stat to the bug report\n");
        sb.append("depth: ").append(t.held.size()).append("  max: ").append(Lockdep.MAX_LOCK_DEPTH).append("!\n");
        printHeldLocks(sb, t);
        sb.append("INFO: lockdep is turned off.\n");
        dumpStack(sb, t);
        return report(ReportKind.MAX_LOCK_DEPTH, t, "BUG: MAX_LOCK_DEPTH too low!", sb.toString());
    }

    /** print_unlock_imbalance_bug (kernel/locking/lockdep.c 3211-3241): {@code lock} is released but not held. */
    static LockdepReport print_unlock_imbalance_bug(TaskState t, Object lock) {
        StringBuilder sb = new StringBuilder();
        header(sb, "[ BUG: bad unlock balance detected! ]", 37, 37);
        sb.append(t.commPid()).append(" is trying to release lock (").append(LockNames.name(lock)).append(") at:\n");
        sb.append(Frames.site(LockNames.siteClass(lock))).append('\n');
        sb.append("but there are no more locks to release!\n");
        sb.append("\nother info that might help us debug this:\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.BAD_UNLOCK_BALANCE, t, "[ BUG: bad unlock balance detected! ]", sb.toString());
    }

    /**
     * print_freed_lock_bug (kernel/locking/lockdep.c 4033-4051): {@code mem} is re-initialised (the
     * port frees no memory; its lock initialisers are what call the check) while {@code h} is held
     * in it. The kernel prints the address range; here the object's name stands for it.
     */
    static LockdepReport print_freed_lock_bug(TaskState t, Object mem, HeldLock h) {
        StringBuilder sb = new StringBuilder();
        header(sb, "[ BUG: held lock freed! ]", 25, 25);
        sb.append(t.commPid()).append(" is freeing memory ").append(LockNames.name(mem))
                .append(", with a lock still held there!\n");
        printLock(sb, h);
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.HELD_LOCK_FREED, t, "[ BUG: held lock freed! ]", sb.toString());
    }

    /** print_lock_contention_bug (kernel/locking/lockdep.c 3656-3683), report K: {@code lock} contended but not held. */
    static LockdepReport print_lock_contention_bug(TaskState t, Object lock) {
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: bad contention detected! ]";
        header(sb, title, 33, 33);
        sb.append(t.commPid()).append(" is trying to contend lock (").append(LockNames.name(lock)).append(") at:\n");
        sb.append(Frames.site(lock.getClass())).append('\n');
        sb.append("but there are no locks held!\n");
        sb.append("\nother info that might help us debug this:\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.BAD_CONTENTION, t, title, sb.toString());
    }

    /** The WARN splat of a failed lockdep_assert_held; taints the kernel after it is built. */
    static LockdepReport assertHeldWarning(TaskState t, Object lock, StackWalker.StackFrame f) {
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
        return report(ReportKind.ASSERT_HELD, t, "WARNING: lockdep_assert_held(" + LockNames.name(lock) + ") failed at " + where,
                sb.toString());
    }

    /** ___might_sleep's report: {@code spinCount} spinlocks held where {@code preemptOffset} were allowed. */
    static LockdepReport mightSleep(TaskState t, String file, int line, int preemptOffset, int spinCount) {
        StringBuilder sb = new StringBuilder();
        sb.append("BUG: sleeping function called from invalid context at ").append(file).append(':').append(line).append('\n');
        sb.append("in_atomic(): ").append(spinCount != 0 ? 1 : 0)
                .append(", irqs_disabled(): ").append(t.irqsDisabled() ? 1 : 0)
                .append(", pid: ").append(t.pid).append(", name: ").append(t.comm).append('\n');
        if (!Lockdep.debugLocks.get()) {
            sb.append("INFO: lockdep is turned off.\n");
        } else {
            printHeldLocks(sb, t);
        }
        if (t.irqsDisabled()) {
            print_irqtrace_events(sb, t);
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
        return report(ReportKind.SLEEP_IN_ATOMIC, t, "BUG: sleeping function called from invalid context at " + file + ":" + line,
                sb.toString());
    }

    /**
     * print_held_locks_bug (kernel/locking/lockdep.c 4092-4108), report I: a thread ends with locks
     * held. {@code inThread}: the exiting thread reports itself (its stack follows); else the
     * reaper reports a thread that has already ended, and the backtrace says so.
     */
    static LockdepReport print_held_locks_bug(TaskState t, boolean inThread) {
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: " + t.commPid() + " still has locks held! ]";
        header(sb, title, 37, 37);
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        if (inThread) {
            dumpStack(sb, t);
        } else {
            sb.append("CPU: ").append(t.cpu).append(" PID: ").append(t.pid).append(" Comm: ").append(t.comm)
                    .append(' ').append(tainted()).append(' ').append(RELEASE).append(' ').append(VERSION).append('\n');
            sb.append("Call Trace:\n");
            sb.append(" (the thread has ended; found by the lockdep reaper)\n");
        }
        return report(ReportKind.LOCKS_HELD_AT_EXIT, t, title, sb.toString());
    }

    /** Report J: a lock held when returning to user space (no stack backtrace). */
    static LockdepReport heldReturningToUser(TaskState t) {
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: lock held when returning to user space! ]";
        header(sb, title, 48, 48);
        sb.append(t.commPid()).append(" is leaving the kernel with locks still held!\n");
        printHeldLocks(sb, t);
        return report(ReportKind.HELD_RETURNING_TO_USER, t, title, sb.toString());
    }

    // ------------------------------------------------------------------ irq-state reports

    /** "[HC%u[%lu]:SC%u[%lu]:HE%u:SE%u]": irq contexts and counts, irqs enabled. */
    private static String irqFlags(TaskState t) {
        int hc = t.hardirq_context > 0 ? 1 : 0;
        int sc = t.softirq_context > 0 ? 1 : 0;
        // softirq_count() >> SOFTIRQ_SHIFT: 1 while serving softirqs, 2 more for a local_bh_disable outside them
        int scount = t.softirq_context + (!t.softirqs_enabled && t.softirq_context == 0 ? 2 : 0);
        return "[HC" + hc + "[" + t.hardirq_context + "]:SC" + sc + "[" + scount + "]:HE" + (t.hardirqs_enabled ? 1 : 0)
                + ":SE" + (t.softirqs_enabled ? 1 : 0) + "]";
    }

    private static String ipSym(Object site, int event) {
        if (site != null) {
            return site.toString();
        }
        return event == 0 ? "(null)" : "(site not recorded)";
    }

    /** print_irqtrace_events (kernel/locking/lockdep.c 2388-2399). */
    static void print_irqtrace_events(StringBuilder sb, TaskState t) {
        sb.append("irq event stamp: ").append(t.irq_events).append('\n');
        sb.append("hardirqs last  enabled at (").append(t.hardirq_enable_event).append("): ")
                .append(ipSym(t.hardirq_enable_ip, t.hardirq_enable_event)).append('\n');
        sb.append("hardirqs last disabled at (").append(t.hardirq_disable_event).append("): ")
                .append(ipSym(t.hardirq_disable_ip, t.hardirq_disable_event)).append('\n');
        sb.append("softirqs last  enabled at (").append(t.softirq_enable_event).append("): ")
                .append(ipSym(t.softirq_enable_ip, t.softirq_enable_event)).append('\n');
        sb.append("softirqs last disabled at (").append(t.softirq_disable_event).append("): ")
                .append(ipSym(t.softirq_disable_ip, t.softirq_disable_event)).append('\n');
    }

    @SuppressWarnings("unchecked")
    private static List<String> usageTrace(LockClass c, int bit) {
        Object tr = c.usage_traces[bit];
        return tr == null ? List.of() : (List<String>) tr;
    }

    /**
     * print_usage_bug (kernel/locking/lockdep.c 2220-2260, with print_usage_bug_scenario
     * 2202-2218), report D: the class of {@code thisLock} gets {@code newBit} while it has
     * {@code prevBit}.
     */
    static LockdepReport print_usage_bug(TaskState t, HeldLock thisLock, int prevBit, int newBit) {
        StringBuilder sb = new StringBuilder();
        String title = "[ INFO: inconsistent lock state ]";
        header(sb, title, 33, 33);
        sb.append("inconsistent {").append(LockClass.USAGE_STR[prevBit]).append("} -> {").append(LockClass.USAGE_STR[newBit])
                .append("} usage.\n");
        sb.append(t.commPid()).append(' ').append(irqFlags(t)).append(" takes:\n");
        printLock(sb, thisLock);
        sb.append('{').append(LockClass.USAGE_STR[prevBit]).append("} state was registered at:\n");
        printStack(sb, usageTrace(thisLock.cls, prevBit), 1);
        print_irqtrace_events(sb, t);
        sb.append("\nother info that might help us debug this:\n");
        String name = thisLock.cls.name;
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0\n");
        sb.append("       ----\n");
        sb.append("  lock(").append(name).append(");\n");
        sb.append("  <Interrupt>\n");
        sb.append("    lock(").append(name).append(");\n");
        sb.append("\n *** DEADLOCK ***\n\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.INCONSISTENT_LOCK_STATE, t,
                "inconsistent {" + LockClass.USAGE_STR[prevBit] + "} -> {" + LockClass.USAGE_STR[newBit] + "} usage.", sb.toString());
    }

    /** print_irq_lock_scenario (kernel/locking/lockdep.c 1422-1476). */
    private static void print_irq_lock_scenario(StringBuilder sb, LockClass safeClass, LockClass unsafeClass, LockClass prevClass,
            LockClass nextClass) {
        LockClass middleClass = prevClass;
        if (middleClass == safeClass) {
            middleClass = nextClass;
        }
        if (middleClass != unsafeClass) {
            sb.append("Chain exists of:\n  ").append(safeClass.name).append(" --> ").append(middleClass.name).append(" --> ")
                    .append(unsafeClass.name).append("\n\n");
        }
        String col = " ".repeat(31);
        sb.append(" Possible interrupt unsafe locking scenario:\n\n");
        sb.append("       CPU0                    CPU1\n");
        sb.append("       ----                    ----\n");
        sb.append("  lock(").append(unsafeClass.name).append(");\n");
        sb.append(col).append("local_irq_disable();\n");
        sb.append(col).append("lock(").append(safeClass.name).append(");\n");
        sb.append(col).append("lock(").append(middleClass.name).append(");\n");
        sb.append("  <Interrupt>\n");
        sb.append("    lock(").append(safeClass.name).append(");\n");
        sb.append("\n *** DEADLOCK ***\n\n");
    }

    /** print_lock_class_header (kernel/locking/lockdep.c 1367-1392). */
    private static void print_lock_class_header(StringBuilder sb, LockClass c, int depth) {
        String ind = " ".repeat(depth);
        sb.append(ind).append("->").append(lockName(c)).append(" ops: ").append(c.ops).append(" {\n");
        for (int bit = 0; bit < LockClass.LOCK_USAGE_STATES; bit++) {
            if ((c.usage_mask & (1 << bit)) != 0) {
                String head = ind + "   " + LockClass.USAGE_STR[bit];
                sb.append(head).append(" at:\n");
                // len = depth + the characters of the two printks before it, as the kernel counts
                printStack(sb, usageTrace(c, bit), depth + head.length() + " at:\n".length());
            }
        }
        sb.append(ind).append(" }\n");
        sb.append(ind).append(" ... key      at: ").append(keyName(c)).append('\n');
    }

    private static String keyName(LockClass c) {
        Object k = c.key;
        return k instanceof String || k instanceof Class ? String.valueOf(k)
                : k.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(k));
    }

    /**
     * print_shortest_lock_dependencies (kernel/locking/lockdep.c 1394-1420): {@code path} is the
     * BFS's root ... leaf; printed from the leaf back to the root, each with its depth; an entry's
     * "acquired at" is the stack of the dependency that reached it, the root's is {@code current}.
     */
    private static void print_shortest_lock_dependencies(StringBuilder sb, List<LockClass> path, boolean forward,
            List<String> current) {
        for (int depth = path.size() - 1; depth >= 0; depth--) {
            LockClass c = path.get(depth);
            print_lock_class_header(sb, c, depth);
            sb.append(" ".repeat(depth)).append(" ... acquired at:\n");
            List<String> trace = depth == 0 ? current : LockGraph.edge(path.get(depth - 1), c, forward).stack;
            printStack(sb, trace, 2);
            sb.append('\n');
        }
    }

    /**
     * print_bad_irq_dependency (kernel/locking/lockdep.c 1478-1551), report C: {@code back} is the
     * backwards BFS from prev to a class with {@code bit1} (irq-safe), {@code fwd} the forwards BFS
     * from next to a class with {@code bit2} (irq-unsafe).
     */
    static LockdepReport print_bad_irq_dependency(TaskState t, List<LockClass> back, List<LockClass> fwd, HeldLock prev,
            HeldLock next, int bit1, int bit2, String irqclass, List<String> current) {
        LockClass backwardsEntry = back.get(back.size() - 1);
        LockClass forwardsEntry = fwd.get(fwd.size() - 1);
        StringBuilder sb = new StringBuilder();
        String title = "[ INFO: " + irqclass + "-safe -> " + irqclass + "-unsafe lock order detected ]";
        header(sb, title, 54, 54);
        sb.append(t.commPid()).append(' ').append(irqFlags(t)).append(" is trying to acquire:\n");
        printLock(sb, next);
        sb.append("\nand this task is already holding:\n");
        printLock(sb, prev);
        sb.append("which would create a new lock dependency:\n");
        sb.append(lockName(prev.cls)).append(" ->").append(lockName(next.cls)).append('\n');
        sb.append("\nbut this new dependency connects a ").append(irqclass).append("-irq-safe lock:\n");
        sb.append(lockName(backwardsEntry));
        sb.append("\n... which became ").append(irqclass).append("-irq-safe at:\n");
        printStack(sb, usageTrace(backwardsEntry, bit1), 1);
        sb.append("\nto a ").append(irqclass).append("-irq-unsafe lock:\n");
        sb.append(lockName(forwardsEntry));
        sb.append("\n... which became ").append(irqclass).append("-irq-unsafe at:\n");
        sb.append("...");
        printStack(sb, usageTrace(forwardsEntry, bit2), 1);
        sb.append("\nother info that might help us debug this:\n\n");
        print_irq_lock_scenario(sb, backwardsEntry, forwardsEntry, prev.cls, next.cls);
        printHeldLocks(sb, t);
        sb.append("\nthe dependencies between ").append(irqclass).append("-irq-safe lock");
        sb.append(" and the holding lock:\n");
        print_shortest_lock_dependencies(sb, back, false, current);
        sb.append("\nthe dependencies between the lock to be acquired");
        sb.append(" and ").append(irqclass).append("-irq-unsafe lock:\n");
        print_shortest_lock_dependencies(sb, fwd, true, current);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.IRQ_SAFE_TO_UNSAFE, t, title, sb.toString());
    }

    /**
     * print_irq_inversion_bug (kernel/locking/lockdep.c 2279-2338), report E: {@code path} is the
     * BFS from the class of {@code thisLock} (the root) to the other class.
     */
    static LockdepReport print_irq_inversion_bug(TaskState t, List<LockClass> path, HeldLock thisLock, boolean forwards,
            String irqclass, List<String> current) {
        LockClass root = path.get(0);
        LockClass other = path.get(path.size() - 1);
        LockClass middle = path.size() > 1 ? path.get(1) : root;
        StringBuilder sb = new StringBuilder();
        String title = "[ INFO: possible irq lock inversion dependency detected ]";
        header(sb, title, 57, 57);
        sb.append(t.commPid()).append(" just changed the state of lock:\n");
        printLock(sb, thisLock);
        if (forwards) {
            sb.append("but this lock took another, ").append(irqclass).append("-unsafe lock in the past:\n");
        } else {
            sb.append("but this lock was taken by another, ").append(irqclass).append("-safe lock in the past:\n");
        }
        sb.append(lockName(other));
        sb.append("\n\nand interrupts could create inverse lock ordering between them.\n\n");
        sb.append("\nother info that might help us debug this:\n");
        if (forwards) {
            print_irq_lock_scenario(sb, root, other, middle, other);
        } else {
            print_irq_lock_scenario(sb, other, root, middle, root);
        }
        printHeldLocks(sb, t);
        sb.append("\nthe shortest dependencies between 2nd lock and 1st lock:\n");
        print_shortest_lock_dependencies(sb, path, forwards, current);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.IRQ_LOCK_INVERSION, t, title, sb.toString());
    }

    // ------------------------------------------------------------------ nesting, subclasses, capacity

    /** print_lock_nested_lock_not_held (kernel/locking/lockdep.c 3005-3037), report G: it dumps the stack twice, as 3.16 does. */
    static LockdepReport print_lock_nested_lock_not_held(TaskState t, HeldLock hlock) {
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: Nested lock was not taken ]";
        header(sb, title, 34, 34);
        sb.append(t.commPid()).append(" is trying to lock:\n");
        printLock(sb, hlock);
        sb.append("\nbut this task is not holding:\n");
        sb.append(LockNames.name(hlock.nest_lock)).append('\n');
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        sb.append("\nother info that might help us debug this:\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.NESTED_LOCK_NOT_TAKEN, t, title, sb.toString());
    }

    /** look_up_lock_class's subclass check (kernel/locking/lockdep.c 670-678). */
    static LockdepReport print_invalid_subclass(TaskState t, int subclass) {
        StringBuilder sb = new StringBuilder();
        String title = "BUG: looking up invalid subclass: " + subclass;
        sb.append(title).append('\n');
        sb.append("turning off the locking correctness validator.\n");
        dumpStack(sb, t);
        return report(ReportKind.INVALID_SUBCLASS, t, title, sb.toString());
    }

    /** print_lockdep_off (kernel/locking/lockdep.c 383-388) and dump_stack: a capacity limit is reached. */
    static LockdepReport print_lockdep_off(TaskState t, String bugMsg, ReportKind kind) {
        StringBuilder sb = new StringBuilder();
        sb.append(bugMsg).append('\n');
        sb.append("turning off the locking correctness validator.\n");
        sb.append("Please attach the output of /proc/lock_stat to the bug report\n");
        dumpStack(sb, t);
        return report(kind, t, bugMsg, sb.toString());
    }
}
