// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * TLB-flush tracing, woven at {@code kvm_flush_remote_tlbs} and {@code mmu_spte_update}: every
 * flush with its caller, whether {@code mmu_lock} was held (the seed commit moved two flushes out
 * of it), the locks held, whether an IPI went out and how long it took; every spte update that
 * left a flush owed, and how long until this thread paid it. One ftrace-like line per event when
 * tracing is on, a JFR event ({@code mmulab.TlbFlush}) when a recording is on, and a summary per
 * caller at exit.
 */
public final class TlbTrace {
    private TlbTrace() {}

    private static volatile boolean lines;
    private static volatile PrintStream out = System.err;
    private static final long T0 = System.nanoTime();

    /** Per caller: flushes inside mmu_lock, outside, and total time. */
    private static final Map<String, long[]> PER_CALLER = new TreeMap<>();
    private static final AtomicLong OWED = new AtomicLong();
    private static final AtomicLong PAID = new AtomicLong();
    /** Total nanoseconds from the first owed update to the flush that paid it, over all paid flushes. */
    private static final AtomicLong OWED_NANOS = new AtomicLong();
    /** Per thread: {when the oldest unpaid owed update happened (0: none), how many are unpaid}. */
    private static final ThreadLocal<long[]> OWED_SINCE = ThreadLocal.withInitial(() -> new long[] {0, 0});

    /**
     * One {@code kvm_flush_remote_tlbs} call as a JFR event: begun when the call starts and
     * committed when it returns, so the event's own duration is the flush's (JFR's Duration column;
     * there is no separate field for it). Labels are in title case, as the JDK's own events have them.
     */
    @Name("mmulab.TlbFlush")
    @Label("Remote TLB Flush")
    @Category({"mmulab", "KVM MMU"})
    @Description("A call of kvm_flush_remote_tlbs: which kernel function asked for it, whether mmu_lock was held,"
            + " whether an IPI went out, and the write-protecting spte updates whose owed flush it paid")
    @StackTrace(false)
    static final class FlushEvent extends Event {
        @Label("Caller")
        @Description("The kernel function that called kvm_flush_remote_tlbs")
        String caller;
        @Label("MMU Lock Held")
        @Description("Whether the flushing thread held kvm->mmu_lock")
        boolean mmuLockHeld;
        @Label("Held Locks")
        @Description("The lock classes the flushing thread held, outermost first")
        String held;
        @Label("IPI Sent")
        @Description("Whether make_all_cpus_request had to interrupt a running vCPU")
        boolean ipi;
        @Label("Owed Updates Paid")
        @Description("Spte updates on this thread that left a flush owed since its last flush")
        long paid;
        @Label("Owed For")
        @Description("Time from the oldest of those updates to the end of this flush")
        @Timespan(Timespan.NANOSECONDS)
        long owedFor;
        /** System.nanoTime() at the start, for the summary's average (not a JFR field). */
        transient long startNanos;
    }

    /**
     * Everything that names {@link FlushEvent}, apart from TlbTrace's own code: the verifier loads
     * a class that code assigns or calls through, and loading the event class sets JFR up.
     */
    private static final class Jfr {
        static Object begin() {
            FlushEvent e = new FlushEvent();
            e.startNanos = System.nanoTime();
            e.begin();
            return e;
        }

        /** Ends the event; returns its start (System.nanoTime()), or -1 for what is no FlushEvent. */
        static long end(Object event) {
            if (!(event instanceof FlushEvent)) {
                return -1;
            }
            FlushEvent e = (FlushEvent) event;
            e.end();
            return e.startNanos;
        }

        static void commit(Object event, String caller, boolean mmuLock, String held, boolean ipi, long paid, long owedFor) {
            if (!(event instanceof FlushEvent)) {
                return;
            }
            FlushEvent e = (FlushEvent) event;
            if (e.shouldCommit()) {
                e.caller = caller;
                e.mmuLockHeld = mmuLock;
                e.held = held;
                e.ipi = ipi;
                e.paid = paid;
                e.owedFor = owedFor;
                e.commit();
            }
        }
    }

    /**
     * Where the per-event lines go: the program's Log4j 2 (logger {@code mmulab.tlbtrace}, level
     * INFO) when it has Log4j with a provider (log4j-core, log4j-to-slf4j, ...), else the agent's
     * output. With log4j-api alone Log4j has nowhere to write and would drop every line (after
     * its "could not find a logging provider" complaint), so then the lines go to the agent's
     * output too, and Log4j is not touched at all. Log4j is the program's, not the agent's: it is
     * looked up only when the first line is written.
     */
    private static final class Sink {
        static final Object LOG4J = log4j();

        static Object log4j() {
            try {
                ClassLoader cl = TlbTrace.class.getClassLoader();
                Class.forName("org.apache.logging.log4j.LogManager", false, cl);
                if (!Log4jProviders.present(cl)) {
                    return null;
                }
                return org.apache.logging.log4j.LogManager.getLogger("mmulab.tlbtrace");
            } catch (ClassNotFoundException | LinkageError e) {
                return null;
            }
        }

        static void line(String s) {
            if (LOG4J != null) {
                ((org.apache.logging.log4j.Logger) LOG4J).info(s);
            } else {
                out.println(s);
            }
        }
    }

    /** Turn per-event lines on (the summary and JFR events do not need them). */
    public static void configure(boolean perEventLines, PrintStream stream) {
        lines = perEventLines;
        out = stream;
    }

    /**
     * Woven at the entry of kvm_flush_remote_tlbs: the flush's JFR event, begun, when JFR is up in
     * this JVM (a recording was started, by -XX:StartFlightRecording, jcmd or the API); else only
     * the start time. JFR's event machinery (some ninety classes and its event instrumentation,
     * 100-200 ms at the first flush) is thus set up only in a JVM that can record the event. What
     * {@link #flushed(Object, boolean)} is handed back is either.
     */
    public static Object flushStarted() {
        if (!jdk.jfr.FlightRecorder.isInitialized()) {
            return new long[] {System.nanoTime()};
        }
        return Jfr.begin();
    }

    /** Woven at the exit of kvm_flush_remote_tlbs, with what {@link #flushStarted()} returned. */
    public static void flushed(Object started, boolean ipi) {
        if (started == null) {
            started = flushStarted();
        }
        // a long[] first: asking whether it is a FlushEvent would load the event class, and JFR with it
        Object event = started instanceof long[] ? null : started;
        long startNanos = event == null ? ((long[]) started)[0] : Jfr.end(event);
        if (startNanos < 0) { // not what flushStarted returns: the flush is counted, untimed
            event = null;
            startNanos = System.nanoTime();
        }
        long took = System.nanoTime() - startNanos;
        List<String> held = Lockdep.heldClassNames();
        boolean mmuLock = held.contains("&kvm->mmu_lock");
        String caller = callerOf("kvm_flush_remote_tlbs");
        synchronized (PER_CALLER) {
            long[] c = PER_CALLER.computeIfAbsent(caller, k -> new long[3]);
            c[mmuLock ? 0 : 1]++;
            c[2] += took;
        }
        long[] owedSince = OWED_SINCE.get();
        long paid = owedSince[1];
        long owedFor = 0;
        if (owedSince[0] != 0) {
            owedFor = System.nanoTime() - owedSince[0];
            PAID.incrementAndGet();
            OWED_NANOS.addAndGet(owedFor);
            owedSince[0] = 0;
            owedSince[1] = 0;
        }
        if (event != null) {
            Jfr.commit(event, caller, mmuLock, String.join(",", held), ipi, paid, owedFor);
        }
        if (lines) {
            Sink.line(String.format(Locale.ROOT,
                    "%16s %12.6f: kvm_flush_remote_tlbs: caller=%s mmu_lock=%s held=%s ipi=%s took=%dus paid=%d owed_for=%dus",
                    Thread.currentThread().getName(), (System.nanoTime() - T0) / 1e9, caller, mmuLock ? "held" : "no",
                    held, ipi ? "yes" : "no", took / 1000, paid, owedFor / 1000));
        }
    }

    /** Woven at the exit of mmu_spte_update: a writable spte became read-only and a flush is owed. */
    public static void spteUpdated(long sptep, long newSpte, boolean flushOwed) {
        if (!flushOwed) {
            return;
        }
        OWED.incrementAndGet();
        long[] owedSince = OWED_SINCE.get();
        if (owedSince[0] == 0) {
            owedSince[0] = System.nanoTime();
        }
        owedSince[1]++;
        if (lines) {
            String caller = callerOf("mmu_spte_update");
            Sink.line(String.format(Locale.ROOT, "%16s %12.6f: mmu_spte_update: sptep=%x new=%x flush owed (caller %s)",
                    Thread.currentThread().getName(), (System.nanoTime() - T0) / 1e9, sptep, newSpte, caller));
        }
    }

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** The kernel function that called {@code traced} (past any variant delegation of the same name). */
    static String callerOf(String traced) {
        return WALKER.walk(s -> s.filter(f -> !Frames.internal(f.getDeclaringClass()) && !f.getMethodName().equals(traced)
                && !f.getClassName().startsWith("org.mmulab.lockdep.")).findFirst())
                .map(StackWalker.StackFrame::getMethodName).orElse("?");
    }

    /** Whether any flush or owed spte update has been traced since the last reset. */
    public static boolean traced() {
        synchronized (PER_CALLER) {
            if (!PER_CALLER.isEmpty()) {
                return true;
            }
        }
        return OWED.get() != 0;
    }

    /** The summary: flushes per caller, inside and outside mmu_lock. */
    public static String summary() {
        StringBuilder b = new StringBuilder("TLB flush summary (kvm_flush_remote_tlbs by caller):\n");
        synchronized (PER_CALLER) {
            int w = 36;
            for (String caller : PER_CALLER.keySet()) {
                w = Math.max(w, caller.length());
            }
            String row = "  %-" + w + "s %11s %10s %12s%n";
            b.append(String.format(Locale.ROOT, row, "caller", "in mmu_lock", "outside", "avg us"));
            for (Map.Entry<String, long[]> e : PER_CALLER.entrySet()) {
                long[] c = e.getValue();
                long n = c[0] + c[1];
                b.append(String.format(Locale.ROOT, "  %-" + w + "s %11d %10d %12.1f%n", e.getKey(), c[0], c[1],
                        n == 0 ? 0 : c[2] / 1e3 / n));
            }
        }
        long paid = PAID.get();
        b.append(String.format(Locale.ROOT, "  %d spte update(s) left a flush owed; %d later flush(es) on the same thread paid them%s%n",
                OWED.get(), paid, paid == 0 ? "" : String.format(Locale.ROOT, ", %.1f us after the first owed update on average",
                        OWED_NANOS.get() / 1e3 / paid)));
        return b.toString();
    }

    /** Per caller: {inside mmu_lock, outside}. */
    public static Map<String, long[]> counts() {
        synchronized (PER_CALLER) {
            Map<String, long[]> m = new TreeMap<>();
            for (Map.Entry<String, long[]> e : PER_CALLER.entrySet()) {
                m.put(e.getKey(), new long[] {e.getValue()[0], e.getValue()[1]});
            }
            return m;
        }
    }

    public static void reset() {
        synchronized (PER_CALLER) {
            PER_CALLER.clear();
        }
        OWED.set(0);
        PAID.set(0);
        OWED_NANOS.set(0);
        OWED_SINCE.remove();
    }
}
