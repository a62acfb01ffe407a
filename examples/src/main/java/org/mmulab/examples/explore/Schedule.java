// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mmulab.lockdep.explore.Event;

/** One schedule's outcome, as the explorer reports it. */
public final class Schedule {
    public long seed;
    public String strategy;
    public List<Event> events;
    public List<String> labels = new ArrayList<>();
    public long steps;
    /** Of which at synchronization points. */
    public long syncSteps;
    public long fingerprint;
    public List<String> violations = List.of();
    public Set<Long> violatedGfns = Set.of();
    /** Each blocked thread, when every thread got stuck (the report's text), else null. */
    public String deadlock;
    public String abort;
    public Throwable failure;
    /** Why the running thread made no step (the report's text), else null. */
    public String hang;
    public int lockdepReports;
    public String lockdepText = "";
    Forced forced;

    public boolean found(boolean stopOnLockdep) {
        return !violations.isEmpty() || deadlock != null || failure != null || hang != null
                || (stopOnLockdep && lockdepReports > 0);
    }
}
