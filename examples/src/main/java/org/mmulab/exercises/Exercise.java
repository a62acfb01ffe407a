// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.util.List;
import java.util.Optional;
import org.mmulab.examples.variants.VariantLoader.Swap;

/**
 * One exercise: its number, title, points, task sheet, the file(s) the student edits, its graders
 * and where its reference is.
 *
 * <p>The code a student writes is a <em>region</em> of the teacher's tree, between
 * {@code // >>> exercise N} and {@code // <<< exercise N} (see {@link org.mmulab.course.Regions}):
 * in the port itself for the code exercises (students edit the kernel, as in xv6), in
 * {@code exN/Solution.java} for the answer exercises. In this tree the regions hold the reference,
 * so grading this tree grades the reference; {@code mmulab course export} writes the students'
 * kit with the regions cut out. An exercise whose answer is a change to v3.16 (a bug fix) cannot
 * keep its answer in the port, which stays v3.16: its reference is a {@link Swap} of the methods
 * the fix changes, applied when grading {@code --reference}.
 *
 * @param grader the visible grader (JUnit 5 tests), by class name: it travels in the kit
 * @param hidden the hidden grader, by class name, or null: only the autograder has it
 * @param reference the swaps that make the reference, or empty when the regions hold it
 */
public record Exercise(int number, String title, int points, String sheet, String edits, String grader, String hidden,
        List<Swap> reference) {
    static final String PKG = "org.mmulab.exercises.";
    static final String MMU = "kernel-port/src/main/java/org/mmulab/kernel/arch/x86/kvm/mmu.java";
    static final String SRC = "examples/src/main/java/org/mmulab/exercises/";
    static final String X86 = "kernel-port/src/main/java/org/mmulab/kernel/arch/x86/kvm/x86.java";
    /** {@code kvm_arch_prepare_memory_region}'s descriptor: exercise 6's fix swaps it. */
    static final String PREPARE = "(Lorg/mmulab/kernel/linux/kvm;Lorg/mmulab/kernel/linux/kvm_memory_slot;"
            + "Lorg/mmulab/kernel/uapi/linux/kvm_userspace_memory_region;Lorg/mmulab/kernel/linux/kvm_host_h$kvm_mr_change;)I";

    /** Every exercise, in order. */
    public static final List<Exercise> ALL = List.of(
            new Exercise(1, "spte_write_protect: the mmu.h rules and the flush it owes", 13,
                    "docs/exercises/ex1-spte-write-protect.md", MMU, PKG + "ex1.Ex1Grader", PKG + "ex1.hidden.Ex1Hidden", List.of()),
            new Exercise(2, "kvm_mmu_write_protect_pt_masked: one dirty-bitmap word", 12,
                    "docs/exercises/ex2-write-protect-pt-masked.md", MMU, PKG + "ex2.Ex2Grader", null, List.of()),
            new Exercise(3, "read a lockdep report: which variant, function, lock and rule", 17,
                    "docs/exercises/ex3-lockdep-report.md", SRC + "ex3/Solution.java", PKG + "ex3.Ex3Grader", PKG + "ex3.hidden.Ex3Hidden", List.of()),
            new Exercise(4, "break the enable-logging-race on purpose", 10,
                    "docs/exercises/ex4-break-the-race.md", SRC + "ex4/Solution.java", PKG + "ex4.Ex4Grader", null, List.of()),
            new Exercise(5, "pte_list_remove for every rmap shape", 14,
                    "docs/exercises/ex5-pte-list-remove.md", MMU, PKG + "ex5.Ex5Grader", null, List.of()),
            new Exercise(6, "a real kernel bug: moving a logged slot", 20,
                    "docs/exercises/ex6-moving-a-logged-slot.md", X86, PKG + "ex6.Ex6Grader", PKG + "ex6.hidden.Ex6Hidden",
                    List.of(Swap.replace("org/mmulab/kernel/arch/x86/kvm/x86", "kvm_arch_prepare_memory_region", PREPARE,
                            "org/mmulab/exercises/ex6/Reference"))),
            new Exercise(7, "why cmpxchg64: fast_pf_fix_direct_spte", 15,
                    "docs/exercises/ex7-why-cmpxchg64.md", MMU, PKG + "ex7.Ex7Grader", null, List.of()),
            new Exercise(8, "requests and kicks: into the guest without missing a flush", 19,
                    "docs/exercises/ex8-requests-and-kicks.md", X86, PKG + "ex8.Ex8Grader", null, List.of()),
            new Exercise(9, "read an explore timeline: who, where, and what v3.16 does", 12,
                    "docs/exercises/ex9-read-the-timeline.md", SRC + "ex9/Solution.java", PKG + "ex9.Ex9Grader", PKG + "ex9.hidden.Ex9Hidden", List.of()),
            new Exercise(10, "write the oracle: the seed commit's safety property", 21,
                    "docs/exercises/ex10-write-the-oracle.md", SRC + "ex10/Solution.java", PKG + "ex10.Ex10Grader", null, List.of()));

    public static Optional<Exercise> byNumber(int n) {
        return ALL.stream().filter(e -> e.number() == n).findFirst();
    }

    /** The package prefix of this exercise's own classes (graders, solutions, wrong solutions). */
    public String packagePrefix() {
        return PKG + "ex" + number + ".";
    }
}
