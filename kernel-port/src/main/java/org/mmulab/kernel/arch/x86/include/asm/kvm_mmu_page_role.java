// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/**
 * {@code union kvm_mmu_page_role}: the bitfields that, with the gfn, key a shadow page. A value
 * type: {@link #copy()} is the C struct assignment, {@link #word()} the packed {@code unsigned word}.
 */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "193-207", name = "union kvm_mmu_page_role")
public final class kvm_mmu_page_role {
    public int level;          // :4
    public int cr4_pae;        // :1
    public int quadrant;       // :2
    public int direct;         // :1 (after 6 bits of padding)
    public int access;         // :3
    public int invalid;        // :1
    public int nxe;            // :1
    public int cr0_wp;         // :1
    public int smep_andnot_wp; // :1

    /** The packed {@code word}, bit for bit as the union lays it out. */
    public int word() {
        return (level & 0xf) | (cr4_pae & 1) << 4 | (quadrant & 3) << 5 | (direct & 1) << 13
                | (access & 7) << 14 | (invalid & 1) << 17 | (nxe & 1) << 18 | (cr0_wp & 1) << 19
                | (smep_andnot_wp & 1) << 20;
    }

    public void set_word(int word) {
        level = word & 0xf;
        cr4_pae = (word >>> 4) & 1;
        quadrant = (word >>> 5) & 3;
        direct = (word >>> 13) & 1;
        access = (word >>> 14) & 7;
        invalid = (word >>> 17) & 1;
        nxe = (word >>> 18) & 1;
        cr0_wp = (word >>> 19) & 1;
        smep_andnot_wp = (word >>> 20) & 1;
    }

    public kvm_mmu_page_role copy() {
        kvm_mmu_page_role r = new kvm_mmu_page_role();
        r.set_word(word());
        return r;
    }

    @Override
    public String toString() {
        return String.format("role{level=%d direct=%d access=%d invalid=%d word=%#x}", level, direct, access, invalid, word());
    }
}
