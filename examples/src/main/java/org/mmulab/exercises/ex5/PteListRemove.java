// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex5;

import org.mmulab.exercises.Implementations;
import org.mmulab.kernel.linux.LongPtr;

/** Exercise 5: {@code pte_list_remove} (v3.16 arch/x86/kvm/mmu.c 963-1019). See docs/exercises/ex5-pte-list-remove.md. */
@Implementations(student = Solution.class, reference = Reference.class)
public interface PteListRemove {
    /** Removes the spte address {@code spte} from the rmap whose head word is {@code pte_list}. */
    void pte_list_remove(long spte, LongPtr pte_list);
}
