// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

/**
 * Exercise 3, your answers: fill in each method from the lockdep report and the v3.16 source.
 * The task sheet is docs/exercises/ex3-lockdep-report.md; grade with {@code ./mmulab grade 3}.
 */
public final class Solution implements LockdepDiagnosis {
    @Override
    public String variant() {
        return null; // TODO(ex3): a name from `./mmulab list`
    }

    @Override
    public String function() {
        return null; // TODO(ex3): a kernel function name, e.g. "kvm_flush_remote_tlbs"
    }

    @Override
    public String lock() {
        return null; // TODO(ex3): as the kernel source writes it, e.g. "&kvm->mmu_lock"
    }

    @Override
    public String otherFunction() {
        return null; // TODO(ex3): a kernel function name
    }

    @Override
    public Rule rule() {
        return null; // TODO(ex3): one of Rule.A_... to Rule.E_...
    }

    @Override
    public int invariant() {
        return 0; // TODO(ex3): 1, 2 or 3
    }
}
