// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One schedule: the scheduler core. While a run is active, the threads it controls (the one that
 * runs its {@link Body} and every thread started from controlled code) run one at a time: each
 * runs until its next yield point ({@link Sched}, {@link JdkCalls}), where the run's
 * {@link Strategy} picks the thread that goes on. Which thread that is depends only on the
 * strategy and on what the threads did, so a strategy's seed names a whole interleaving.
 *
 * <p>Blocking is cooperative: a thread that spins is not picked again until another thread has
 * taken a step; one that parks, sleeps or joins is not picked until it is unparked, its (virtual)
 * time is up, or the thread it joins ends. Time is virtual: every step advances the clock by
 * {@code tickNanos}, and when every thread waits on a timeout the clock jumps to the earliest
 * one. When every thread is blocked with no timeout left, that is a deadlock: the run is stopped
 * and each thread's state, held locks and stack are kept ({@link Outcome#stuck()}).
 *
 * <p>A driver {@link #begin}s a run, waits for it ({@link #await}, with {@link #running()} and
 * {@link #lastStepNanos()} to tell a hang), may {@link #stop} it, and {@link #end}s it.
 */
public final class Run {
    final Strategy strategy;
    final long tickNanos;
    final long maxSteps;
    final List<Ctl> ctls = new ArrayList<>();
    private final Map<Thread, Ctl> byThread = new IdentityHashMap<>();
    Ctl current;
    /** Steps the current thread has run in a row. */
    private long runLength;
    /** After this many steps in a row, a thread that is still runnable must let another run. */
    private final long fairSteps = 1000;
    long step;
    /** Steps at synchronization points so far (what PCT counts its change points in). */
    long syncSteps;
    private long epoch;
    long now = 1_000_000_000_000L;
    private final List<Event> events = new ArrayList<>();
    private long fingerprint = 0xcbf29ce484222325L;
    private final Set<Long> violatedGfns = new LinkedHashSet<>();
    private volatile String abort;
    /** The violations the machine's checks found (the run stops at the first broken check). */
    private final List<String> violations = new ArrayList<>();
    private boolean deadlock;
    private List<Outcome.Stuck> stuck;
    private Throwable failure;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Runs once when the run is stopped, before any thread unwinds. */
    private Runnable onStop;
    private volatile long lastStepReal = System.nanoTime();
    private volatile List<String> result;
    private boolean begun;
    /**
     * Per-thread clocks: each thread's {@code System.nanoTime} counts its own steps and the waits
     * it timed out of, so what a clock read returns depends on that thread's history, not on how
     * many steps the others took. That is what lets two schedules that differ only in the order
     * of independent steps reach the same state. Timed waits still end on the shared clock (every
     * step advances it, and it jumps when every thread waits), as without per-thread clocks; a
     * thread whose wait timed out depends on every step before.
     */
    final boolean perThreadClock;
    /** The footprints and happens-before hashes (null: not recorded). */
    final Footprint.Table hb;
    /** The state key at the pick under way (see {@link #stateKey()}). */
    private long pickKey;

    public Run(Strategy strategy, long tickNanos, long maxSteps) {
        this(strategy, tickNanos, maxSteps, false, false);
    }

    /**
     * A run whose threads' clocks are their own ({@code perThreadClock}) and whose steps' footprints
     * are recorded ({@code footprints}, which needs per-thread clocks: a shared clock that every step
     * advances makes every step depend on every other).
     */
    public Run(Strategy strategy, long tickNanos, long maxSteps, boolean perThreadClock, boolean footprints) {
        if (footprints && !perThreadClock) {
            throw new IllegalArgumentException("footprints need per-thread clocks");
        }
        this.strategy = strategy;
        this.tickNanos = tickNanos;
        this.maxSteps = maxSteps;
        this.perThreadClock = perThreadClock;
        this.hb = footprints ? new Footprint.Table() : null;
    }

    /**
     * The state at the pick under way, as a 64-bit hash: every thread's happens-before hash (what
     * it did, ordered against what it depends on), scheduler state, clock and last step kind, and
     * which thread is running. Two picks with the same key face the same program state and the
     * same choices. Only meaningful with footprints; called by a strategy from {@link Strategy#pick}.
     */
    public long stateKey() {
        return pickKey;
    }

    /** The active run, or null. */
    public static Run active() {
        return Sched.run;
    }

    // -------- driving a run (the explorer)

    /** Runs {@code r} once when the run is stopped, before any thread unwinds (set before {@link #begin}). */
    public void onStop(Runnable r) {
        onStop = r;
    }

    /** Makes this the active run and starts {@code body} with {@code seed} on a controlled thread named {@code name}. */
    public void begin(String name, Body body, long seed) {
        if (Sched.run != null) {
            throw new IllegalStateException("a controlled run is already active");
        }
        Thread main = new Thread(new Controlled(() -> {
            try {
                result = body.run(seed);
            } catch (Sched.Abort a) {
                throw a;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), name);
        main.setDaemon(true);
        Ctl first = register(main);
        current = first;
        begun = true;
        Sched.run = this;
        main.start();
        first.turn.release();
    }

    /** Waits up to {@code millis} for every controlled thread to end; true if they have. */
    public boolean await(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The thread whose turn it is, and the step count now. */
    public record Running(Thread thread, String label, long step) {}

    public synchronized Running running() {
        return new Running(current.thread, current.label(), step);
    }

    /** System.nanoTime() at the last step (real time, for telling a hang). */
    public long lastStepNanos() {
        return lastStepReal;
    }

    /** Stops the run: every blocked thread wakes and unwinds with {@link Sched.Abort}. */
    public synchronized void stop(String why) {
        if (abort != null) {
            return;
        }
        abort = why;
        if (onStop != null) {
            onStop.run(); // before the threads unwind (their unwinding is not the program's doing)
        }
        for (Ctl c : ctls) {
            if (c.state != Ctl.State.DONE) {
                c.turn.release();
            }
        }
    }

    /** Waits (5 s each) for the threads to end, deactivates the run, and says what it did. */
    public Outcome end() {
        List<Ctl> all;
        synchronized (this) {
            all = new ArrayList<>(ctls);
        }
        try {
            for (Ctl c : all) {
                try {
                    c.thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            if (begun && Sched.run == this) {
                Sched.run = null;
            }
        }
        synchronized (this) {
            List<String> labels = new ArrayList<>();
            for (Ctl c : ctls) {
                labels.add(c.label());
            }
            return new Outcome(new ArrayList<>(events), labels, step, syncSteps, fingerprint, abort, deadlock, stuck, failure,
                    new ArrayList<>(violations), new LinkedHashSet<>(violatedGfns), result);
        }
    }

    synchronized Ctl ctlOf(Thread t) {
        return byThread.get(t);
    }

    synchronized Ctl register(Thread t) {
        Ctl c = new Ctl(this, ctls.size(), t);
        // a new thread's own clock starts at its creator's (the shared clock's, for the first)
        c.clock = perThreadClock && current != null ? current.clock : now;
        c.h = Footprint.mix(0x51ed270b2a3c4e1dL + c.id);
        if (hb != null) {
            hb.open(c);
        }
        ctls.add(c);
        byThread.put(t, c);
        strategy.created(c);
        return c;
    }

    // -------- called by controlled threads

    void arrive(Ctl c) {
        c.turn.acquireUninterruptibly();
        checkAbort();
        if (hb != null) {
            synchronized (this) {
                hb.sched(c, c, SCHED_START, false); // what it does depends on its start
            }
        }
    }

    /** The scheduler's own locations, per thread: its start, its permit, its end. */
    static final int SCHED_START = 0;
    static final int SCHED_PERMIT = 1;
    static final int SCHED_DONE = 2;

    /** The clock {@code c} reads (System.nanoTime, redirected). */
    synchronized long clockOf(Ctl c) {
        long v = perThreadClock ? c.clock : now;
        if (hb != null && c == current) {
            // a value read outside memory: what the thread does with it depends on the value, so
            // its step's hash covers it (two schedules that let it read other times differ)
            c.extraDep += Footprint.mix(v ^ 0x2545f4914f6cdd1dL);
        }
        return v;
    }

    /** Whether thread {@code target} has ended, as {@code c} asks (Thread.isAlive). */
    synchronized boolean done(Ctl c, Ctl target) {
        if (hb != null && c == current) {
            hb.sched(c, target, SCHED_DONE, false);
        }
        return target.state == Ctl.State.DONE;
    }

    private void close(Ctl me, int kind) {
        if (hb != null) {
            hb.close(me, kind);
        }
    }

    private void checkAbort() {
        if (abort != null) {
            throw new Sched.Abort(abort);
        }
    }

    /** A yield point: record, then let the strategy pick who goes on. */
    void step(Ctl me, Event.Kind kind, Event.Detail detail, long gfn) {
        Ctl next;
        synchronized (this) {
            checkAbort();
            record(me, kind, detail, gfn);
            close(me, kind.ordinal());
            epoch++; // the thread ran code since its last yield point: it may have changed what others wait for
            me.lastWasSpin = false;
            next = advance(me);
        }
        handoff(me, next);
    }

    /** An event that is not a yield point. */
    synchronized void note(Ctl me, Event.Kind kind, Event.Detail detail, long gfn) {
        checkAbort();
        me.named(me.thread.getName());
        events.add(new Event(step, me.id, kind, gfn, detail));
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
            me.state = Ctl.State.SPIN;
            me.spinEpoch = epoch;
            strategy.yielded(me);
            events.add(new Event(step, me.id, Event.Kind.SCHED, -1, new Event.Spin()));
            fingerprint = mix(fingerprint, me.id * 31L + 7);
            close(me, 101);
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
            if (hb != null) {
                hb.sched(me, me, SCHED_PERMIT, true);
            }
            if (me.permit) {
                me.permit = false;
            } else if (nanos > 0) {
                strategy.yielded(me);
                me.state = Ctl.State.PARKED;
                me.deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + nanos;
                me.waitFrom = now;
                events.add(new Event(step, me.id, Event.Kind.SCHED, -1, new Event.Park(nanos)));
            }
            fingerprint = mix(fingerprint, me.id * 31L + 11);
            close(me, 102);
            next = advance(me);
        }
        handoff(me, next);
        if (hb != null) {
            synchronized (this) {
                hb.sched(me, me, SCHED_PERMIT, true); // woken: by an unpark, or by its time
            }
        }
    }

    synchronized void unpark(Ctl target) {
        if (hb != null && current != null && current.thread == Thread.currentThread()) {
            hb.sched(current, target, SCHED_PERMIT, true);
        }
        if (target.state == Ctl.State.PARKED) {
            target.state = Ctl.State.RUNNABLE;
            target.deadline = Long.MAX_VALUE;
        } else if (target.state != Ctl.State.DONE) {
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
                me.state = Ctl.State.SLEEPING;
                me.deadline = now + nanos;
                me.waitFrom = now;
                events.add(new Event(step, me.id, Event.Kind.SCHED, -1, new Event.Sleep(nanos)));
            }
            epoch++;
            fingerprint = mix(fingerprint, me.id * 31L + 13);
            close(me, 103);
            next = advance(me);
        }
        handoff(me, next);
    }

    void join(Ctl me, Ctl target, long nanos) {
        Ctl next;
        synchronized (this) {
            checkAbort();
            if (hb != null) {
                hb.sched(me, target, SCHED_DONE, false);
            }
            if (target.state == Ctl.State.DONE) {
                return;
            }
            me.lastWasSpin = false;
            me.justStepped = false;
            epoch++;
            strategy.yielded(me);
            me.state = Ctl.State.JOINING;
            me.joinTarget = target;
            events.add(new Event(step, me.id, Event.Kind.SCHED, -1, new Event.Join(target.label())));
            me.deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + nanos;
            me.waitFrom = now;
            epoch++;
            close(me, 104);
            next = advance(me);
        }
        handoff(me, next);
        if (hb != null) {
            synchronized (this) {
                hb.sched(me, target, SCHED_DONE, false); // it ended, or the time ran out
            }
        }
    }

    void start(Ctl me, Thread t) {
        Ctl child = register(t);
        if (hb != null) {
            synchronized (this) {
                hb.sched(me, child, SCHED_START, true);
            }
        }
        t.setUncaughtExceptionHandler((th, e) -> { });
        t.start();
        step(me, Event.Kind.START, new Event.Start(t.getName()), -1);
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

    synchronized void failed(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    void exit(Ctl me) {
        Ctl next;
        synchronized (this) {
            if (hb != null && abort == null) {
                hb.sched(me, me, SCHED_DONE, true);
                hb.close(me, 105);
            }
            me.state = Ctl.State.DONE;
            epoch++;
            for (Ctl c : ctls) {
                if (c.state == Ctl.State.JOINING && c.joinTarget == me) {
                    c.state = Ctl.State.RUNNABLE;
                    c.joinTarget = null;
                    c.deadline = Long.MAX_VALUE;
                }
            }
            if (ctls.stream().allMatch(c -> c.state == Ctl.State.DONE)) {
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

    private void record(Ctl me, Event.Kind kind, Event.Detail detail, long gfn) {
        me.named(me.thread.getName());
        events.add(new Event(step, me.id, kind, gfn, detail));
        me.lastKind = kind;
        me.justStepped = true;
        if (kind.syncPoint()) {
            syncSteps++;
        }
        fingerprint = mix(fingerprint, (long) me.id << 8 | kind.ordinal());
    }

    private Ctl advance(Ctl me) {
        step++;
        now += tickNanos;
        if (perThreadClock) {
            me.clock += tickNanos;
        }
        lastStepReal = System.nanoTime();
        if (step > maxSteps) {
            stuck = stuckThreads();
            stop("the schedule did not end within " + maxSteps + " steps");
            throw new Sched.Abort(abort);
        }
        Ctl next = choose(me);
        if (next == null) {
            throw new Sched.Abort(abort);
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
            deadlock = true;
            stuck = stuckThreads();
            stop("deadlock: every thread is blocked");
            return null;
        }
        if (me.state != Ctl.State.DONE && enabled.size() > 1 && enabled.contains(me) && runLength >= fairSteps) {
            enabled.remove(me); // fairness: a thread that never blocks does not starve the others
        }
        if (hb != null) {
            pickKey = key(me, enabled);
        }
        Ctl next = (Ctl) strategy.pick(enabled, me, step, syncSteps);
        runLength = next == me ? runLength + 1 : 0;
        if (next.state == Ctl.State.SPIN) {
            next.state = Ctl.State.RUNNABLE;
        }
        return next;
    }

    /** The state key of a pick: see {@link #stateKey()}. */
    private long key(Ctl me, List<Ctl> enabled) {
        long k = Footprint.mix(0x2545f4914f6cdd1dL + me.id);
        k = Footprint.mix(k ^ now); // equal for equal traces: as many steps, the same jumps
        k = Footprint.mix(k + Math.min(runLength, fairSteps));
        for (Ctl c : ctls) {
            k = Footprint.mix(k ^ c.h);
            k = Footprint.mix(k + c.state.ordinal() * 7L + (enabled.contains(c) ? 1 : 0) + (c.permit ? 2 : 0) + (c.justStepped ? 4 : 0)
                    + (c.lastWasSpin ? 8 : 0) + (c.lastKind == null ? 0 : (c.lastKind.ordinal() + 1) * 16L)
                    + (c.joinTarget == null ? 0 : (c.joinTarget.id + 1) * 1024L));
            k = Footprint.mix(k ^ c.clock);
            k = Footprint.mix(k ^ c.deadline);
            k = Footprint.mix(k ^ c.extraDep);
        }
        return k;
    }

    private static boolean timed(Ctl c) {
        return (c.state == Ctl.State.PARKED || c.state == Ctl.State.SLEEPING || c.state == Ctl.State.JOINING)
                && c.deadline != Long.MAX_VALUE;
    }

    /**
     * Wakes the threads whose timed wait is over. The wake adds no dependency: when it happens is
     * decided by the scheduler's state, which every pick's key holds (the shared clock, each thread's
     * deadline and clock), and what the woken thread does next depends only on what it reads, memory
     * through its footprints and the clock through {@link #clockOf} (which hashes the value read).
     */
    private void wakeTimed() {
        for (Ctl c : ctls) {
            if (timed(c) && c.deadline <= now) {
                c.state = Ctl.State.RUNNABLE;
                c.deadline = Long.MAX_VALUE;
                c.joinTarget = null;
                if (perThreadClock) {
                    c.clock += now - c.waitFrom; // its own clock counts the wait
                }
            }
        }
    }

    private List<Ctl> enabled() {
        List<Ctl> out = new ArrayList<>(ctls.size());
        for (Ctl c : ctls) {
            if (c.state == Ctl.State.RUNNABLE || (c.state == Ctl.State.SPIN && c.spinEpoch < epoch)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The threads that have not ended: state, what they wait for, held locks, stack. */
    private List<Outcome.Stuck> stuckThreads() {
        List<Outcome.Stuck> out = new ArrayList<>();
        for (Ctl c : ctls) {
            if (c.state == Ctl.State.DONE) {
                continue;
            }
            out.add(new Outcome.Stuck(c.label(), c.state, c.waitingFor, c.joinTarget == null ? null : c.joinTarget.label(),
                    c == current, List.copyOf(c.held), List.of(c.thread.getStackTrace())));
        }
        return out;
    }

    static long mix(long h, long v) {
        h ^= v;
        h *= 0x100000001b3L;
        return h;
    }
}
