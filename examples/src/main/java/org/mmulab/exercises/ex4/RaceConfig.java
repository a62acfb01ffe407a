// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.exercises.Implementations;

/**
 * Exercise 4: the options of an {@code mmulab run enable-logging-race} that must break invariant 1
 * on purpose, every time, and one question about its lockdep report. See
 * docs/exercises/ex4-break-the-race.md.
 */
@Implementations(Solution.class)
public interface RaceConfig {
    /** {@code --variant}: a name from {@code mmulab list}. */
    String variant();

    /** {@code --hold-flush MS}; 0 leaves the option out. */
    long holdFlushMillis();

    /** {@code --rounds R}. */
    int rounds();

    /** {@code --memory SIZE}, like "1M". */
    String memory();

    /** {@code --seed N}; the grader also runs N + 1. */
    long seed();

    /** The question: which thread (the {@code Comm:} of the report) printed the lockdep WARNING? */
    String warningThread();

    /** The command line these options make, without the leading {@code mmulab}. */
    default List<String> args(long seed) {
        List<String> a = new ArrayList<>(List.of("run", "enable-logging-race", "--variant", String.valueOf(variant()),
                "--memory", String.valueOf(memory()), "--rounds", Integer.toString(rounds()), "--seed", Long.toString(seed)));
        if (holdFlushMillis() != 0) {
            a.add("--hold-flush");
            a.add(Long.toString(holdFlushMillis()));
        }
        return a;
    }
}
