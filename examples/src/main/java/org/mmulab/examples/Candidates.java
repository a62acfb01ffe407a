// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.vmm.Scenario;

/**
 * The values some options take, for the help ({@code ${COMPLETION-CANDIDATES}}) and the bash
 * completion script; read from the lists the commands check against, so neither can go stale.
 */
final class Candidates {
    private Candidates() {}

    static List<String> variants() {
        return new ArrayList<>(VariantLoader.DESCRIPTIONS.keySet());
    }

    /** Every scenario, in list order. */
    static final class Scenarios implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Scenario.names().iterator();
        }
    }

    /** Every scenario, as explore offers them: the races first. */
    static final class ExploreScenarios implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Scenario.exploreNames().iterator();
        }
    }

    static final class Variants implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return variants().iterator();
        }
    }

    /** explore's strategies: the controlled ones, then the uncontrolled baseline. */
    static final class ExploreStrategies implements Iterable<String> {
        static final List<String> ALL = List.of("pct", "random", "dfs", "stress");

        @Override
        public Iterator<String> iterator() {
            return ALL.iterator();
        }
    }

    /** What replay can run again: the controlled strategies (a stress run is not replayable). */
    static final class ReplayStrategies implements Iterable<String> {
        static final List<String> ALL = List.of("pct", "random", "dfs");

        @Override
        public Iterator<String> iterator() {
            return ALL.iterator();
        }
    }
}
