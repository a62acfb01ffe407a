// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9;

/**
 * Exercise 9, your answers: fill in each method from the timeline that the command on the task
 * sheet (docs/exercises/ex9-read-the-timeline.md) prints. Grade with {@code ./mmulab grade 9}.
 */
public final class Solution implements TimelineReading {
    @Override
    public String preemptedThread() {
        // >>> exercise 9
        return "harvester";
        // kit: return null; // TODO(ex9): a thread's name, as a column of the timeline shows it
        // <<< exercise 9
    }

    @Override
    public long step() {
        // >>> exercise 9
        return 422;
        // kit: return -1; // TODO(ex9): a step number from the timeline's first column
        // <<< exercise 9
    }

    @Override
    public long gfn() {
        // >>> exercise 9
        return 0x100002;
        // kit: return -1; // TODO(ex9): a gfn, e.g. 0x100000 (the timeline prints gfns in hex)
        // <<< exercise 9
    }

    @Override
    public Prediction v316() {
        // >>> exercise 9
        return Prediction.A_SHADOWER_FLUSHES_ITSELF;
        // kit: return null; // TODO(ex9): one of Prediction.A_... to Prediction.D_...
        // <<< exercise 9
    }
}
