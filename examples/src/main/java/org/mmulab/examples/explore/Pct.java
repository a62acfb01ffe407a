// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mmulab.lockdep.explore.Strategy;

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
public final class Pct implements Strategy {
    private final SplittableRandom rnd;
    private final int depth;
    private final long steps;
    private final long allSteps;
    private final long[] changeAt;
    /** Below every creation priority (2^32 and up), above every change-point one (1 .. depth-1). */
    private long yieldPrio = 1L << 31;
    /** Each thread's priority, by thread id. */
    private long[] prio = new long[8];

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

    /** The priority of the thread with id {@code id}. */
    long prio(int id) {
        return prio[id];
    }

    @Override
    public void created(Candidate c) {
        if (c.id() >= prio.length) {
            prio = Arrays.copyOf(prio, Math.max(prio.length * 2, c.id() + 1));
        }
        prio[c.id()] = (1L << 32) + rnd.nextInt(1 << 20);
    }

    @Override
    public void yielded(Candidate c) {
        if (prio[c.id()] >= depth) {
            prio[c.id()] = --yieldPrio;
        }
    }

    @Override
    public Candidate pick(List<? extends Candidate> enabled, Candidate current, long step, long syncSteps) {
        if (current.justStepped() && Forced.syncPoint(current.lastKind())) {
            for (int i = 0; i < changeAt.length; i++) {
                if (changeAt[i] == syncSteps) {
                    prio[current.id()] = i + 1;
                }
            }
        }
        if (syncSteps > 2 * steps || step > 2 * allSteps) {
            return Forced.nextAfter(enabled, current);
        }
        Candidate best = enabled.get(0);
        for (Candidate c : enabled) {
            if (prio[c.id()] > prio[best.id()]) {
                best = c;
            }
        }
        return best;
    }
}
