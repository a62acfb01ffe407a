// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * The controlled scheduler. While a {@link Run} is active, the threads it controls (the thread
 * that runs the scenario and every thread started from controlled code) run one at a time: each
 * runs until its next yield point, where the run's {@link Strategy} picks the thread that goes
 * on. Which thread that is depends only on the strategy's seed and on what the threads did, so a
 * seed names a whole interleaving.
 *
 * <p>The agent's {@code explore=true} option puts the yield points in: the woven hooks call
 * {@link #lockWait}, {@link #locked}, {@link #spte}, {@link #access} and the rest at the port's
 * lock, spte, TLB, request and ioctl events, and an ASM pass (ExploreWeaver) redirects the
 * blocking calls of the port, the machine and the VMM (spin waits, park, sleep, join, start,
 * nanoTime) to the methods here. Outside a run, or on a thread the run does not control, every
 * method here does what the call it replaces does.
 *
 * <p>Blocking is cooperative: a thread that spins ({@link #onSpinWait}) is not picked again
 * until another thread has taken a step; one that parks, sleeps or joins is not picked until it
 * is unparked, its (virtual) time is up, or the thread it joins ends. Time is virtual: every step
 * advances the clock by {@link Run#tickNanos}, and when every thread waits on a timeout the clock
 * jumps to the earliest one. When every thread is blocked with no timeout left, that is a
 * deadlock: the run is stopped and each thread's held locks and waiting point are reported.
 */
public final class Sched {
    private Sched() {}

    /** The active run, or null: then every entry point is the plain JDK call it replaces. */
    static volatile Run run;
    /** Set by the agent when it wove the yield points (explore=true). */
    private static volatile boolean woven;

    /** Whether the agent wove the yield points into this JVM's port (explore=true). */
    public static boolean woven() {
        return woven;
    }

    /** Called by the agent at start-up with explore=true. */
    public static void markWoven() {
        woven = true;
    }
    private static final ThreadLocal<Ctl> ME = new ThreadLocal<>();

    /** Thrown in controlled threads to unwind them when a run is stopped (deadlock, step bound). */
    public static final class Abort extends Error {
        Abort(String why) {
            super(why, null, false, false);
        }
    }

    /** What the port's values mean, for the timeline; installed by the scenario driver. */
    public interface Describer {
        /** The value at a u64 address (the spte before a plain store). */
        long read(long addr);

        /** The gfn the leaf spte at {@code sptep} maps, or -1 for a non-leaf spte. */
        long gfnOf(long sptep);

        /** The spte's bits that matter (W, MMU-W, HOST-W, present). */
        String bits(long spte);

        String ioctl(long cmd);

        String request(int req);

        /** Whether a TLB entry object (the machine's) is writable. */
        boolean tlbWritable(Object entry);

        /** The gfn a violation object (the machine's) is about. */
        long violationGfn(Object violation);

        /** One line under the timeline's title that says what its abbreviations mean, or null. */
        default String legend() {
            return null;
        }
    }

    static volatile Describer describer;

    public static void describe(Describer d) {
        describer = d;
    }

    private static Ctl me() {
        Run r = run;
        if (r == null) {
            return null;
        }
        Ctl c = ME.get();
        return c != null && c.run == r ? c : null;
    }

    /** Whether the calling thread runs under the controlled scheduler. */
    public static boolean controlled() {
        return me() != null;
    }

    // ------------------------------------------------------------------ yield points (woven hooks)

    /** "&kvm->mmu_lock" is kvm->mmu_lock in the timeline. */
    static String lockName(Object lock) {
        String s = String.valueOf(lock);
        return s.startsWith("&") ? s.substring(1) : s;
    }

    public static void lockWait(Object lock) {
        Ctl c = me();
        if (c != null) {
            c.waitingFor = lockName(lock);
            c.run.step(c, Event.Kind.LOCK_WAIT, "wait " + c.waitingFor, -1);
        }
    }

    public static void locked(Object lock) {
        Ctl c = me();
        if (c != null) {
            c.waitingFor = null;
            String name = lockName(lock);
            c.held.add(name);
            c.run.step(c, Event.Kind.LOCK, "lock " + name, -1);
        }
    }

    public static void unlocked(Object lock) {
        Ctl c = me();
        if (c != null) {
            String name = lockName(lock);
            c.held.remove(name);
            c.run.step(c, Event.Kind.UNLOCK, "unlock " + name, -1);
        }
    }

    /** Before a plain store to a u64: the value it overwrites (0 outside a run). */
    public static long peek(long addr) {
        Describer d = describer;
        return d != null && me() != null ? d.read(addr) : 0;
    }

    /** A spte write ({@code *sptep = v}, xchg or a successful cmpxchg64). */
    public static void spte(long sptep, long old, long v) {
        Ctl c = me();
        if (c == null || old == v) {
            return; // a store of the value already there (a page being zeroed) changes nothing
        }
        Describer d = describer;
        long gfn = d == null ? -1 : d.gfnOf(sptep);
        String text;
        if (d == null) {
            text = "spte " + Long.toHexString(old) + " -> " + Long.toHexString(v);
        } else if (gfn < 0) {
            text = "spte (non-leaf) " + d.bits(old) + " -> " + d.bits(v);
        } else {
            text = "spte " + Long.toHexString(gfn) + " " + d.bits(old) + " -> " + d.bits(v);
        }
        c.run.step(c, Event.Kind.SPTE, text, gfn);
    }

    /** A cmpxchg64 on a spte that lost its race. */
    public static void spteCasFailed(long sptep) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            long gfn = d == null ? -1 : d.gfnOf(sptep);
            c.run.step(c, Event.Kind.SPTE, "cmpxchg64 on spte " + Long.toHexString(gfn) + " failed", gfn);
        }
    }

    /** A guest access is starting: remembered, and shown with its TLB lookup. */
    public static void access(long gfn, boolean write) {
        Ctl c = me();
        if (c != null) {
            c.accessWrite = write;
        }
    }

    /** The TLB lookup of a guest access (entry null: a miss): the access's yield point. */
    public static void tlbLookup(long gfn, Object entry) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            String found = entry == null ? "TLB miss" : d != null && d.tlbWritable(entry) ? "TLB hit RW" : "TLB hit RO";
            c.run.step(c, Event.Kind.ACCESS, (c.accessWrite ? "guest writes " : "guest reads ") + Long.toHexString(gfn)
                    + ": " + found, gfn);
        }
    }

    public static void tlbFill(long gfn, boolean writable) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.TLB_FILL, "  TLB fill " + Long.toHexString(gfn) + (writable ? " RW" : " RO"), gfn);
        }
    }

    public static void tlbFlush(int dropped) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.TLB_FLUSH, "TLB flush (" + dropped + " dropped)", -1);
        }
    }

    public static void flushBegin() {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.FLUSH, "kvm_flush_remote_tlbs", -1);
        }
    }

    public static void flushEnd() {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.FLUSH, "  flush returns", -1);
        }
    }

    public static void request(int req, Object vcpu) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            c.run.step(c, Event.Kind.REQUEST, "request " + (d == null ? Integer.toString(req) : d.request(req)) + " -> " + vcpu, -1);
        }
    }

    public static void requestSeen(int req) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            c.run.step(c, Event.Kind.REQUEST, "sees " + (d == null ? Integer.toString(req) : d.request(req)), -1);
        }
    }

    public static void kick(Object vcpu) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.KICK, "kick " + vcpu, -1);
        }
    }

    public static void ioctl(long cmd) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            c.run.step(c, Event.Kind.IOCTL, (d == null ? Long.toHexString(cmd) : d.ioctl(cmd)), -1);
        }
    }

    public static void ioctlDone(long cmd, long r) {
        Ctl c = me();
        if (c != null) {
            Describer d = describer;
            c.run.step(c, Event.Kind.IOCTL, "  " + (d == null ? Long.toHexString(cmd) : d.ioctl(cmd)) + " = " + r, -1);
        }
    }

    /** A function of interest entered or left (slot write-protect). */
    public static void mark(String what) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.MARK, what, -1);
        }
    }

    /** An invariant check's outcome; the gfns of its violations are what the timeline follows. */
    public static void check(String invariant, List<?> violations) {
        Ctl c = me();
        if (c == null) {
            return;
        }
        Describer d = describer;
        List<Long> violatedGfns = new ArrayList<>();
        for (Object v : violations) {
            violatedGfns.add(d == null ? -1 : d.violationGfn(v));
        }
        if (violatedGfns.isEmpty()) {
            c.run.note(c, Event.Kind.CHECK, "check invariant " + invariant + ": ok", -1);
            return;
        }
        c.run.note(c, Event.Kind.CHECK, "CHECK invariant " + invariant + " BROKEN: " + Long.toHexString(violatedGfns.get(0)), -1);
        c.run.broken(violations, violatedGfns);
        throw new Abort("invariant " + invariant + " broken");
    }

    private static String hex(List<Long> gfns) {
        StringBuilder b = new StringBuilder();
        for (long g : gfns) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(Long.toHexString(g));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ the JDK calls the weaver redirects

    /** Thread.onSpinWait (cpu_relax): this thread waits for another to do something. */
    public static void onSpinWait() {
        Ctl c = me();
        if (c == null) {
            Thread.onSpinWait();
            return;
        }
        c.run.spin(c);
    }

    /** Thread.yield in a wait loop: as {@link #onSpinWait()}. */
    public static void spinYield() {
        Ctl c = me();
        if (c == null) {
            Thread.yield();
            return;
        }
        c.run.spin(c);
    }

    /** Thread.yield in schedule(): a voluntary reschedule, the thread stays runnable. */
    public static void schedYield() {
        Ctl c = me();
        if (c == null) {
            Thread.yield();
            return;
        }
        c.run.step(c, Event.Kind.SCHED, "schedule()", -1);
    }

    public static void park(Object blocker) {
        Ctl c = me();
        if (c == null) {
            LockSupport.park(blocker);
            return;
        }
        c.run.park(c, Long.MAX_VALUE);
    }

    public static void park() {
        Ctl c = me();
        if (c == null) {
            LockSupport.park();
            return;
        }
        c.run.park(c, Long.MAX_VALUE);
    }

    public static void parkNanos(long nanos) {
        Ctl c = me();
        if (c == null) {
            LockSupport.parkNanos(nanos);
            return;
        }
        c.run.park(c, nanos);
    }

    public static void parkNanos(Object blocker, long nanos) {
        Ctl c = me();
        if (c == null) {
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        c.run.park(c, nanos);
    }

    public static void unpark(Thread t) {
        Run r = run;
        Ctl target = r == null ? null : r.ctlOf(t);
        if (target == null) {
            LockSupport.unpark(t);
            return;
        }
        r.unpark(target);
    }

    public static void sleep(long millis) throws InterruptedException {
        Ctl c = me();
        if (c == null) {
            Thread.sleep(millis);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        c.run.sleep(c, millis * 1_000_000L);
    }

    public static void sleep(long millis, int nanos) throws InterruptedException {
        Ctl c = me();
        if (c == null) {
            Thread.sleep(millis, nanos);
            return;
        }
        if (millis < 0 || nanos < 0 || nanos > 999_999) {
            throw new IllegalArgumentException("bad sleep time");
        }
        c.run.sleep(c, millis * 1_000_000L + nanos);
    }

    public static void join(Thread t) throws InterruptedException {
        join(t, 0);
    }

    public static void join(Thread t, long millis) throws InterruptedException {
        Ctl c = me();
        Run r = run;
        Ctl target = r == null ? null : r.ctlOf(t);
        if (c == null || target == null) {
            t.join(millis);
            return;
        }
        c.run.join(c, target, millis == 0 ? Long.MAX_VALUE : millis * 1_000_000L);
    }

    public static boolean isAlive(Thread t) {
        Run r = run;
        Ctl target = r == null ? null : r.ctlOf(t);
        return target == null ? t.isAlive() : target.state != State.DONE;
    }

    public static long nanoTime() {
        Ctl c = me();
        if (c == null) {
            return System.nanoTime();
        }
        synchronized (c.run) {
            return c.run.now;
        }
    }

    /** new Thread(runnable, ...): a thread started from controlled code runs controlled from its first instruction. */
    public static Runnable wrap(Runnable r) {
        return run == null ? r : new Controlled(r);
    }

    public static void start(Thread t) {
        Ctl c = me();
        if (c == null) {
            t.start();
            return;
        }
        c.run.start(c, t);
    }

    /** The body of a thread created from controlled code. */
    static final class Controlled implements Runnable {
        private final Runnable body;

        Controlled(Runnable body) {
            this.body = body;
        }

        @Override
        public void run() {
            Run r = run;
            Ctl c = r == null ? null : r.ctlOf(Thread.currentThread());
            if (c == null) {
                body.run(); // started outside the run that created it
                return;
            }
            ME.set(c);
            try {
                c.run.arrive(c);
                body.run();
            } catch (Abort a) {
                // the run was stopped; unwind quietly
            } catch (Throwable t) {
                c.run.failed(c, t);
            } finally {
                c.run.exit(c);
                ME.remove();
            }
        }
    }

    // ------------------------------------------------------------------ the run

    enum State { RUNNABLE, SPIN, PARKED, SLEEPING, JOINING, DONE }

    /** One controlled thread. */
    static final class Ctl {
        final Run run;
        final int id;
        final Thread thread;
        final Semaphore turn = new Semaphore(0);
        State state = State.RUNNABLE;
        long deadline = Long.MAX_VALUE;
        boolean permit;
        long spinEpoch;
        Ctl joinTarget;
        /** PCT priority. */
        long prio;
        /** The lock this thread is trying to take, or null. */
        volatile String waitingFor;
        /** Locks it holds, outermost first (from the lock hooks, with or without lockdep). */
        final List<String> held = new ArrayList<>();
        /** The kind of its last recorded step (DFS preempts only after synchronization steps). */
        Event.Kind lastKind;
        /** Its last yield point was a recorded step (not a spin, park, sleep or join). */
        boolean justStepped;
        /** Its last yield point was a spin: a spin now only re-checked a condition. */
        boolean lastWasSpin;
        /** Whether the guest access under way is a write. */
        boolean accessWrite;
        /** Its names while it showed up in the timeline. */
        String label;
        private String lastName;

        Ctl(Run run, int id, Thread thread) {
            this.run = run;
            this.id = id;
            this.thread = thread;
        }

        String label() {
            return label != null ? label : thread.getName();
        }

        /** The names it had at its events, in order ("scenario/logging-toggler"): a VMM thread may rename itself. */
        void named(String name) {
            if (label == null) {
                label = name;
                lastName = name;
            } else if (!name.equals(lastName)) {
                lastName = name;
                if (!("/" + label + "/").contains("/" + name + "/")) {
                    label = label + "/" + name;
                }
            }
        }
    }

    /** One schedule: the threads, the clock, the strategy and what happened. */
    static final class Run {
        final Strategy strategy;
        final long tickNanos;
        final long maxSteps;
        final List<Ctl> ctls = new ArrayList<>();
        private final Map<Thread, Ctl> byThread = new IdentityHashMap<>();
        Ctl current;
        /** Steps the current thread has run in a row. */
        long runLength;
        /** After this many steps in a row, a thread that is still runnable must let another run. */
        long fairSteps = 1000;
        long step;
        /** Steps at synchronization points so far (what PCT counts its change points in). */
        long syncSteps;
        long epoch;
        long now = 1_000_000_000_000L;
        final List<Event> events = new ArrayList<>();
        long fingerprint = 0xcbf29ce484222325L;
        final java.util.Set<Long> violatedGfns = new java.util.LinkedHashSet<>();
        volatile String abort;
        /** The violations the machine's checks found (the run stops at the first broken check). */
        final List<String> violations = new ArrayList<>();
        /** The deadlock report, when every thread got stuck. */
        String deadlock;
        Throwable failure;
        final CountDownLatch finished = new CountDownLatch(1);
        /** Runs once when the run is stopped, before any thread unwinds. */
        Runnable onStop;
        volatile long lastStepReal = System.nanoTime();

        Run(Strategy strategy, long tickNanos, long maxSteps) {
            this.strategy = strategy;
            this.tickNanos = tickNanos;
            this.maxSteps = maxSteps;
        }

        synchronized Ctl ctlOf(Thread t) {
            return byThread.get(t);
        }

        synchronized Ctl register(Thread t) {
            Ctl c = new Ctl(this, ctls.size(), t);
            ctls.add(c);
            byThread.put(t, c);
            strategy.created(c);
            return c;
        }

        // -------- called by controlled threads

        void arrive(Ctl c) {
            c.turn.acquireUninterruptibly();
            checkAbort();
        }

        void checkAbort() {
            if (abort != null) {
                throw new Abort(abort);
            }
        }

        /** A yield point: record, then let the strategy pick who goes on. */
        void step(Ctl me, Event.Kind kind, String text, long gfn) {
            Ctl next;
            synchronized (this) {
                checkAbort();
                record(me, kind, text, gfn);
                epoch++; // the thread ran code since its last yield point: it may have changed what others wait for
                me.lastWasSpin = false;
                next = advance(me);
            }
            handoff(me, next);
        }

        /** An event that is not a yield point. */
        synchronized void note(Ctl me, Event.Kind kind, String text, long gfn) {
            checkAbort();
            me.named(me.thread.getName());
            events.add(new Event(step, me.id, kind, text, gfn));
        }

        void spin(Ctl me) {
            Ctl next;
            synchronized (this) {
                checkAbort();
                me.justStepped = false;
                if (!me.lastWasSpin) {
                    epoch++; // code ran before this wait began; a spin straight after a spin only re-checked
                }
                me.lastWasSpin = true;
                me.state = State.SPIN;
                me.spinEpoch = epoch;
                strategy.yielded(me);
                events.add(new Event(step, me.id, Event.Kind.SCHED, "(spins)", -1));
                fingerprint = mix(fingerprint, me.id * 31L + 7);
                next = advance(me);
            }
            handoff(me, next);
        }

        void park(Ctl me, long nanos) {
            Ctl next;
            synchronized (this) {
                checkAbort();
                me.lastWasSpin = false;
                me.justStepped = false;
                epoch++;
                if (me.permit) {
                    me.permit = false;
                } else if (nanos > 0) {
                    strategy.yielded(me);
                    me.state = State.PARKED;
                    me.deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + nanos;
                    events.add(new Event(step, me.id, Event.Kind.SCHED,
                            nanos == Long.MAX_VALUE ? "(parks)" : "(parks " + nanos / 1000 + " us)", -1));
                }
                fingerprint = mix(fingerprint, me.id * 31L + 11);
                next = advance(me);
            }
            handoff(me, next);
        }

        synchronized void unpark(Ctl target) {
            if (target.state == State.PARKED) {
                target.state = State.RUNNABLE;
                target.deadline = Long.MAX_VALUE;
            } else if (target.state != State.DONE) {
                target.permit = true;
            }
        }

        void sleep(Ctl me, long nanos) {
            Ctl next;
            synchronized (this) {
                checkAbort();
                me.lastWasSpin = false;
                me.justStepped = false;
                strategy.yielded(me);
                if (nanos > 0) {
                    me.state = State.SLEEPING;
                    me.deadline = now + nanos;
                    events.add(new Event(step, me.id, Event.Kind.SCHED, "(sleeps " + nanos / 1000 + " us)", -1));
                }
                epoch++;
                fingerprint = mix(fingerprint, me.id * 31L + 13);
                next = advance(me);
            }
            handoff(me, next);
        }

        void join(Ctl me, Ctl target, long nanos) {
            Ctl next;
            synchronized (this) {
                checkAbort();
                if (target.state == State.DONE) {
                    return;
                }
                me.lastWasSpin = false;
                me.justStepped = false;
                epoch++;
                strategy.yielded(me);
                me.state = State.JOINING;
                me.joinTarget = target;
                events.add(new Event(step, me.id, Event.Kind.SCHED, "(joins " + target.label() + ")", -1));
                me.deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + nanos;
                epoch++;
                next = advance(me);
            }
            handoff(me, next);
        }

        void start(Ctl me, Thread t) {
            Ctl child = register(t);
            t.setUncaughtExceptionHandler((th, e) -> { });
            t.start();
            step(me, Event.Kind.START, "start " + t.getName(), -1);
        }

        void broken(List<?> found, List<Long> gfns) {
            synchronized (this) {
                for (Object v : found) {
                    violations.add(String.valueOf(v));
                }
                violatedGfns.addAll(gfns);
            }
            stop("invariant broken");
        }

        void failed(Ctl c, Throwable t) {
            synchronized (this) {
                if (failure == null) {
                    failure = t;
                }
            }
        }

        void exit(Ctl me) {
            Ctl next;
            synchronized (this) {
                me.state = State.DONE;
                epoch++;
                for (Ctl c : ctls) {
                    if (c.state == State.JOINING && c.joinTarget == me) {
                        c.state = State.RUNNABLE;
                        c.joinTarget = null;
                        c.deadline = Long.MAX_VALUE;
                    }
                }
                if (ctls.stream().allMatch(c -> c.state == State.DONE)) {
                    finished.countDown();
                    return;
                }
                if (abort != null) {
                    return; // the others unwind on their own
                }
                next = choose(me);
                if (next == null) {
                    return; // choose stopped the run
                }
                current = next;
                lastStepReal = System.nanoTime();
            }
            next.turn.release();
        }

        // -------- scheduling (all under this monitor)

        private void record(Ctl me, Event.Kind kind, String text, long gfn) {
            me.named(me.thread.getName());
            events.add(new Event(step, me.id, kind, text, gfn));
            me.lastKind = kind;
            me.justStepped = true;
            if (Strategy.Forced.syncPoint(kind)) {
                syncSteps++;
            }
            fingerprint = mix(fingerprint, (long) me.id << 8 | kind.ordinal());
        }

        private Ctl advance(Ctl me) {
            step++;
            now += tickNanos;
            lastStepReal = System.nanoTime();
            if (step > maxSteps) {
                stop("the schedule did not end within " + maxSteps + " steps; the threads then:\n" + describeDeadlock());
                throw new Abort(abort);
            }
            Ctl next = choose(me);
            if (next == null) {
                throw new Abort(abort);
            }
            current = next;
            return next;
        }

        private void handoff(Ctl me, Ctl next) {
            if (next != me) {
                next.turn.release();
                me.turn.acquireUninterruptibly();
                checkAbort();
            }
        }

        /** The next thread to run, or null after stopping the run on a deadlock. */
        private Ctl choose(Ctl me) {
            wakeTimed();
            List<Ctl> enabled = enabled();
            if (enabled.isEmpty()) {
                long earliest = Long.MAX_VALUE;
                for (Ctl c : ctls) {
                    if (timed(c)) {
                        earliest = Math.min(earliest, c.deadline);
                    }
                }
                if (earliest != Long.MAX_VALUE) {
                    now = Math.max(now, earliest);
                    wakeTimed();
                    enabled = enabled();
                }
            }
            if (enabled.isEmpty()) {
                deadlock = describeDeadlock();
                stop("deadlock: every thread is blocked");
                return null;
            }
            if (me.state != State.DONE && enabled.size() > 1 && enabled.contains(me) && runLength >= fairSteps) {
                enabled.remove(me); // fairness: a thread that never blocks does not starve the others
            }
            Ctl next = strategy.pick(enabled, me, step);
            runLength = next == me ? runLength + 1 : 0;
            if (next.state == State.SPIN) {
                next.state = State.RUNNABLE;
            }
            return next;
        }

        private boolean timed(Ctl c) {
            return (c.state == State.PARKED || c.state == State.SLEEPING || c.state == State.JOINING)
                    && c.deadline != Long.MAX_VALUE;
        }

        private void wakeTimed() {
            for (Ctl c : ctls) {
                if (timed(c) && c.deadline <= now) {
                    c.state = State.RUNNABLE;
                    c.deadline = Long.MAX_VALUE;
                    c.joinTarget = null;
                }
            }
        }

        private List<Ctl> enabled() {
            List<Ctl> out = new ArrayList<>(ctls.size());
            for (Ctl c : ctls) {
                if (c.state == State.RUNNABLE || (c.state == State.SPIN && c.spinEpoch < epoch)) {
                    out.add(c);
                }
            }
            return out;
        }

        private String describeDeadlock() {
            StringBuilder b = new StringBuilder();
            for (Ctl c : ctls) {
                if (c.state == State.DONE) {
                    continue;
                }
                b.append("  ").append(c.label()).append(": ");
                switch (c.state) {
                    case SPIN:
                        b.append(c.waitingFor != null ? "spins for " + c.waitingFor : "spins");
                        break;
                    case PARKED:
                        b.append(c.waitingFor != null ? "sleeps waiting for " + c.waitingFor : "parked");
                        break;
                    case JOINING:
                        b.append("waits for ").append(c.joinTarget.label()).append(" to end");
                        break;
                    default:
                        b.append(c.state.name().toLowerCase());
                }
                b.append(" (").append(c == current ? "running" : "waiting its turn").append(')');
                b.append('\n');
                b.append("    holds: ").append(c.held.isEmpty() ? "no locks" : String.join(", ", c.held)).append('\n');
                List<StackTraceElement> at = whereBlocked(c.thread);
                for (int i = 0; i < at.size(); i++) {
                    StackTraceElement e = at.get(i);
                    b.append(i == 0 ? "    at " : "       ").append(e.getClassName()).append('.').append(e.getMethodName())
                            .append('(').append(e.getFileName()).append(':').append(e.getLineNumber()).append(")\n");
                }
            }
            return b.toString();
        }

        /** The thread's innermost frames in the port, the machine or the VMM (at most four). */
        private static List<StackTraceElement> whereBlocked(Thread t) {
            List<StackTraceElement> out = new ArrayList<>();
            for (StackTraceElement e : t.getStackTrace()) {
                String cls = e.getClassName();
                // a lambda's frame names a hidden class whose name differs from JVM to JVM: left out,
                // so that a replay prints the same report
                if (cls.startsWith("org.mmulab.") && !cls.startsWith("org.mmulab.lockdep.") && !cls.contains("$$Lambda")
                        && out.size() < 4) {
                    out.add(e);
                }
            }
            return out;
        }

        /** Stops the run: every blocked thread wakes and unwinds with {@link Abort}. */
        synchronized void stop(String why) {
            if (abort != null) {
                return;
            }
            abort = why;
            if (onStop != null) {
                onStop.run(); // before the threads unwind (their unwinding is not the program's doing)
            }
            for (Ctl c : ctls) {
                if (c.state != State.DONE) {
                    c.turn.release();
                }
            }
        }

        static long mix(long h, long v) {
            h ^= v;
            h *= 0x100000001b3L;
            return h;
        }
    }
}
