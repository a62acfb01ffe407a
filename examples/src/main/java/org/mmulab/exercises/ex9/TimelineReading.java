// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9;

import org.mmulab.exercises.Implementations;

/**
 * Exercise 9: what an {@code mmulab explore} timeline says. See docs/exercises/ex9-read-the-timeline.md
 * for the command whose timeline you read.
 */
@Implementations(Solution.class)
public interface TimelineReading {
    /** What v3.16 does instead, in the same race; choose one in {@link #v316()}. */
    enum Prediction {
        /**
         * The shadower's write-protect of that spte still owes a TLB flush (SPTE_MMU_WRITEABLE was
         * set), so the shadower calls kvm_flush_remote_tlbs itself, before it drops mmu_lock and
         * kicks vcpu0: invariant 2 holds.
         */
        A_SHADOWER_FLUSHES_ITSELF,
        /**
         * The harvester flushes before it drops mmu_lock, so it cannot be preempted with its
         * flush still to come.
         */
        B_HARVESTER_FLUSHES_UNDER_MMU_LOCK,
        /**
         * The shadower takes slots_lock, so it waits until the harvester's KVM_GET_DIRTY_LOG,
         * flush included, has returned.
         */
        C_SHADOWER_WAITS_FOR_SLOTS_LOCK,
        /** Nothing different: v3.16 breaks invariant 2 in this race too; the race is the scenario's. */
        D_SAME_VIOLATION
    }

    /** The thread that was preempted inside its window (its name as the timeline's column shows it). */
    String preemptedThread();

    /** The step (the timeline's first column) of that thread's last row before the check broke. */
    long step();

    /** The gfn whose TLB entry broke the invariant. */
    long gfn();

    /** What v3.16 ({@code --variant v3.16}) does instead. */
    Prediction v316();
}
