// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

/**
 * Exercise 4, your configuration: make {@code enable-logging-race} break invariant 1 on purpose,
 * on every run, and answer the question about its lockdep report. The task sheet is
 * docs/exercises/ex4-break-the-race.md; grade with {@code ./mmulab grade 4}.
 */
public final class Solution implements RaceConfig {
    @Override
    public String variant() {
        // >>> exercise 4
        return "no-slots-lock";
        // kit: return "v3.16"; // TODO(ex4)
        // <<< exercise 4
    }

    @Override
    public long holdFlushMillis() {
        // >>> exercise 4
        // the harvester harvests inside the held window; 15 and 30 ms both broke it in 20 of 20 loaded runs (docs/variants.md)
        return 30;
        // kit: return 0; // TODO(ex4)
        // <<< exercise 4
    }

    @Override
    public int rounds() {
        // >>> exercise 4
        return 15;
        // kit: return 5; // TODO(ex4)
        // <<< exercise 4
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
        // >>> exercise 4
        return "harvester";
        // kit: return null; // TODO(ex4): the Comm: of the WARNING
        // <<< exercise 4
    }
}
