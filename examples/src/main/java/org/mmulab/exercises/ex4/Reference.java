// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

/** A known good answer, for checking the grader itself ({@code mmulab grade 4 --reference}). */
public final class Reference implements RaceConfig {
    @Override
    public String variant() {
        return "no-slots-lock";
    }

    @Override
    public long holdFlushMillis() {
        return 15;
    }

    @Override
    public int rounds() {
        return 15;
    }

    @Override
    public String memory() {
        return "1M";
    }

    @Override
    public long seed() {
        return 1;
    }

    @Override
    public String warningThread() {
        return "harvester";
    }
}
