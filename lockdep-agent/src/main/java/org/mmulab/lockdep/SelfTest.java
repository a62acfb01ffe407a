// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A self-test matrix in the spirit of the kernel's lib/locking-selftest.c: each locking pattern
 * is run on the runtime, once with spinlocks and once with mutexes (for the read-lock rows: the
 * read side of rwlock_t, recursive, and of rw_semaphore, not recursive), and must give exactly the
 * report it should (or none); the interrupt rows are spinlock-only. Stand-in locks call the runtime
 * directly; the port of lib/locking-selftest.c over the port's own primitives is still to come.
 * Printed as an {@code ok}/{@code FAILED} table ({@code -} where a cell does not apply);
 * {@code java -cp lockdep-agent.jar org.mmulab.lockdep.SelfTest} exits 1 if any case failed.
 * It resets the runtime, so run it on its own.
 */
public final class SelfTest {
    private SelfTest() {}

    /** A stand-in lock with the port's shape (a dep_map with a name and key). */
    public static final class Lock {
        public static final class Map {
            public final String name;
            public final Object key;

            Map(String name) {
                this.name = name;
                this.key = name;
            }
        }

        public final Map dep_map;

        Lock(String name) {
            this.dep_map = new Map(name);
        }
    }

    /** One pattern: what it does with locks A..D, and the report title it must produce (null: none). */
    record Case(String name, String expectSpin, String expectMutex, Pattern body) {}

    @FunctionalInterface
    interface Pattern {
        void run(Lock[] l, boolean spin);
    }

    static final String CIRCULAR = "possible circular locking dependency detected";
    static final String RECURSIVE = "possible recursive locking detected";
    static final String UNLOCK = "bad unlock balance detected!";
    static final String SLEEP = "BUG: sleeping function called from invalid context";
    static final String INCONSISTENT = "[ INFO: inconsistent lock state ]";
    static final String SAFE_UNSAFE = "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected";
    static final String INVERSION = "possible irq lock inversion dependency detected";
    /** A cell that does not apply (a sleeping lock in interrupt context): printed "-", not counted. */
    static final String NA = "n/a";

    /** The read side: rwlock_t's read_lock is recursive (read 2), rw_semaphore's down_read is not (read 1). */
    static void readLock(Lock l, boolean spin) {
        Lockdep.lock_acquire(l, 0, 0, spin ? 2 : 1, 1, null);
    }

    /** {@code l} taken and released in a hardirq handler (interrupts off inside it). */
    static void inHardirq(Lock l) {
        Lockdep.trace_hardirqs_off();
        Lockdep.trace_hardirq_enter();
        Lockdep.acquire(l, true);
        Lockdep.release(l);
        Lockdep.trace_hardirq_exit();
        Lockdep.trace_hardirqs_on();
    }

    static void pair(Lock[] l, boolean spin, int a, int b) {
        Lockdep.acquire(l[a], spin);
        Lockdep.acquire(l[b], spin);
        Lockdep.release(l[b]);
        Lockdep.release(l[a]);
    }

    static final List<Case> CASES = List.of(
            new Case("AA", RECURSIVE, RECURSIVE, (l, s) -> {
                Lockdep.acquire(l[0], s);
                Lockdep.acquire(l[0], s);
            }),
            new Case("ABBA", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 1, 0);
            }),
            new Case("ABBCCA", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 1, 2);
                pair(l, s, 2, 0);
            }),
            new Case("ABCABC", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 2, 0);
                pair(l, s, 1, 2);
            }),
            new Case("ABBCCDDA", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 1, 2);
                pair(l, s, 2, 3);
                pair(l, s, 3, 0);
            }),
            new Case("ABCDBDDA", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 2, 3);
                pair(l, s, 1, 3);
                pair(l, s, 3, 0);
            }),
            new Case("ABCDBCDA", CIRCULAR, CIRCULAR, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 2, 3);
                pair(l, s, 1, 2);
                pair(l, s, 3, 0);
            }),
            new Case("AB then AB (consistent order)", null, null, (l, s) -> {
                pair(l, s, 0, 1);
                pair(l, s, 0, 1);
            }),
            new Case("double unlock", UNLOCK, UNLOCK, (l, s) -> {
                Lockdep.acquire(l[0], s);
                Lockdep.release(l[0]);
                Lockdep.release(l[0]);
            }),
            new Case("unlock of a lock not held", UNLOCK, UNLOCK, (l, s) -> Lockdep.release(l[1])),
            new Case("might_sleep under the lock", SLEEP, null, (l, s) -> {
                Lockdep.acquire(l[0], s);
                Lockdep.mightSleep("selftest", 1, 0);
                Lockdep.release(l[0]);
            }),
            new Case("cond_resched_lock under one lock", null, SLEEP, (l, s) -> {
                Lockdep.acquire(l[0], s);
                Lockdep.mightSleep("selftest", 2, 1); // PREEMPT_LOCK_OFFSET: exactly one spinlock allowed
                Lockdep.release(l[0]);
            }),
            new Case("cond_resched_lock under two locks", SLEEP, SLEEP, (l, s) -> {
                Lockdep.acquire(l[0], s);
                Lockdep.acquire(l[1], s);
                Lockdep.mightSleep("selftest", 3, 1);
                Lockdep.release(l[1]);
                Lockdep.release(l[0]);
            }),
            // read locks: the spin column is rwlock_t's read side, the mutex column rw_semaphore's
            new Case("read A, read A (rlock / rsem)", null, RECURSIVE, (l, s) -> {
                readLock(l[0], s);
                readLock(l[0], s);
            }),
            new Case("write A, read A (wlock / wsem)", RECURSIVE, RECURSIVE, (l, s) -> {
                Lockdep.acquire(l[0], s);
                readLock(l[0], s);
            }),
            new Case("read A -> B, then B -> read A", null, CIRCULAR, (l, s) -> {
                readLock(l[0], s);
                Lockdep.acquire(l[1], s);
                Lockdep.release(l[1]);
                Lockdep.lock_release(l[0], 1);
                Lockdep.acquire(l[1], s);
                readLock(l[0], s);
            }),
            // interrupt states: spinlocks only (a sleeping lock has no place in an interrupt)
            new Case("A in hardirq, A with irqs on", INCONSISTENT, NA, (l, s) -> {
                inHardirq(l[0]);
                Lockdep.acquire(l[0], true);
                Lockdep.release(l[0]);
            }),
            new Case("A in hardirq, A with irqs off", null, NA, (l, s) -> {
                inHardirq(l[0]);
                Lockdep.trace_hardirqs_off();
                Lockdep.acquire(l[0], true);
                Lockdep.release(l[0]);
                Lockdep.trace_hardirqs_on();
            }),
            new Case("A in softirq, A with bh on", INCONSISTENT, NA, (l, s) -> {
                Lockdep.trace_softirqs_off();
                Lockdep.lockdep_softirq_enter();
                Lockdep.acquire(l[0], true);
                Lockdep.release(l[0]);
                Lockdep.lockdep_softirq_exit();
                Lockdep.trace_softirqs_on();
                Lockdep.acquire(l[0], true);
                Lockdep.release(l[0]);
            }),
            new Case("A irq-safe, B irq-unsafe, A -> B", SAFE_UNSAFE, NA, (l, s) -> {
                inHardirq(l[0]);
                Lockdep.acquire(l[1], true);
                Lockdep.release(l[1]);
                Lockdep.trace_hardirqs_off();
                Lockdep.acquire(l[0], true);
                Lockdep.acquire(l[1], true);
                Lockdep.release(l[1]);
                Lockdep.release(l[0]);
                Lockdep.trace_hardirqs_on();
            }),
            new Case("A -> B, B irq-unsafe, A in hardirq", INVERSION, NA, (l, s) -> {
                Lockdep.acquire(l[1], true);
                Lockdep.release(l[1]);
                Lockdep.trace_hardirqs_off();
                Lockdep.acquire(l[0], true);
                Lockdep.acquire(l[1], true);
                Lockdep.release(l[1]);
                Lockdep.release(l[0]);
                Lockdep.trace_hardirqs_on();
                inHardirq(l[0]);
            }));

    /** Runs one case; returns null if it behaved, {@link #NA} for a cell that does not apply, else what went wrong. */
    static String runCase(Case c, boolean spin) {
        if (NA.equals(spin ? c.expectSpin() : c.expectMutex())) {
            return NA;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        Lockdep.reset();
        String tag = spin ? "spin" : "mutex";
        Lock[] l = {new Lock("&selftest->" + tag + "_A"), new Lock("&selftest->" + tag + "_B"),
            new Lock("&selftest->" + tag + "_C"), new Lock("&selftest->" + tag + "_D")};
        Thread t = new Thread(() -> c.body().run(l, spin), "selftest");
        t.start();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        String expect = spin ? c.expectSpin() : c.expectMutex();
        if (expect == null) {
            return Lockdep.reportCount() == 0 ? null : "unexpected report";
        }
        if (Lockdep.reportCount() != 1) {
            return Lockdep.reportCount() + " reports, expected 1";
        }
        return out.contains(expect) ? null : "wrong report";
    }

    /** The table, and how many cells failed. */
    public static String table(int[] failures) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-36s %-8s %-8s%n", "lockdep self-test", "spin", "mutex"));
        b.append("-".repeat(54)).append('\n');
        int failed = 0;
        int cells = 0;
        List<String> notes = new ArrayList<>();
        for (Case c : CASES) {
            String s = runCase(c, true);
            String m = runCase(c, false);
            for (String r : new String[] {s, m}) {
                if (!NA.equals(r)) {
                    cells++;
                    failed += r == null ? 0 : 1;
                }
            }
            b.append(String.format(Locale.ROOT, "%-36s %-8s %-8s%n", c.name(), cell(s), cell(m)));
            if (s != null && !NA.equals(s)) {
                notes.add(c.name() + " (spin): " + s);
            }
            if (m != null && !NA.equals(m)) {
                notes.add(c.name() + " (mutex): " + m);
            }
        }
        b.append("-".repeat(54)).append('\n');
        b.append(String.format("%d of %d cases ok%n", cells - failed, cells));
        for (String n : notes) {
            b.append("  ").append(n).append('\n');
        }
        failures[0] = failed;
        Lockdep.reset();
        return b.toString();
    }

    private static String cell(String r) {
        return r == null ? "ok" : NA.equals(r) ? "-" : "FAILED";
    }

    public static void main(String[] args) {
        int[] failed = {0};
        System.out.print(table(failed));
        System.exit(failed[0] == 0 ? 0 : 1);
    }
}
