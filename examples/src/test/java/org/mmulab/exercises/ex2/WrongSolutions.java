// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex2;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Wrong solutions of exercise 2 that a student could plausibly write, each swapped into the port
 * in place of {@code kvm_mmu_write_protect_pt_masked}: every one must lose points ({@code ExercisesTest}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String MMU = "org/mmulab/kernel/arch/x86/kvm/mmu";
    static final String D = "(Lorg/mmulab/kernel/linux/kvm;Lorg/mmulab/kernel/linux/kvm_memory_slot;JJ)V";

    static Grade.Target swap(String label, Class<?> c) {
        return Grade.Target.swapped(label,
                List.of(Swap.replace(MMU, "kvm_mmu_write_protect_pt_masked", D, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                swap("gfn_offset + bit taken as the gfn: the slot's base_gfn forgotten", NoBaseGfn.class),
                swap("loops while mask > 0: bit 63 makes the word negative", SignedLoop.class),
                swap("write-protects with pt_protect true, as for shadowing", ShadowProtect.class),
                swap("protects only the first spte of each rmap", FirstSpteOnly.class),
                swap("flushes the remote TLBs itself, inside mmu_lock", FlushesInside.class),
                swap("tests bit i with an int shift (1 << i): bits 32-63 alias bits 0-31", IntShift.class));
    }

    /** Indexes the rmap with the offset into the slot as if it were a gfn. */
    public static final class NoBaseGfn {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            while (mask != 0) {
                long gfn = gfn_offset + bitops.__ffs(mask);
                mmu.__rmap_write_protect(kvm, mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot), false);
                mask &= mask - 1;
            }
        }
    }

    /** Right body, wrong loop test: a word with bit 63 set is never entered. */
    public static final class SignedLoop {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            while (mask > 0) {
                long gfn = slot.base_gfn + gfn_offset + bitops.__ffs(mask);
                mmu.__rmap_write_protect(kvm, mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot), false);
                mask &= mask - 1;
            }
        }
    }

    /** Clears SPTE_MMU_WRITEABLE too, so the fast page-fault path can never restore W. */
    public static final class ShadowProtect {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            while (mask != 0) {
                long gfn = slot.base_gfn + gfn_offset + bitops.__ffs(mask);
                mmu.__rmap_write_protect(kvm, mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot), true);
                mask &= mask - 1;
            }
        }
    }

    /** Believes an rmap holds one spte: the head word's first entry. */
    public static final class FirstSpteOnly {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            while (mask != 0) {
                long gfn = slot.base_gfn + gfn_offset + bitops.__ffs(mask);
                LongPtr rmapp = mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot);
                long sptep = mmu.rmap_get_first(rmapp.get(), new mmu.rmap_iterator());
                if (sptep != 0) {
                    mmu.spte_write_protect(kvm, sptep, false);
                }
                mask &= mask - 1;
            }
        }
    }

    /** Protects right, then flushes at once, though the caller flushes after mmu_lock. */
    public static final class FlushesInside {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            boolean flush = false;
            while (mask != 0) {
                long gfn = slot.base_gfn + gfn_offset + bitops.__ffs(mask);
                flush |= mmu.__rmap_write_protect(kvm, mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot), false);
                mask &= mask - 1;
            }
            if (flush) {
                kvm_main.kvm_flush_remote_tlbs(kvm);
            }
        }
    }

    /** Walks the 64 bits with an int mask, which Java shifts modulo 32. */
    public static final class IntShift {
        public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
            for (int i = 0; i < 64; i++) {
                if ((mask & (1 << i)) != 0) {
                    long gfn = slot.base_gfn + gfn_offset + i;
                    mmu.__rmap_write_protect(kvm, mmu.__gfn_to_rmap(gfn, mmu_h.PT_PAGE_TABLE_LEVEL, slot), false);
                }
            }
        }
    }
}
