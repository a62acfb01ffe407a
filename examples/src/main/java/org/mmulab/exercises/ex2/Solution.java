// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex2;

import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;

/**
 * Exercise 2, your code: write {@code kvm_mmu_write_protect_pt_masked} as v3.16 has it. The task
 * sheet is docs/exercises/ex2-write-protect-pt-masked.md; grade with {@code ./mmulab grade 2}.
 *
 * <p>Useful pieces of the port (all public): {@code slot.base_gfn}, {@code bitops.__ffs},
 * {@code mmu.__gfn_to_rmap}, {@code mmu_h.PT_PAGE_TABLE_LEVEL} and {@code mmu.__rmap_write_protect}.
 * Do not call {@code mmu.kvm_mmu_write_protect_pt_masked} itself.
 */
public final class Solution implements WriteProtectMasked {
    @Override
    public void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
        // TODO(ex2): walk the set bits of mask; for each, find the gfn's 4K rmap and write-protect it
        // the dirty-logging way.
    }
}
