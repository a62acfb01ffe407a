// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

import org.mmulab.exercises.Implementations;

/** Exercise 3: what a lockdep report says, and why. See docs/exercises/ex3-lockdep-report.md. */
@Implementations(Solution.class)
public interface LockdepDiagnosis {
    /** The kernel rules to choose from in {@link #rule()}. */
    enum Rule {
        /** Every change to an spte is made with kvm->mmu_lock held. */
        A_SPTES_UNDER_MMU_LOCK,
        /**
         * KVM_GET_DIRTY_LOG and the memslot update that write-protects a whole slot both flush the
         * TLBs only after releasing mmu_lock; holding slots_lock keeps one of them from finishing
         * (and reporting pages clean) while the other's flush is still pending.
         */
        B_SLOTS_LOCK_COVERS_THE_LATE_FLUSH,
        /** kvm_flush_remote_tlbs may sleep, so it must never be called with a spinlock held. */
        C_NO_FLUSH_UNDER_A_SPINLOCK,
        /** slots_lock and mmu_lock were taken in opposite orders on two paths (a possible deadlock). */
        D_LOCK_ORDER_INVERSION,
        /** The memslot array must be read inside an SRCU read-side section of kvm->srcu. */
        E_MEMSLOTS_UNDER_SRCU
    }

    /** Which variant ({@code mmulab list}) was the report printed under? */
    String variant();

    /** In which v3.16 kernel function does the WARNING fire? (the function's kernel name) */
    String function();

    /** Which lock does the failed assertion ask for? (as the kernel source writes it) */
    String lock();

    /** Which other v3.16 function asserts the same lock for the same reason? */
    String otherFunction();

    /** Which rule does the assertion guard? */
    Rule rule();

    /** Which invariant of the machine (1, 2 or 3; docs/variants.md, "Scenarios and variants") breaks when the race it allows happens? */
    int invariant();
}
