// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.kvm_host_h;

/**
 * Wrong oracles of exercise 10 that a student could plausibly write, each swapped in for
 * {@code Solution.check} (in the grading JVM and, handed on by the grader, in its child JVM of
 * scenario runs): every one must lose points ({@code ExercisesTest}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String SOLUTION = "org/mmulab/exercises/ex10/Solution";
    static final String D = "(Lorg/mmulab/exercises/ex10/Moment;)Ljava/util/List;";

    static Grade.Target swap(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(SOLUTION, "check", D, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                swap("always says all is well", AlwaysFine.class),
                swap("flags every writable TLB entry", EveryWritableEntry.class),
                swap("checks the spte's W bit instead of the TLB", SpteNotTlb.class),
                swap("ignores a pending KVM_REQ_TLB_FLUSH", IgnoresPendingFlush.class),
                swap("any pending request counts as a flush", AnyRequestFlushes.class),
                swap("indexes the dirty bitmap by gfn, not by page of the slot", AbsoluteDirtyIndex.class),
                swap("uses invariant 1's test after shadowing too", DirtyLogRuleForShadow.class));
    }

    static boolean flushPending(Moment.Vcpu v) {
        return (v.requests() & (1L << kvm_host_h.KVM_REQ_TLB_FLUSH)) != 0;
    }

    static boolean inSlot(Moment m, long gfn) {
        return gfn >= m.baseGfn() && gfn < m.baseGfn() + m.npages();
    }

    static boolean dirty(Moment m, long gfn) {
        return m.dirtyBitmap() != null && bitops.test_bit(gfn - m.baseGfn(), m.dirtyBitmap());
    }

    public static final class AlwaysFine {
        public static List<Finding> check(Moment m) {
            return List.of();
        }
    }

    /** "A writable TLB entry after a write-protect is the bug": forgets that sptes may be writable again, or the page logged. */
    public static final class EveryWritableEntry {
        public static List<Finding> check(Moment m) {
            List<Finding> out = new ArrayList<>();
            for (Moment.Vcpu v : m.vcpus()) {
                if (flushPending(v)) {
                    continue;
                }
                for (SoftTlb.Entry e : v.tlb().snapshot().values()) {
                    if (e.writable()) {
                        out.add(new Finding(v.id(), e.gfn()));
                    }
                }
            }
            return out;
        }
    }

    /** Looks at what KVM decided (the sptes) instead of what the CPU uses (its TLB). */
    public static final class SpteNotTlb {
        public static List<Finding> check(Moment m) {
            List<Finding> out = new ArrayList<>();
            for (Moment.Vcpu v : m.vcpus()) {
                if (m.kind() == Moment.Kind.SHADOWED) {
                    if (mmu_h.is_writable_pte(v.leafSpte().applyAsLong(m.gfn()))) {
                        out.add(new Finding(v.id(), m.gfn()));
                    }
                    continue;
                }
                for (long g = m.baseGfn(); g < m.baseGfn() + m.npages(); g++) {
                    long spte = v.leafSpte().applyAsLong(g);
                    if (spte != 0 && !mmu_h.is_writable_pte(spte) && !dirty(m, g)) {
                        out.add(new Finding(v.id(), g));
                    }
                }
            }
            return out;
        }
    }

    /** The reference's test with the pending-flush exception left out. */
    static List<Finding> reference(Moment m, boolean honourFlush, long flushMask, boolean absoluteIndex, boolean shadowRule) {
        List<Finding> out = new ArrayList<>();
        for (Moment.Vcpu v : m.vcpus()) {
            if (honourFlush && (v.requests() & flushMask) != 0) {
                continue;
            }
            for (SoftTlb.Entry e : v.tlb().snapshot().values()) {
                if (!e.writable()) {
                    continue;
                }
                if (m.kind() == Moment.Kind.SHADOWED && shadowRule) {
                    if (e.gfn() == m.gfn()) {
                        out.add(new Finding(v.id(), e.gfn()));
                    }
                    continue;
                }
                if (!inSlot(m, e.gfn())) {
                    continue;
                }
                boolean d = m.dirtyBitmap() != null
                        && bitops.test_bit(absoluteIndex ? e.gfn() : e.gfn() - m.baseGfn(), m.dirtyBitmap());
                if (!mmu_h.is_writable_pte(v.leafSpte().applyAsLong(e.gfn())) && !d) {
                    out.add(new Finding(v.id(), e.gfn()));
                }
            }
        }
        return out;
    }

    public static final class IgnoresPendingFlush {
        public static List<Finding> check(Moment m) {
            return reference(m, false, 0, false, true);
        }
    }

    /** requests != 0 taken for "a flush is coming". */
    public static final class AnyRequestFlushes {
        public static List<Finding> check(Moment m) {
            return reference(m, true, -1L, false, true);
        }
    }

    public static final class AbsoluteDirtyIndex {
        public static List<Finding> check(Moment m) {
            return reference(m, true, 1L << kvm_host_h.KVM_REQ_TLB_FLUSH, true, true);
        }
    }

    /** One rule for both moments: a shadowed page that is dirty in the log passes. */
    public static final class DirtyLogRuleForShadow {
        public static List<Finding> check(Moment m) {
            return reference(m, true, 1L << kvm_host_h.KVM_REQ_TLB_FLUSH, false, false);
        }
    }
}
