// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.List;

/** What the first controlled thread of a {@link Run} runs: one whole program, its workload seeded. */
@FunctionalInterface
public interface Body {
    /** The invariant violations the program's own checks found (empty: all held). */
    List<String> run(long seed) throws Exception;
}
