// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1;

import org.mmulab.kernel.linux.kvm;

/**
 * Exercise 1, your code: write {@code spte_write_protect} as v3.16 has it. The task sheet is
 * docs/exercises/ex1-spte-write-protect.md; grade with {@code ./mmulab grade 1}.
 *
 * <p>Useful pieces of the port (all public): {@code mm.deref(sptep)} reads the spte,
 * {@code mmu_h.is_writable_pte}, {@code mmu.spte_is_locklessly_modifiable},
 * {@code mmu.SPTE_MMU_WRITEABLE}, {@code mmu_h.PT_WRITABLE_MASK} and {@code mmu.mmu_spte_update}.
 * Do not call {@code mmu.spte_write_protect} itself.
 */
public final class Solution implements SpteWriteProtect {
    @Override
    public boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
        // TODO(ex1): decide whether there is anything to do, build the new spte, store it through
        // the right helper and return whether a TLB flush is owed.
        throw new UnsupportedOperationException("exercise 1 is not done yet: write spte_write_protect");
    }
}
