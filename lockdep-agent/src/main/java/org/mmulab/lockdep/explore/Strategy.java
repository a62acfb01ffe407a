// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.List;

/**
 * Picks the thread that runs next at each yield point. One instance per schedule. The scheduler
 * core calls it; the strategies themselves (random walk, PCT, bounded DFS) are the explorer's.
 */
public interface Strategy {
    /** What a strategy sees of a controlled thread. */
    interface Candidate {
        /** 0, 1, 2, ... in the order the threads joined the run. */
        int id();

        /** The kind of its last recorded step, or null before its first. */
        Event.Kind lastKind();

        /** Whether its last yield point was a recorded step (not a spin, park, sleep or join). */
        boolean justStepped();
    }

    /** A thread joined the run. */
    default void created(Candidate c) {}

    /** A thread waits of its own accord: it spins, parks, sleeps or joins. */
    default void yielded(Candidate c) {}

    /**
     * One of {@code enabled} (never empty, in thread order); {@code current} just yielded at
     * {@code step}, and {@code syncSteps} of the steps so far were synchronization points.
     */
    Candidate pick(List<? extends Candidate> enabled, Candidate current, long step, long syncSteps);
}
