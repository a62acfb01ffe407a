// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * The yield points of the controlled scheduler. The agent's {@code explore=true} option weaves
 * calls to these methods in at the port's lock, spte, TLB, request and ioctl events (the
 * ExploreAdvice); the blocking JDK calls are redirected to {@link JdkCalls}. On a thread that an
 * active {@link Run} controls, each records what happened as an {@link Event} (kind, thread,
 * values) and lets the run's strategy pick who goes on; outside a run, or on a thread the run
 * does not control, each does nothing.
 *
 * <p>Where a value is known only to the program (the spte a plain store overwrites, the gfn a spte
 * maps, whether a TLB entry is writable), the {@link Probe} installed by the scenario driver is
 * asked.
 */
public final class Sched {
    private Sched() {}

    /** The active run, or null: then every entry point is the plain JDK call it replaces. */
    static volatile Run run;
    /** Set by the agent when it wove the yield points (explore=true). */
    private static volatile boolean woven;
    static final ThreadLocal<Ctl> ME = new ThreadLocal<>();
    private static volatile Probe probe;

    /** Thrown in controlled threads to unwind them when a run is stopped (deadlock, step bound). */
    public static final class Abort extends Error {
        Abort(String why) {
            super(why, null, false, false);
        }
    }

    /** Whether the agent wove the yield points into this JVM's port (explore=true). */
    public static boolean woven() {
        return woven;
    }

    /** Called by the agent at start-up with explore=true. */
    public static void markWoven() {
        woven = true;
    }

    /** Installs what the yield points ask the program about its values (null: nothing). */
    public static void probe(Probe p) {
        probe = p;
    }

    static Ctl me() {
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

    // ------------------------------------------------------------------ locks

    public static void lockWait(Object lock) {
        Ctl c = me();
        if (c != null) {
            c.waitingFor = String.valueOf(lock);
            c.run.step(c, Event.Kind.LOCK_WAIT, new Event.Lock(c.waitingFor), -1);
        }
    }

    public static void locked(Object lock) {
        Ctl c = me();
        if (c != null) {
            c.waitingFor = null;
            String name = String.valueOf(lock);
            c.held.add(name);
            c.run.step(c, Event.Kind.LOCK, new Event.Lock(name), -1);
        }
    }

    public static void unlocked(Object lock) {
        Ctl c = me();
        if (c != null) {
            String name = String.valueOf(lock);
            c.held.remove(name);
            c.run.step(c, Event.Kind.UNLOCK, new Event.Lock(name), -1);
        }
    }

    // ------------------------------------------------------------------ sptes, guest accesses, the TLB

    /** Before a plain store to a u64: the value it overwrites (0 outside a run). */
    public static long peek(long addr) {
        Probe p = probe;
        return p != null && me() != null ? p.read(addr) : 0;
    }

    /** A spte write ({@code *sptep = v}, xchg or a successful cmpxchg64). */
    public static void spte(long sptep, long old, long v) {
        Ctl c = me();
        if (c == null || old == v) {
            return; // a store of the value already there (a page being zeroed) changes nothing
        }
        c.run.step(c, Event.Kind.SPTE, new Event.SpteStore(sptep, old, v), gfnOf(sptep));
    }

    /** A cmpxchg64 on a spte that lost its race. */
    public static void spteCasFailed(long sptep) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.SPTE, new Event.SpteCasFailed(sptep), gfnOf(sptep));
        }
    }

    private static long gfnOf(long sptep) {
        Probe p = probe;
        return p == null ? -1 : p.gfnOf(sptep);
    }

    /** A guest access is starting: remembered, and recorded with its TLB lookup. */
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
            Probe p = probe;
            boolean writable = entry != null && p != null && p.tlbWritable(entry);
            c.run.step(c, Event.Kind.ACCESS, new Event.Access(c.accessWrite, entry != null, writable), gfn);
        }
    }

    public static void tlbFill(long gfn, boolean writable) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.TLB_FILL, new Event.TlbFill(writable), gfn);
        }
    }

    public static void tlbFlush(int dropped) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.TLB_FLUSH, new Event.TlbFlush(dropped), -1);
        }
    }

    // ------------------------------------------------------------------ flushes, requests, ioctls

    public static void flushBegin() {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.FLUSH, new Event.RemoteFlush(false), -1);
        }
    }

    public static void flushEnd() {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.FLUSH, new Event.RemoteFlush(true), -1);
        }
    }

    public static void request(int req, Object vcpu) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.REQUEST, new Event.Request(req, String.valueOf(vcpu)), -1);
        }
    }

    public static void requestSeen(int req) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.REQUEST, new Event.RequestSeen(req), -1);
        }
    }

    public static void kick(Object vcpu) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.KICK, new Event.Kick(String.valueOf(vcpu)), -1);
        }
    }

    public static void ioctl(long cmd) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.IOCTL, new Event.Ioctl(cmd), -1);
        }
    }

    public static void ioctlDone(long cmd, long r) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.IOCTL, new Event.IoctlDone(cmd, r), -1);
        }
    }

    /** A function of interest entered (the port's slot write-protect), or a label a test puts in. */
    public static void mark(String what) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.MARK, new Event.Mark(what, false), -1);
        }
    }

    /** The function of {@link #mark(String)} about to return. */
    public static void markDone(String what) {
        Ctl c = me();
        if (c != null) {
            c.run.step(c, Event.Kind.MARK, new Event.Mark(what, true), -1);
        }
    }

    // ------------------------------------------------------------------ invariant checks

    /** An invariant check's outcome; a broken one stops the run (the gfns of its violations are kept). */
    public static void check(String invariant, List<?> violations) {
        Ctl c = me();
        if (c == null) {
            return;
        }
        Probe p = probe;
        List<Long> violatedGfns = new ArrayList<>();
        for (Object v : violations) {
            violatedGfns.add(p == null ? -1 : p.violationGfn(v));
        }
        if (violatedGfns.isEmpty()) {
            c.run.note(c, Event.Kind.CHECK, new Event.Check(invariant, true, -1), -1);
            return;
        }
        c.run.note(c, Event.Kind.CHECK, new Event.Check(invariant, false, violatedGfns.get(0)), -1);
        c.run.broken(violations, violatedGfns);
        throw new Abort("invariant " + invariant + " broken");
    }
}
