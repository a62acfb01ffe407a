// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex5;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu.pte_list_desc;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.kmem_cache;

/**
 * Wrong solutions of exercise 5 that a student could plausibly write, each swapped into the port
 * in place of {@code pte_list_desc_remove_entry} (package-private in {@code mmu}: the swap only
 * needs the same descriptor and a public target) or of {@code pte_list_remove} (then with a
 * helper of its own): every one must lose points ({@code ExercisesTest}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String MMU = "org/mmulab/kernel/arch/x86/kvm/mmu";
    static final String HELPER = "(Lorg/mmulab/kernel/linux/LongPtr;Lorg/mmulab/kernel/arch/x86/kvm/mmu$pte_list_desc;I"
            + "Lorg/mmulab/kernel/arch/x86/kvm/mmu$pte_list_desc;)V";
    static final String REMOVE = "(JLorg/mmulab/kernel/linux/LongPtr;)V";

    static Grade.Target helper(String label, Class<?> c) {
        return Grade.Target.swapped(label,
                List.of(Swap.replace(MMU, "pte_list_desc_remove_entry", HELPER, c.getName().replace('.', '/'))));
    }

    static Grade.Target remove(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(MMU, "pte_list_remove", REMOVE, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                helper("an emptied descriptor is unlinked but never freed", NeverFrees.class),
                helper("closes the hole by shifting the later entries down", ShiftsDown.class),
                helper("clears the entry and leaves a hole", LeavesHole.class),
                helper("the head moves to the next descriptor without the bit-0 tag", UntaggedHead.class),
                helper("a descriptor left with one entry becomes a single-spte head", BackToSingle.class),
                remove("a single-spte head is cleared without checking it is that spte", SingleUnchecked.class),
                remove("an spte missing from a chain is ignored instead of BUG()", MissingIgnored.class),
                remove("never remembers the previous descriptor", NoPrevious.class));
    }

    static void free(pte_list_desc desc) {
        kmem_cache.kmem_cache_free(mmu.pte_list_desc_cache, desc.addr);
    }

    /** Right: the hole at i filled with the last used entry; an emptied descriptor unlinked and freed. */
    static void removeEntry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
        int j = mmu.PTE_LIST_EXT - 1;
        while (desc.sptes[j] == 0 && j > i) {
            j--;
        }
        desc.sptes[i] = desc.sptes[j];
        desc.sptes[j] = 0;
        if (j != 0) {
            return;
        }
        if (prev_desc == null && desc.more == null) {
            pte_list.set(0);
        } else if (prev_desc != null) {
            prev_desc.more = desc.more;
        } else {
            pte_list.set(desc.more.addr | 1);
        }
        free(desc);
    }

    public static final class NeverFrees {
        public static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
            int j = mmu.PTE_LIST_EXT - 1;
            while (desc.sptes[j] == 0 && j > i) {
                j--;
            }
            desc.sptes[i] = desc.sptes[j];
            desc.sptes[j] = 0;
            if (j != 0) {
                return;
            }
            if (prev_desc == null && desc.more == null) {
                pte_list.set(0);
            } else if (prev_desc != null) {
                prev_desc.more = desc.more;
            } else {
                pte_list.set(desc.more.addr | 1);
            }
        }
    }

    /** Keeps the order of the entries, which the kernel does not: [1,2,3] minus 1 is [2,3], not [3,2]. */
    public static final class ShiftsDown {
        public static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
            for (int k = i; k < mmu.PTE_LIST_EXT - 1; k++) {
                desc.sptes[k] = desc.sptes[k + 1];
            }
            desc.sptes[mmu.PTE_LIST_EXT - 1] = 0;
            if (desc.sptes[0] != 0) {
                return;
            }
            if (prev_desc == null && desc.more == null) {
                pte_list.set(0);
            } else if (prev_desc != null) {
                prev_desc.more = desc.more;
            } else {
                pte_list.set(desc.more.addr | 1);
            }
            free(desc);
        }
    }

    /** Removes the entry and stops: the descriptor is no longer packed, and never freed. */
    public static final class LeavesHole {
        public static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
            desc.sptes[i] = 0;
        }
    }

    public static final class UntaggedHead {
        public static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
            int j = mmu.PTE_LIST_EXT - 1;
            while (desc.sptes[j] == 0 && j > i) {
                j--;
            }
            desc.sptes[i] = desc.sptes[j];
            desc.sptes[j] = 0;
            if (j != 0) {
                return;
            }
            if (prev_desc == null && desc.more == null) {
                pte_list.set(0);
            } else if (prev_desc != null) {
                prev_desc.more = desc.more;
            } else {
                pte_list.set(desc.more.addr);
            }
            free(desc);
        }
    }

    /** "Tidies" a lone descriptor with one entry back into a single-spte head. */
    public static final class BackToSingle {
        public static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
            removeEntry(pte_list, desc, i, prev_desc);
            if (prev_desc == null && desc.more == null && desc.sptes[0] != 0 && desc.sptes[1] == 0) {
                pte_list.set(desc.sptes[0]);
                desc.sptes[0] = 0;
                free(desc);
            }
        }
    }

    /** The chain part of pte_list_remove, right; the empty head a BUG, right. */
    static void chain(long spte, LongPtr pte_list, boolean bugWhenMissing, boolean trackPrevious) {
        pte_list_desc prev_desc = null;
        for (pte_list_desc desc = mmu.pte_list_desc_cache.lookup(pte_list.get() & ~1L); desc != null; desc = desc.more) {
            for (int i = 0; i < mmu.PTE_LIST_EXT && desc.sptes[i] != 0; ++i) {
                if (desc.sptes[i] == spte) {
                    removeEntry(pte_list, desc, i, prev_desc);
                    return;
                }
            }
            if (trackPrevious) {
                prev_desc = desc;
            }
        }
        if (bugWhenMissing) {
            bug.BUG();
        }
    }

    public static final class SingleUnchecked {
        public static void pte_list_remove(long spte, LongPtr pte_list) {
            if (pte_list.get() == 0) {
                bug.BUG();
            } else if ((pte_list.get() & 1) == 0) {
                pte_list.set(0);
            } else {
                chain(spte, pte_list, true, true);
            }
        }
    }

    public static final class MissingIgnored {
        public static void pte_list_remove(long spte, LongPtr pte_list) {
            if (pte_list.get() == 0) {
                bug.BUG();
            } else if ((pte_list.get() & 1) == 0) {
                if (pte_list.get() != spte) {
                    bug.BUG();
                }
                pte_list.set(0);
            } else {
                chain(spte, pte_list, false, true);
            }
        }
    }

    /** Every descriptor is taken for the first: emptying a middle one moves the head past the ones before it. */
    public static final class NoPrevious {
        public static void pte_list_remove(long spte, LongPtr pte_list) {
            if (pte_list.get() == 0) {
                bug.BUG();
            } else if ((pte_list.get() & 1) == 0) {
                if (pte_list.get() != spte) {
                    bug.BUG();
                }
                pte_list.set(0);
            } else {
                chain(spte, pte_list, true, false);
            }
        }
    }
}
