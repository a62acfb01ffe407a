// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Picks the thread that runs next at each yield point. One instance per schedule. */
public interface Strategy {
    /** A thread joined the run (PCT gives it a priority). */
    default void created(Sched.Ctl c) {}

    /** A thread waits of its own accord: it spins, parks, sleeps or joins. */
    default void yielded(Sched.Ctl c) {}

    /** One of {@code enabled} (never empty, in thread order); {@code current} just yielded. */
    Sched.Ctl pick(List<Sched.Ctl> enabled, Sched.Ctl current, long step);

    /** Random walk: every yield point picks uniformly among the enabled threads. */
    final class RandomWalk implements Strategy {
        private final SplittableRandom rnd;

        public RandomWalk(long seed) {
            this.rnd = new SplittableRandom(seed);
        }

        @Override
        public Sched.Ctl pick(List<Sched.Ctl> enabled, Sched.Ctl current, long step) {
            return enabled.get(enabled.size() == 1 ? 0 : rnd.nextInt(enabled.size()));
        }
    }

    /**
     * PCT (Burckhardt et al., ASPLOS 2010): each thread gets a random priority at creation; the
     * highest-priority enabled thread always runs; at {@code depth - 1} steps chosen at random in
     * {@code [1, steps]} the running thread drops to priority 1, 2, ... (below every other). A bug
     * that needs d ordering constraints is found with probability at least 1/(n k^(d-1)).
     *
     * <p>Here k counts synchronization steps only (lock, unlock, spte store, flush, request, kick,
     * ioctl, TLB fill): a change point right after a guest's TLB hit is one no other thread can
     * tell from the next synchronization step, and there are far more hits than anything else, so
     * counting them would make k ten times larger and every bug of depth 3 a hundred times rarer.
     *
     * <p>The paper's threads all end; a vCPU never does, and a VMM thread polls. So a thread that
     * waits of its own accord (spins, parks, sleeps) goes behind every thread that has not waited
     * since, as a yielding thread does under a fair scheduler; otherwise the top thread would run
     * alone for ever. Change-point priorities stay below all of these. A thread dropped at a change
     * point may still starve behind two that take turns for ever (a vCPU and a polling VMM thread),
     * so past twice the expected length the schedule goes round robin, which is fair, and the run
     * ends.
     */
    final class Pct implements Strategy {
        private final SplittableRandom rnd;
        private final int depth;
        private final long steps;
        private final long allSteps;
        private final long[] changeAt;
        /** Below every creation priority (2^32 and up), above every change-point one (1 .. depth-1). */
        private long yieldPrio = 1L << 31;

        public Pct(long seed, int depth, long steps) {
            this(seed, depth, steps, Long.MAX_VALUE / 4);
        }

        /**
         * @param steps the synchronization steps a schedule is expected to have (change points are drawn from them)
         * @param allSteps all the steps it is expected to have (past twice this, round robin)
         */
        public Pct(long seed, int depth, long steps, long allSteps) {
            this.rnd = new SplittableRandom(seed);
            this.depth = depth;
            this.steps = Math.max(1, steps);
            this.allSteps = Math.max(1, allSteps);
            this.changeAt = new long[Math.max(0, depth - 1)];
            for (int i = 0; i < changeAt.length; i++) {
                changeAt[i] = 1 + rnd.nextLong(Math.max(1, steps));
            }
        }

        @Override
        public void created(Sched.Ctl c) {
            c.prio = (1L << 32) + rnd.nextInt(1 << 20);
        }

        @Override
        public void yielded(Sched.Ctl c) {
            if (c.prio >= depth) {
                c.prio = --yieldPrio;
            }
        }

        @Override
        public Sched.Ctl pick(List<Sched.Ctl> enabled, Sched.Ctl current, long step) {
            if (current.justStepped && Forced.syncPoint(current.lastKind)) {
                long sync = current.run.syncSteps;
                for (int i = 0; i < changeAt.length; i++) {
                    if (changeAt[i] == sync) {
                        current.prio = i + 1;
                    }
                }
            }
            if (current.run.syncSteps > 2 * steps || step > 2 * allSteps) {
                return nextAfter(enabled, current);
            }
            Sched.Ctl best = enabled.get(0);
            for (Sched.Ctl c : enabled) {
                if (c.prio > best.prio) {
                    best = c;
                }
            }
            return best;
        }
    }

    /** Round robin: the first enabled thread after {@code current} in thread order, wrapping around. */
    static Sched.Ctl nextAfter(List<Sched.Ctl> enabled, Sched.Ctl current) {
        for (Sched.Ctl c : enabled) {
            if (c.id > current.id) {
                return c;
            }
        }
        return enabled.get(0);
    }

    /**
     * Follows a given list of forced switches ({@code step -> thread}), and otherwise keeps the
     * current thread while it can run (else the next enabled thread in round-robin order). It records every
     * step where another choice was possible, which is what bounded depth-first search backtracks
     * over; replaying a printed DFS schedule uses it too.
     */
    final class Forced implements Strategy {
        /** A point where the search could have chosen otherwise. */
        public record Choice(long step, List<Integer> enabled, int taken, boolean currentEnabled, int current) {}

        private final long[] steps;
        private final int[] threads;
        private int next;
        final List<Choice> choices = new ArrayList<>();

        public Forced(long[] steps, int[] threads) {
            this.steps = steps;
            this.threads = threads;
        }

        static boolean syncPoint(Event.Kind k) {
            return k == Event.Kind.LOCK || k == Event.Kind.UNLOCK || k == Event.Kind.SPTE || k == Event.Kind.FLUSH
                    || k == Event.Kind.REQUEST || k == Event.Kind.KICK || k == Event.Kind.IOCTL || k == Event.Kind.TLB_FILL
                    || k == Event.Kind.MARK;
        }

        /** The forced switches, as {steps, threads}. */
        long[][] forcedList() {
            long[] t = new long[threads.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = threads[i];
            }
            return new long[][] {steps.clone(), t};
        }

        @Override
        public Sched.Ctl pick(List<Sched.Ctl> enabled, Sched.Ctl current, long step) {
            Sched.Ctl chosen = null;
            if (next < steps.length && steps[next] == step) {
                for (Sched.Ctl c : enabled) {
                    if (c.id == threads[next]) {
                        chosen = c;
                    }
                }
                next++;
            }
            boolean curEnabled = enabled.contains(current);
            if (chosen == null) {
                chosen = curEnabled ? current : nextAfter(enabled, current);
            }
            // a preemption is tried only where another thread can tell the difference: right after a
            // lock, unlock, spte store, flush, request, kick or ioctl (the guest's TLB hits and the
            // scheduler's own waits are left to the default); a switch away from a blocked thread is free
            if (enabled.size() > 1 && (!curEnabled || syncPoint(current.lastKind))) {
                List<Integer> ids = new ArrayList<>(enabled.size());
                for (Sched.Ctl c : enabled) {
                    ids.add(c.id);
                }
                choices.add(new Choice(step, ids, chosen.id, curEnabled, current.id));
            }
            return chosen;
        }
    }
}
