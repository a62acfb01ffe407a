// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex7;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Wrong solutions of exercise 7 that a student could plausibly write, each swapped into the port
 * in place of {@code fast_pf_fix_direct_spte}: every one must lose points ({@code ExercisesTest}).
 * They live outside {@code mmu}, so they find the spte's index from {@code sp->spt} themselves.
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String MMU = "org/mmulab/kernel/arch/x86/kvm/mmu";
    static final String D = "(Lorg/mmulab/kernel/linux/kvm_vcpu;Lorg/mmulab/kernel/arch/x86/include/asm/kvm_mmu_page;JJ)Z";

    static Grade.Target swap(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(MMU, "fast_pf_fix_direct_spte", D, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                swap("a plain store instead of cmpxchg64 (loses a concurrent write-protect or zap)", PlainStore.class),
                swap("cmpxchg64, but marks the page dirty whatever it returned", IgnoresResult.class),
                swap("cmpxchg64, but forgets mark_page_dirty", NoMarkDirty.class),
                swap("marks sp->gfn, the first gfn of the page table, instead of the spte's gfn", WrongGfn.class));
    }

    static long gfnOf(kvm_mmu_page sp, long sptep) {
        return mmu.kvm_mmu_page_get_gfn(sp, (int) ((sptep - sp.spt) >>> 3));
    }

    /** Reads, decides, then stores with a plain write: whatever another CPU stored meanwhile is overwritten. */
    public static final class PlainStore {
        public static boolean fast_pf_fix_direct_spte(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep, long spte) {
            bug.WARN_ON(sp.role.direct == 0);
            long gfn = gfnOf(sp, sptep);
            mm.assign(sptep, spte | mmu_h.PT_WRITABLE_MASK);
            kvm_main.mark_page_dirty(vcpu.kvm, gfn);
            return true;
        }
    }

    /** The exchange is atomic, but a lost one still logs a write that never happened. */
    public static final class IgnoresResult {
        public static boolean fast_pf_fix_direct_spte(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep, long spte) {
            bug.WARN_ON(sp.role.direct == 0);
            long gfn = gfnOf(sp, sptep);
            cmpxchg.cmpxchg64(sptep, spte, spte | mmu_h.PT_WRITABLE_MASK);
            kvm_main.mark_page_dirty(vcpu.kvm, gfn);
            return true;
        }
    }

    /** Makes the spte writable and logs nothing: the write is lost to migration. */
    public static final class NoMarkDirty {
        public static boolean fast_pf_fix_direct_spte(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep, long spte) {
            bug.WARN_ON(sp.role.direct == 0);
            cmpxchg.cmpxchg64(sptep, spte, spte | mmu_h.PT_WRITABLE_MASK);
            return true;
        }
    }

    /** Logs the page table's first gfn, not the one this spte maps. */
    public static final class WrongGfn {
        public static boolean fast_pf_fix_direct_spte(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep, long spte) {
            bug.WARN_ON(sp.role.direct == 0);
            if (cmpxchg.cmpxchg64(sptep, spte, spte | mmu_h.PT_WRITABLE_MASK) == spte) {
                kvm_main.mark_page_dirty(vcpu.kvm, sp.gfn);
            }
            return true;
        }
    }
}
