// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.lockdep.explore.Event;
import org.mmulab.lockdep.explore.Strategy;

/**
 * Follows a given list of forced switches ({@code step -> thread}), and otherwise keeps the
 * current thread while it can run (else the next enabled thread in round-robin order). It records every
 * step where another choice was possible, which is what bounded depth-first search backtracks
 * over; replaying a printed DFS schedule uses it too.
 */
public final class Forced implements Strategy {
    /**
     * A point where the search could have chosen otherwise, and the state there ({@code key}:
     * {@link org.mmulab.lockdep.explore.Run#stateKey()}, 0 without footprints).
     */
    public record Choice(long step, List<Integer> enabled, int taken, boolean currentEnabled, int current, long key) {}

    private final long[] steps;
    private final int[] threads;
    private int next;
    final List<Choice> choices = new ArrayList<>();
    /** Why a run is stopped when it meets an explored state (the reduction). */
    static final String MET_EXPLORED = "met an explored state";
    /** The reduction's explored states (null: none), and the preemptions this schedule used so far. */
    private LongIntMap explored;
    private int used;
    /** Whether the run was stopped where its state had been explored before with as many preemptions left. */
    boolean stoppedEarly;

    /**
     * Stop the run at the first choice point past the forced switches whose state {@code explored}
     * holds with at most as many preemptions used: from there on it would only repeat what an
     * earlier schedule ran.
     */
    Forced pruneAgainst(LongIntMap explored) {
        this.explored = explored;
        return this;
    }

    public Forced(long[] steps, int[] threads) {
        this.steps = steps;
        this.threads = threads;
    }

    /** Whether a step of kind {@code k} (null: none yet) is a synchronization point. */
    static boolean syncPoint(Event.Kind k) {
        return k != null && k.syncPoint();
    }

    /** Round robin: the first enabled thread after {@code current} in thread order, wrapping around. */
    static Candidate nextAfter(List<? extends Candidate> enabled, Candidate current) {
        for (Candidate c : enabled) {
            if (c.id() > current.id()) {
                return c;
            }
        }
        return enabled.get(0);
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
    public Candidate pick(List<? extends Candidate> enabled, Candidate current, long step, long syncSteps) {
        Candidate chosen = null;
        boolean curEnabled = enabled.contains(current);
        if (next < steps.length && steps[next] == step) {
            for (Candidate c : enabled) {
                if (c.id() == threads[next]) {
                    chosen = c;
                }
            }
            next++;
            if (chosen != null && chosen != current && curEnabled) {
                used++;
            }
        }
        if (chosen == null) {
            chosen = curEnabled ? current : nextAfter(enabled, current);
        }
        // a preemption is tried only where another thread can tell the difference: right after a
        // lock, unlock, spte store, flush, request, kick or ioctl (the guest's TLB hits and the
        // scheduler's own waits are left to the default); a switch away from a blocked thread is free
        if (enabled.size() > 1 && (!curEnabled || syncPoint(current.lastKind()))) {
            List<Integer> ids = new ArrayList<>(enabled.size());
            for (Candidate c : enabled) {
                ids.add(c.id());
            }
            org.mmulab.lockdep.explore.Run run = org.mmulab.lockdep.explore.Run.active();
            long key = run == null ? 0 : run.stateKey();
            choices.add(new Choice(step, ids, chosen.id(), curEnabled, current.id(), key));
            if (explored != null && run != null && next >= steps.length && !stoppedEarly
                    && (steps.length == 0 || step > steps[steps.length - 1]) && explored.get(key, Integer.MAX_VALUE) <= used) {
                stoppedEarly = true;
                run.stop(MET_EXPLORED);
            }
        }
        return chosen;
    }
}
