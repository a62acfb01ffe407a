// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import org.mmulab.fixture.Oracle;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.mm;
import org.mmulab.lockdep.explore.Probe;

/**
 * What the scheduler's yield points ask the port and the machine while a schedule runs: the u64
 * a plain store overwrites, the gfn a leaf spte maps (the timeline follows the violated gfn),
 * whether a TLB entry is writable, the gfn of a violation. Loaded by the variant loader with the
 * port it reads.
 */
final class PortProbe implements Probe {
    @Override
    public long read(long addr) {
        return mm.deref(addr);
    }

    @Override
    public long gfnOf(long sptep) {
        try {
            kvm_mmu_page sp = kvm_host_h.page_header(mm.__pa(sptep));
            if (sp == null || sp.role.level != mmu_h.PT_PAGE_TABLE_LEVEL) {
                return -1;
            }
            return mmu.kvm_mmu_page_get_gfn(sp, (int) ((sptep & ~mm.PAGE_MASK) >>> 3));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public boolean tlbWritable(Object entry) {
        return ((SoftTlb.Entry) entry).writable();
    }

    @Override
    public long violationGfn(Object violation) {
        return ((Oracle.Violation) violation).gfn();
    }
}
