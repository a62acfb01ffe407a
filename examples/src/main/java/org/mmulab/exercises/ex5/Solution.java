// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex5;

import org.mmulab.kernel.linux.LongPtr;

/**
 * Exercise 5, your code: write {@code pte_list_remove} (and the helper v3.16 splits out of it,
 * {@code pte_list_desc_remove_entry}) for every shape of rmap head. The task sheet is
 * docs/exercises/ex5-pte-list-remove.md; grade with {@code ./mmulab grade 5}.
 *
 * <p>Useful pieces of the port (all public): {@code pte_list.get()/set()},
 * {@code mmu.pte_list_desc_cache.lookup(addr)}, {@code mmu.pte_list_desc} ({@code addr},
 * {@code sptes}, {@code more}), {@code mmu.PTE_LIST_EXT},
 * {@code kmem_cache.kmem_cache_free(mmu.pte_list_desc_cache, desc.addr)} and {@code bug.BUG()}.
 * Do not call {@code mmu.pte_list_remove} itself.
 */
public final class Solution implements PteListRemove {
    @Override
    public void pte_list_remove(long spte, LongPtr pte_list) {
        // TODO(ex5): three shapes of head: empty, one spte, a descriptor chain.
        throw new UnsupportedOperationException("exercise 5 is not done yet: write pte_list_remove");
    }
}
