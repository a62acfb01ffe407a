// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.kvm.vmx;

/** Renders a 64-bit EPT spte as its named bits, the way a student reads them next to mmu.h. */
public final class SpteFormat {
    private SpteFormat() {}

    /** e.g. {@code 0x00000007f0000100e77 [R W X A D HOST_W MMU_W] pfn=0x7f0000100}. */
    public static String describe(long spte) {
        if (spte == 0) {
            return "0x0000000000000000 [not present]";
        }
        StringBuilder b = new StringBuilder(String.format("0x%016x [", spte));
        flag(b, spte, mmu_h.PT_PRESENT_MASK, "R");
        flag(b, spte, mmu_h.PT_WRITABLE_MASK, "W");
        flag(b, spte, vmx.VMX_EPT_EXECUTABLE_MASK, "X");
        if (mmu.shadow_accessed_mask != 0) {
            flag(b, spte, mmu.shadow_accessed_mask, "A");
        }
        if (mmu.shadow_dirty_mask != 0) {
            flag(b, spte, mmu.shadow_dirty_mask, "D");
        }
        flag(b, spte, mmu_h.PT_PAGE_SIZE_MASK, "LARGE");
        flag(b, spte, mmu.SPTE_HOST_WRITEABLE, "HOST_W");
        flag(b, spte, mmu.SPTE_MMU_WRITEABLE, "MMU_W");
        if (b.charAt(b.length() - 1) == ' ') {
            b.setLength(b.length() - 1);
        }
        return b.append(String.format("] pfn=0x%x", mmu.spte_to_pfn(spte))).toString();
    }

    private static void flag(StringBuilder b, long spte, long mask, String name) {
        if ((spte & mask) != 0) {
            b.append(name).append(' ');
        }
    }
}
