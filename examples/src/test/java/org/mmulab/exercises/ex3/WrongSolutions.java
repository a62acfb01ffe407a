// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

import java.util.List;
import org.mmulab.exercises.Grade;

/** Wrong answers of exercise 3, each a whole answer sheet with one or two plausible mistakes: each must lose points. */
public final class WrongSolutions {
    private WrongSolutions() {}

    public static List<Grade.Target> all() {
        return List.of(
                Grade.Target.answers("the lock the WARNING's caller takes, not the one it asserts", WrongLock.class),
                Grade.Target.answers("rule C: reads the WARNING as 'flush under a spinlock'", WrongRule.class),
                Grade.Target.answers("the other broken variant and its function", WrongVariant.class),
                Grade.Target.answers("the function that takes mmu_lock as the other asserting function", WrongOther.class));
    }

    /** The right answers, to derive wrong ones from. */
    public static class Right implements LockdepDiagnosis {
        public String variant() { return "no-slots-lock"; }
        public String function() { return "kvm_vm_ioctl_get_dirty_log"; }
        public String lock() { return "&kvm->slots_lock"; }
        public String otherFunction() { return "kvm_mmu_slot_remove_write_access"; }
        public Rule rule() { return Rule.B_SLOTS_LOCK_COVERS_THE_LATE_FLUSH; }
        public int invariant() { return 1; }
    }

    public static final class WrongLock extends Right {
        @Override public String lock() { return "&kvm->mmu_lock"; }
    }

    public static final class WrongRule extends Right {
        @Override public Rule rule() { return Rule.C_NO_FLUSH_UNDER_A_SPINLOCK; }
    }

    public static final class WrongVariant extends Right {
        @Override public String variant() { return "pt-writable"; }
        @Override public String function() { return "mmu_spte_update"; }
    }

    public static final class WrongOther extends Right {
        @Override public String otherFunction() { return "kvm_mmu_write_protect_pt_masked"; }
    }
}
