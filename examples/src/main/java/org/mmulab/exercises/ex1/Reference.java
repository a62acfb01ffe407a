// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1;

import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.kvm;

/** The reference: the port's own {@code spte_write_protect}. */
public final class Reference implements SpteWriteProtect {
    @Override
    public boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
        return mmu.spte_write_protect(kvm, sptep, pt_protect);
    }
}
