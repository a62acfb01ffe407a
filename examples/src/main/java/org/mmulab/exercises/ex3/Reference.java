// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

/** The known answer, for checking the grader itself ({@code mmulab grade 3 --reference}). */
public final class Reference implements LockdepDiagnosis {
    @Override
    public String variant() {
        return "no-slots-lock";
    }

    @Override
    public String function() {
        return "kvm_vm_ioctl_get_dirty_log";
    }

    @Override
    public String lock() {
        return "&kvm->slots_lock";
    }

    @Override
    public String otherFunction() {
        return "kvm_mmu_slot_remove_write_access";
    }

    @Override
    public Rule rule() {
        return Rule.B_SLOTS_LOCK_COVERS_THE_LATE_FLUSH;
    }

    @Override
    public int invariant() {
        return 1;
    }
}
