// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.variants;

import static org.mmulab.kernel.arch.x86.kvm.mmu.__update_clear_spte_fast;
import static org.mmulab.kernel.arch.x86.kvm.mmu.__update_clear_spte_slow;
import static org.mmulab.kernel.arch.x86.kvm.mmu.is_rmap_spte;
import static org.mmulab.kernel.arch.x86.kvm.mmu.is_shadow_present_pte;
import static org.mmulab.kernel.arch.x86.kvm.mmu.mmu_spte_set;
import static org.mmulab.kernel.arch.x86.kvm.mmu.shadow_accessed_mask;
import static org.mmulab.kernel.arch.x86.kvm.mmu.shadow_dirty_mask;
import static org.mmulab.kernel.arch.x86.kvm.mmu.spte_has_volatile_bits;
import static org.mmulab.kernel.arch.x86.kvm.mmu.spte_is_bit_cleared;
import static org.mmulab.kernel.arch.x86.kvm.mmu.spte_to_pfn;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.is_writable_pte;
import static org.mmulab.kernel.linux.bug.WARN_ON;
import static org.mmulab.kernel.linux.mm.deref;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_set_pfn_accessed;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_set_pfn_dirty;

/**
 * Variant {@code pt-writable}, a teaching break of the mmu.h argument: v3.16's
 * {@code mmu_spte_update} (mmu.c 577-612) deciding "flush owed" from the old spte's
 * {@code PT_WRITABLE_MASK} instead of {@code spte_is_locklessly_modifiable}. Once dirty logging
 * has made an spte read-only and not yet flushed, a shadow write-protect of that gfn sees W clear,
 * owes nothing, and returns with a vCPU still holding a writable translation of a page KVM now
 * believes frozen.
 */
public final class variant_pt_writable {
    private variant_pt_writable() {}

    public static boolean mmu_spte_update(long sptep, long new_spte) {
        long old_spte = deref(sptep);
        boolean ret = false;

        WARN_ON(!is_rmap_spte(new_spte));

        if (!is_shadow_present_pte(old_spte)) {
            mmu_spte_set(sptep, new_spte);
            return ret;
        }

        if (!spte_has_volatile_bits(old_spte)) {
            __update_clear_spte_fast(sptep, new_spte);
        } else {
            old_spte = __update_clear_spte_slow(sptep, new_spte);
        }

        // The break: the hardware W bit of the old spte decides.
        if (is_writable_pte(old_spte) && !is_writable_pte(new_spte)) {
            ret = true;
        }

        if (shadow_accessed_mask == 0) {
            return ret;
        }

        if (spte_is_bit_cleared(old_spte, new_spte, shadow_accessed_mask)) {
            kvm_set_pfn_accessed(spte_to_pfn(old_spte));
        }
        if (spte_is_bit_cleared(old_spte, new_spte, shadow_dirty_mask)) {
            kvm_set_pfn_dirty(spte_to_pfn(old_spte));
        }

        return ret;
    }
}
