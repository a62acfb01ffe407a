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
        return "v3.16"; // TODO(ex4)
    }

    @Override
    public long holdFlushMillis() {
        return 0; // TODO(ex4)
    }

    @Override
    public int rounds() {
        return 5; // TODO(ex4)
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
        return null; // TODO(ex4): the Comm: of the WARNING
    }
}
