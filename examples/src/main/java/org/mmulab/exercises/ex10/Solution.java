// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.kvm_host_h;

/**
 * Exercise 10, your oracle: the checker that decides, at one moment of a run, whether the seed
 * commit's safety property holds. The task sheet is docs/exercises/ex10-write-the-oracle.md;
 * grade with {@code ./mmulab grade 10}.
 */
public final class Solution {
    private Solution() {}

    /**
     * Called with every vCPU paused, right after KVM returned from the operation {@code m.kind()}
     * names. Returns one {@link Finding} for each vCPU and gfn where the guest could now write
     * that page and nobody would know it (no fault, no dirty bit): empty when all is well. The
     * order of the findings does not matter; each (vCPU, gfn) at most once.
     */
    public static List<Finding> check(Moment m) {
        // >>> exercise 10
        List<Finding> out = new ArrayList<>();
        if (m.kind() == Moment.Kind.HARVESTED && m.dirtyBitmap() == null) {
            return out; // dirty logging is off: the log claims nothing, so it can miss nothing
        }
        for (Moment.Vcpu v : m.vcpus()) {
            if ((v.requests() & (1L << kvm_host_h.KVM_REQ_TLB_FLUSH)) != 0) {
                continue; // the vCPU drops its whole TLB before it runs guest code again
            }
            for (SoftTlb.Entry e : v.tlb().snapshot().values()) {
                if (!e.writable()) {
                    continue; // a write through it walks the EPT and faults
                }
                if (m.kind() == Moment.Kind.SHADOWED) {
                    if (e.gfn() == m.gfn()) {
                        out.add(new Finding(v.id(), e.gfn())); // the guest could write its own page table
                    }
                    continue;
                }
                if (e.gfn() < m.baseGfn() || e.gfn() >= m.baseGfn() + m.npages()) {
                    continue; // not a page of the logged slot
                }
                long spte = v.leafSpte().applyAsLong(e.gfn());
                boolean dirty = bitops.test_bit(e.gfn() - m.baseGfn(), m.dirtyBitmap());
                if (!mmu_h.is_writable_pte(spte) && !dirty) {
                    out.add(new Finding(v.id(), e.gfn())); // writes would land in no harvest
                }
            }
        }
        return out;
        // kit: // TODO(ex10): for each vCPU that will not flush its TLB anyway, each TLB entry that lets the
        // kit: // guest write: is that write one KVM would miss? (HARVESTED: invariant 1; SHADOWED: invariant 2)
        // kit: throw new UnsupportedOperationException("exercise 10 is not done yet: write Solution.check");
        // <<< exercise 10
    }
}
