// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

/**
 * One thing a controlled thread did, at a step of the schedule: what kind of step, the gfn it is
 * about ({@code -1} when none or unknown) and the values that were there ({@link Detail}). The
 * agent records these; how they read (a timeline's rows) is up to whoever shows them.
 */
public record Event(long step, int thread, Kind kind, long gfn, Detail detail) {
    /** What kind of step. */
    public enum Kind {
        LOCK_WAIT, LOCK, UNLOCK, SPTE, ACCESS, TLB_FILL, TLB_FLUSH, FLUSH, REQUEST, KICK, IOCTL, MARK, CHECK, SCHED,
        START;

        /**
         * A step another thread can tell apart from its neighbours: a lock or unlock, a spte store,
         * a flush, a request, a kick, an ioctl, a TLB fill or a mark. A guest's TLB hit, the
         * scheduler's own waits and a thread start are not. Strategies count and preempt at these.
         */
        public boolean syncPoint() {
            return this == LOCK || this == UNLOCK || this == SPTE || this == FLUSH || this == REQUEST || this == KICK
                    || this == IOCTL || this == TLB_FILL || this == MARK;
        }
    }

    /** The values of one event; which record goes with which {@link Kind} is said on each. */
    public sealed interface Detail {}

    /** LOCK_WAIT (about to try), LOCK (now held), UNLOCK (now free): the lock's name as lockdep names it. */
    public record Lock(String lock) implements Detail {}

    /** SPTE: a store to the spte at {@code sptep} ({@code *sptep = value}, xchg, or a cmpxchg64 that won). */
    public record SpteStore(long sptep, long old, long value) implements Detail {}

    /** SPTE: a cmpxchg64 on the spte at {@code sptep} that lost its race. */
    public record SpteCasFailed(long sptep) implements Detail {}

    /** ACCESS: a guest read or write and its TLB lookup: a miss, or a hit on a writable or read-only entry. */
    public record Access(boolean write, boolean hit, boolean writable) implements Detail {}

    /** TLB_FILL: an entry about to go into the vCPU's TLB. */
    public record TlbFill(boolean writable) implements Detail {}

    /** TLB_FLUSH: the vCPU dropped its TLB, {@code dropped} entries. */
    public record TlbFlush(int dropped) implements Detail {}

    /** FLUSH: kvm_flush_remote_tlbs entered ({@code done} false) or about to return. */
    public record RemoteFlush(boolean done) implements Detail {}

    /** REQUEST: request number {@code request} made of {@code vcpu} (its toString). */
    public record Request(int request, String vcpu) implements Detail {}

    /** REQUEST: the running vCPU found request number {@code request} pending. */
    public record RequestSeen(int request) implements Detail {}

    /** KICK: {@code vcpu} (its toString) was kicked. */
    public record Kick(String vcpu) implements Detail {}

    /** IOCTL: a VM ioctl entered. */
    public record Ioctl(long cmd) implements Detail {}

    /** IOCTL: a VM ioctl returning {@code result}. */
    public record IoctlDone(long cmd, long result) implements Detail {}

    /** MARK: a function of interest entered ({@code done} false) or left; or a test's label. */
    public record Mark(String what, boolean done) implements Detail {}

    /** CHECK: an invariant check passed, or broke first at {@code gfn}. */
    public record Check(String invariant, boolean ok, long gfn) implements Detail {}

    /** SCHED: the thread spins (waits for another to do something). */
    public record Spin() implements Detail {}

    /** SCHED: the thread parks, for {@code nanos} ({@code Long.MAX_VALUE}: until unparked). */
    public record Park(long nanos) implements Detail {}

    /** SCHED: the thread sleeps {@code nanos}. */
    public record Sleep(long nanos) implements Detail {}

    /** SCHED: the thread waits for the thread labelled {@code thread} to end. */
    public record Join(String thread) implements Detail {}

    /** SCHED: a voluntary reschedule (schedule()); the thread stays runnable. */
    public record Reschedule() implements Detail {}

    /** START: the thread started the thread named {@code thread}. */
    public record Start(String thread) implements Detail {}
}
