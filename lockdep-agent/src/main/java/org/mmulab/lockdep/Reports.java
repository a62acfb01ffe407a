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
            if (!Lockdep.debugLocks.compareAndSet(true, false)) {
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
        if (print) {
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

    // ------------------------------------------------------------------ the reports

    /** print_deadlock_bug: a class taken again while held. */
    static LockdepReport recursive(TaskState t, HeldLock prev, HeldLock next) {
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

    /** print_circular_bug: path = next(root) ... prev(target), the BFS's shortest path. Caller holds the graph lock. */
    static LockdepReport circular(TaskState t, HeldLock prev, HeldLock next, List<LockClass> path, List<String> current) {
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

    /** print_unlock_imbalance_bug: {@code lock} is released but not held. */
    static LockdepReport badUnlock(TaskState t, Object lock) {
        StringBuilder sb = new StringBuilder();
        header(sb, "[ BUG: bad unlock balance detected! ]", 37, 37);
        sb.append(t.commPid()).append(" is trying to release lock (").append(LockNames.name(lock)).append(") at:\n");
        sb.append(Frames.site(lock.getClass())).append('\n');
        sb.append("but there are no more locks to release!\n");
        sb.append("\nother info that might help us debug this:\n");
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
        return report(ReportKind.BAD_UNLOCK_BALANCE, t, "[ BUG: bad unlock balance detected! ]", sb.toString());
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
                .append(", irqs_disabled(): ").append(t.irqsDisabled ? 1 : 0)
                .append(", pid: ").append(t.pid).append(", name: ").append(t.comm).append('\n');
        if (!Lockdep.debugLocks.get()) {
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
        return report(ReportKind.SLEEP_IN_ATOMIC, t, "BUG: sleeping function called from invalid context at " + file + ":" + line,
                sb.toString());
    }

    /** Report I: a thread ends with locks held. */
    static LockdepReport stillHeldAtExit(TaskState t) {
        StringBuilder sb = new StringBuilder();
        String title = "[ BUG: " + t.commPid() + " still has locks held! ]";
        header(sb, title, 37, 37);
        printHeldLocks(sb, t);
        sb.append("\nstack backtrace:\n");
        dumpStack(sb, t);
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
}
