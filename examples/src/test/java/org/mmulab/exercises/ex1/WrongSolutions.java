// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1;

import static org.mmulab.kernel.arch.x86.kvm.mmu.SPTE_MMU_WRITEABLE;
import static org.mmulab.kernel.arch.x86.kvm.mmu.mmu_spte_update;
import static org.mmulab.kernel.arch.x86.kvm.mmu.spte_is_locklessly_modifiable;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_WRITABLE_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.is_writable_pte;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.mm;

/**
 * Wrong solutions of exercise 1 that a student could plausibly write, each swapped into the port
 * in place of {@code spte_write_protect}: every one must lose points ({@code ExercisesTest}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String MMU = "org/mmulab/kernel/arch/x86/kvm/mmu";
    static final String D = "(Lorg/mmulab/kernel/linux/kvm;JZ)Z";

    static Grade.Target swap(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(MMU, "spte_write_protect", D, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                swap("decides by PT_WRITABLE_MASK alone (the bug the seed commit's mmu.h comment warns of)", ByWritableBitOnly.class),
                swap("clears SPTE_MMU_WRITEABLE for dirty logging too", AlwaysClearsMmuWriteable.class),
                swap("stores with a plain write instead of mmu_spte_update, owing a flush by W", PlainStore.class),
                swap("returns true whenever it was asked to protect", AlwaysOwes.class));
    }

    /** Skips a read-only spte even when shadowing needs SPTE_MMU_WRITEABLE gone. */
    public static final class ByWritableBitOnly {
        public static boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
            long spte = mm.deref(sptep);
            if (!is_writable_pte(spte)) {
                return false;
            }
            if (pt_protect) {
                spte &= ~SPTE_MMU_WRITEABLE;
            }
            return mmu_spte_update(sptep, spte & ~PT_WRITABLE_MASK);
        }
    }

    /** Dirty logging loses the fast-path fix: SPTE_MMU_WRITEABLE cleared regardless of pt_protect. */
    public static final class AlwaysClearsMmuWriteable {
        public static boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
            long spte = mm.deref(sptep);
            if (!is_writable_pte(spte) && !(pt_protect && spte_is_locklessly_modifiable(spte))) {
                return false;
            }
            return mmu_spte_update(sptep, spte & ~SPTE_MMU_WRITEABLE & ~PT_WRITABLE_MASK);
        }
    }

    /** Right bits, but a plain store, and "owed" only when W was set. */
    public static final class PlainStore {
        public static boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
            long spte = mm.deref(sptep);
            if (!is_writable_pte(spte) && !(pt_protect && spte_is_locklessly_modifiable(spte))) {
                return false;
            }
            long n = spte & ~PT_WRITABLE_MASK;
            if (pt_protect) {
                n &= ~SPTE_MMU_WRITEABLE;
            }
            mm.assign(sptep, n);
            return is_writable_pte(spte);
        }
    }

    /** Protects right, but tells every caller a flush is owed. */
    public static final class AlwaysOwes {
        public static boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
            long spte = mm.deref(sptep);
            if (is_writable_pte(spte) || (pt_protect && spte_is_locklessly_modifiable(spte))) {
                long n = spte & ~PT_WRITABLE_MASK;
                if (pt_protect) {
                    n &= ~SPTE_MMU_WRITEABLE;
                }
                mmu_spte_update(sptep, n);
            }
            return true;
        }
    }
}
