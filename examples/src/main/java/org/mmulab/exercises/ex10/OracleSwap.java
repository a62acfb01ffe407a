// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.linux.kvm_memory_slot;

/**
 * Puts the student's oracle in the place of the fixture's: swapped in for
 * {@link Oracle#dirtyLogCompleteness} and {@link Oracle#shadowProtected}, so every scenario check
 * asks {@link Solution#check} instead, and the explorer stops a schedule where the student's oracle
 * says the property broke.
 */
public final class OracleSwap {
    private OracleSwap() {}

    /** The label of a violation the student's oracle reported. */
    public static final String LABEL = "your oracle";

    static final String ORACLE = "org/mmulab/fixture/Oracle";
    static final String ME = "org/mmulab/exercises/ex10/OracleSwap";

    /** The two swaps. */
    public static List<Swap> swaps() {
        return List.of(
                Swap.replace(ORACLE, "dirtyLogCompleteness",
                        "(Lorg/mmulab/fixture/MachineVm;Lorg/mmulab/kernel/linux/kvm_memory_slot;)Ljava/util/List;", ME),
                Swap.replace(ORACLE, "shadowProtected", "(Lorg/mmulab/fixture/MachineVm;J)Ljava/util/List;", ME));
    }

    public static List<Oracle.Violation> dirtyLogCompleteness(MachineVm vm, kvm_memory_slot slot) {
        if (slot == null || slot.dirty_bitmap == null) {
            return new ArrayList<>(); // logging is off: nothing was harvested
        }
        return violations(vm, Solution.check(Moment.harvested(vm, slot)), "after KVM_GET_DIRTY_LOG");
    }

    public static List<Oracle.Violation> shadowProtected(MachineVm vm, long gfn) {
        return violations(vm, Solution.check(Moment.shadowed(vm, gfn)), "after shadowing gfn 0x" + Long.toHexString(gfn));
    }

    /**
     * In a kit that hands out exercise 10, the fixture's two checks come here ({@code check} is
     * {@code dirtyLogCompleteness} or {@code shadowProtected}, {@code arg} the slot or the gfn):
     * the machine checks its invariants with the student's oracle, and reports what it finds
     * under the invariants' own names, as the fixture's oracle does.
     */
    public static List<Oracle.Violation> asTheMachinesOracle(String check, MachineVm vm, Object arg) {
        if (check.equals("dirtyLogCompleteness")) {
            kvm_memory_slot slot = (kvm_memory_slot) arg;
            if (slot == null || slot.dirty_bitmap == null) {
                return new ArrayList<>();
            }
            return named(violations(vm, Solution.check(Moment.harvested(vm, slot)), "after KVM_GET_DIRTY_LOG"),
                    "dirty-log completeness", "writable TLB entry for a write-protected page that the dirty log shows clean");
        }
        long gfn = (Long) arg;
        return named(violations(vm, Solution.check(Moment.shadowed(vm, gfn)), "after shadowing gfn 0x" + Long.toHexString(gfn)),
                "shadow write-protection", "writable TLB entry for a gfn write-protected for shadowing");
    }

    private static List<Oracle.Violation> named(List<Oracle.Violation> found, String invariant, String detail) {
        List<Oracle.Violation> out = new ArrayList<>();
        for (Oracle.Violation v : found) {
            out.add(new Oracle.Violation(invariant, v.gfn(), v.vcpu(), v.spte(), v.tlbEntry(), detail));
        }
        return out;
    }

    private static List<Oracle.Violation> violations(MachineVm vm, List<Finding> found, String when) {
        List<Oracle.Violation> out = new ArrayList<>();
        if (found == null) {
            return out;
        }
        Set<Finding> seen = new HashSet<>();
        for (Finding f : found) {
            if (f == null || !seen.add(f)) {
                continue;
            }
            long spte = 0;
            String tlb = "{none}";
            for (MachineVm.Vcpu v : vm.vcpus()) {
                if (v.id() == f.vcpu()) {
                    spte = vm.oracle.leafSpte(v, f.gfn());
                    SoftTlb.Entry e = v.cpu.tlb.snapshot().get(f.gfn());
                    tlb = e == null ? "{none}" : Oracle.describe(e);
                }
            }
            out.add(new Oracle.Violation(LABEL, f.gfn(), f.vcpu(), spte, tlb, "flagged by Solution.check " + when));
        }
        return out;
    }
}
