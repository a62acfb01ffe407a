// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9;

import java.util.List;
import org.mmulab.exercises.Grade;

/** Wrong answers of exercise 9, each a whole answer sheet with one plausible mistake: each must lose points. */
public final class WrongSolutions {
    private WrongSolutions() {}

    public static List<Grade.Target> all() {
        return List.of(
                Grade.Target.answers("the preempting thread (the shadower) instead of the preempted one", PreemptingThread.class),
                Grade.Target.answers("off by one: the step after the preemption point", OffByOne.class),
                Grade.Target.answers("the gfn of another page (the slot's first)", OtherGfn.class),
                Grade.Target.answers("prediction B: v3.15's flush inside mmu_lock, not v3.16's", WrongPrediction.class));
    }

    /** The right answers, to derive wrong ones from. */
    public static class Right implements TimelineReading {
        public String preemptedThread() { return "harvester"; }
        public long step() { return 422; }
        public long gfn() { return 0x100002; }
        public Prediction v316() { return Prediction.A_SHADOWER_FLUSHES_ITSELF; }
    }

    public static final class PreemptingThread extends Right {
        @Override public String preemptedThread() { return "scenario/shadower"; }
    }

    public static final class OffByOne extends Right {
        @Override public long step() { return 423; }
    }

    public static final class OtherGfn extends Right {
        @Override public long gfn() { return 0x100000; }
    }

    public static final class WrongPrediction extends Right {
        @Override public Prediction v316() { return Prediction.B_HARVESTER_FLUSHES_UNDER_MMU_LOCK; }
    }
}
