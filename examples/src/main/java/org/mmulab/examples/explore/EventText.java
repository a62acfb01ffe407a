// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import org.mmulab.lockdep.explore.Event;

/** An event as one row of the timeline: "lock kvm->mmu_lock", "spte 100000 W,MW,HW -> MW,HW", ... */
final class EventText {
    private EventText() {}

    /** "&kvm->mmu_lock" is kvm->mmu_lock in the timeline. */
    static String lockName(String lock) {
        return lock.startsWith("&") ? lock.substring(1) : lock;
    }

    static String hex(long v) {
        return Long.toHexString(v);
    }

    /** The row text of {@code e}; {@code d} null: values in hex. */
    static String of(Event e, Describer d) {
        Event.Detail x = e.detail();
        if (x instanceof Event.Lock l) {
            String name = lockName(l.lock());
            return (e.kind() == Event.Kind.LOCK_WAIT ? "wait " : e.kind() == Event.Kind.LOCK ? "lock " : "unlock ") + name;
        }
        if (x instanceof Event.SpteStore s) {
            if (d == null) {
                return "spte " + hex(s.old()) + " -> " + hex(s.value());
            }
            if (e.gfn() < 0) {
                return "spte (non-leaf) " + d.bits(s.old()) + " -> " + d.bits(s.value());
            }
            return "spte " + hex(e.gfn()) + " " + d.bits(s.old()) + " -> " + d.bits(s.value());
        }
        if (x instanceof Event.SpteCasFailed) {
            return "cmpxchg64 on spte " + hex(e.gfn()) + " failed";
        }
        if (x instanceof Event.Access a) {
            String found = !a.hit() ? "TLB miss" : a.writable() ? "TLB hit RW" : "TLB hit RO";
            return (a.write() ? "guest writes " : "guest reads ") + hex(e.gfn()) + ": " + found;
        }
        if (x instanceof Event.TlbFill f) {
            return "  TLB fill " + hex(e.gfn()) + (f.writable() ? " RW" : " RO");
        }
        if (x instanceof Event.TlbFlush f) {
            return "TLB flush (" + f.dropped() + " dropped)";
        }
        if (x instanceof Event.RemoteFlush f) {
            return f.done() ? "  flush returns" : "kvm_flush_remote_tlbs";
        }
        if (x instanceof Event.Request r) {
            return "request " + request(d, r.request()) + " -> " + r.vcpu();
        }
        if (x instanceof Event.RequestSeen r) {
            return "sees " + request(d, r.request());
        }
        if (x instanceof Event.Kick k) {
            return "kick " + k.vcpu();
        }
        if (x instanceof Event.Ioctl i) {
            return ioctl(d, i.cmd());
        }
        if (x instanceof Event.IoctlDone i) {
            return "  " + ioctl(d, i.cmd()) + " = " + i.result();
        }
        if (x instanceof Event.Mark m) {
            String what = d == null ? m.what() : d.function(m.what());
            return m.done() ? "  " + what + " done" : what;
        }
        if (x instanceof Event.Check c) {
            return c.ok() ? "check invariant " + c.invariant() + ": ok"
                    : "CHECK invariant " + c.invariant() + " BROKEN: " + hex(c.gfn());
        }
        return sched(x);
    }

    /** The scheduler's own rows (shown with --full) and thread starts. */
    private static String sched(Event.Detail x) {
        if (x instanceof Event.Spin) {
            return "(spins)";
        }
        if (x instanceof Event.Park p) {
            return p.nanos() == Long.MAX_VALUE ? "(parks)" : "(parks " + p.nanos() / 1000 + " us)";
        }
        if (x instanceof Event.Sleep s) {
            return "(sleeps " + s.nanos() / 1000 + " us)";
        }
        if (x instanceof Event.Join j) {
            return "(joins " + j.thread() + ")";
        }
        if (x instanceof Event.Reschedule) {
            return "schedule()";
        }
        if (x instanceof Event.Start s) {
            return "start " + s.thread();
        }
        throw new IllegalArgumentException("no text for " + x);
    }

    private static String request(Describer d, int req) {
        return d == null ? Integer.toString(req) : d.request(req);
    }

    private static String ioctl(Describer d, long cmd) {
        return d == null ? Long.toHexString(cmd) : d.ioctl(cmd);
    }
}
