// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

/**
 * Exercise 3, your answers: fill in each method from the lockdep report and the v3.16 source.
 * The task sheet is docs/exercises/ex3-lockdep-report.md; grade with {@code ./mmulab grade 3}.
 */
public final class Solution implements LockdepDiagnosis {
    @Override
    public String variant() {
        // >>> exercise 3
        return "no-slots-lock";
        // kit: return null; // TODO(ex3): a name from `./mmulab list`
        // <<< exercise 3
    }

    @Override
    public String function() {
        // >>> exercise 3
        return "kvm_vm_ioctl_get_dirty_log";
        // kit: return null; // TODO(ex3): a kernel function name, e.g. "kvm_flush_remote_tlbs"
        // <<< exercise 3
    }

    @Override
    public String lock() {
        // >>> exercise 3
        return "&kvm->slots_lock";
        // kit: return null; // TODO(ex3): as the kernel source writes it, e.g. "&kvm->mmu_lock"
        // <<< exercise 3
    }

    @Override
    public String otherFunction() {
        // >>> exercise 3
        return "kvm_mmu_slot_remove_write_access";
        // kit: return null; // TODO(ex3): a kernel function name
        // <<< exercise 3
    }

    @Override
    public Rule rule() {
        // >>> exercise 3
        return Rule.B_SLOTS_LOCK_COVERS_THE_LATE_FLUSH;
        // kit: return null; // TODO(ex3): one of Rule.A_... to Rule.E_...
        // <<< exercise 3
    }

    @Override
    public int invariant() {
        // >>> exercise 3
        return 1;
        // kit: return 0; // TODO(ex3): 1, 2 or 3
        // <<< exercise 3
    }
}
