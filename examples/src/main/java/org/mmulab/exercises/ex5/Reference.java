// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex5;

import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.LongPtr;

/** The reference: the port's own {@code pte_list_remove}. */
public final class Reference implements PteListRemove {
    @Override
    public void pte_list_remove(long spte, LongPtr pte_list) {
        mmu.pte_list_remove(spte, pte_list);
    }
}
