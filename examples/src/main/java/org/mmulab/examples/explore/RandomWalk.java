// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.List;
import java.util.SplittableRandom;
import org.mmulab.lockdep.explore.Strategy;

/** Random walk: every yield point picks uniformly among the enabled threads. */
public final class RandomWalk implements Strategy {
    private final SplittableRandom rnd;

    public RandomWalk(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    @Override
    public Candidate pick(List<? extends Candidate> enabled, Candidate current, long step, long syncSteps) {
        return enabled.get(enabled.size() == 1 ? 0 : rnd.nextInt(enabled.size()));
    }
}
