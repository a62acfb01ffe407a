// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.List;
import java.util.Set;

/**
 * What one {@link Run} did, once its threads have ended or been unwound.
 *
 * @param events every recorded step and wait, in order
 * @param labels each thread's label, by thread id
 * @param steps the steps the schedule took
 * @param syncSteps of which at synchronization points
 * @param fingerprint a hash of who ran which kind of step when (equal for equal interleavings)
 * @param abort why the run was stopped, or null when it ended by itself
 * @param deadlock whether it was stopped because every thread was blocked
 * @param stuck at a deadlock or the step bound, the threads that had not ended; else null
 * @param failure the first exception a controlled thread ended with, or null
 * @param violations what the invariant checks at the yield points found (the run stops at the first)
 * @param violatedGfns the gfns of those violations
 * @param result what the {@link Body} returned, or null when it did not return
 */
public record Outcome(List<Event> events, List<String> labels, long steps, long syncSteps, long fingerprint, String abort,
                      boolean deadlock, List<Stuck> stuck, Throwable failure, List<String> violations, Set<Long> violatedGfns,
                      List<String> result) {
    /**
     * A thread that had not ended when the run stopped: its label, state, the lock it waited for,
     * the thread it joined, whether it was the one running, its held locks and its stack then.
     */
    public record Stuck(String label, Ctl.State state, String waitingFor, String joining, boolean running, List<String> held,
                        List<StackTraceElement> at) {}
}
