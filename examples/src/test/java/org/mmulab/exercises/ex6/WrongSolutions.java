// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex6;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.arch.x86.include.asm.kvm_arch_memory_slot;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_lpage_info;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_host_h.kvm_mr_change;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;

/**
 * Wrong fixes of exercise 6 that a student could plausibly write, each swapped into the port in
 * place of {@code kvm_arch_prepare_memory_region}, plus the v3.16 code itself: every one must
 * lose points ({@code ExercisesTest}).
 *
 * <p>Leaking or double-freeing the old arrays, which the C version of this bug invites, has no
 * observable effect in the port: {@code kvm_kvfree} there only drops a pointer, and the JVM
 * reclaims what nothing points to. What can be seen, and is graded, is an old array still used
 * by the moved slot, or touched after the move ({@link KeepsOldWriteCounts}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String X86 = "org/mmulab/kernel/arch/x86/kvm/x86";
    static final String D = "(Lorg/mmulab/kernel/linux/kvm;Lorg/mmulab/kernel/linux/kvm_memory_slot;"
            + "Lorg/mmulab/kernel/uapi/linux/kvm_userspace_memory_region;Lorg/mmulab/kernel/linux/kvm_host_h$kvm_mr_change;)I";

    static Grade.Target swap(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(X86, "kvm_arch_prepare_memory_region", D, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                Grade.Target.swapped("v3.16 as it is: a moved slot keeps the old slot's arrays", List.of()),
                swap("new rmap arrays on a move, but the old lpage_info kept", RmapOnly.class),
                swap("new arrays on every change, flags-only included (the live sptes' rmaps are lost)", EveryChange.class),
                swap("new arrays for the slot still installed (the old one), not the one being prepared", WrongSlot.class),
                swap("new arrays, but the old write_counts copied into lpage_info", KeepsOldWriteCounts.class),
                swap("new arrays, but kvm_arch_create_memslot's -ENOMEM ignored (returns 0)", IgnoresResult.class));
    }

    static int lpages(kvm_memory_slot s, long npages, int level) {
        return (int) (kvm_host_h.gfn_to_index(s.base_gfn + npages - 1, s.base_gfn, level) + 1);
    }

    /** Sizes the rmaps for the new base; the large-page tracking stays the old slot's. */
    public static final class RmapOnly {
        public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                         kvm_mr_change change) {
            if (change == kvm_mr_change.KVM_MR_MOVE) {
                long npages = mem.memory_size >>> mm.PAGE_SHIFT;
                for (int i = 0; i < kvm_host_h.KVM_NR_PAGE_SIZES; i++) {
                    memslot.arch.rmap[i] = new long[lpages(memslot, npages, i + 1)];
                }
            }
            return 0;
        }
    }

    /** The reference, except that a failed allocation is not reported: the move goes on without arrays. */
    public static final class IgnoresResult {
        public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                         kvm_mr_change change) {
            if (change == kvm_mr_change.KVM_MR_MOVE) {
                memslot.arch = new kvm_arch_memory_slot();
                x86.kvm_arch_create_memslot(kvm, memslot, mem.memory_size >>> mm.PAGE_SHIFT);
            }
            return 0;
        }
    }

    /** Reallocates whatever the change: a flags-only change (logging on or off) drops the rmaps of live sptes. */
    public static final class EveryChange {
        public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                         kvm_mr_change change) {
            if (change != kvm_mr_change.KVM_MR_DELETE) {
                memslot.arch = new kvm_arch_memory_slot();
                return x86.kvm_arch_create_memslot(kvm, memslot, mem.memory_size >>> mm.PAGE_SHIFT);
            }
            return 0;
        }
    }

    /** Looks the slot up by id in kvm->memslots: that is the old slot (still at the old base), not the new one. */
    public static final class WrongSlot {
        public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                         kvm_mr_change change) {
            if (change == kvm_mr_change.KVM_MR_MOVE) {
                kvm_memory_slot slot = org.mmulab.kernel.linux.kvm_host_h.id_to_memslot(kvm.memslots, memslot.id);
                slot.arch = new kvm_arch_memory_slot();
                return x86.kvm_arch_create_memslot(kvm, slot, mem.memory_size >>> mm.PAGE_SHIFT);
            }
            return 0;
        }
    }

    /** Fresh arrays of the right size, then the old large-page counts carried over "to keep the accounting". */
    public static final class KeepsOldWriteCounts {
        public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                         kvm_mr_change change) {
            if (change == kvm_mr_change.KVM_MR_MOVE) {
                kvm_lpage_info[][] old = memslot.arch.lpage_info.clone();
                memslot.arch = new kvm_arch_memory_slot();
                int r = x86.kvm_arch_create_memslot(kvm, memslot, mem.memory_size >>> mm.PAGE_SHIFT);
                for (int i = 0; r == 0 && i < old.length; i++) {
                    for (int j = 0; j < Math.min(old[i].length, memslot.arch.lpage_info[i].length); j++) {
                        memslot.arch.lpage_info[i][j].write_count = old[i][j].write_count;
                    }
                }
                return r;
            }
            return 0;
        }
    }
}
