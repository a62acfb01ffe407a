// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.util.List;
import java.util.Optional;

/** One exercise: its number, title, task sheet, the file the student edits, and its grader. */
public record Exercise(int number, String title, String sheet, String skeleton, Class<?> grader) {
    static final String SRC = "examples/src/main/java/org/mmulab/exercises/";

    /** Every exercise, in order. */
    public static final List<Exercise> ALL = List.of(
            new Exercise(1, "spte_write_protect: the mmu.h rules and the flush it owes",
                    "docs/exercises/ex1-spte-write-protect.md", SRC + "ex1/Solution.java",
                    org.mmulab.exercises.ex1.Ex1Grader.class),
            new Exercise(2, "kvm_mmu_write_protect_pt_masked: one dirty-bitmap word",
                    "docs/exercises/ex2-write-protect-pt-masked.md", SRC + "ex2/Solution.java",
                    org.mmulab.exercises.ex2.Ex2Grader.class),
            new Exercise(3, "read a lockdep report: which variant, function, lock and rule",
                    "docs/exercises/ex3-lockdep-report.md", SRC + "ex3/Solution.java",
                    org.mmulab.exercises.ex3.Ex3Grader.class),
            new Exercise(4, "break the enable-logging-race on purpose",
                    "docs/exercises/ex4-break-the-race.md", SRC + "ex4/Solution.java",
                    org.mmulab.exercises.ex4.Ex4Grader.class),
            new Exercise(5, "pte_list_remove for every rmap shape",
                    "docs/exercises/ex5-pte-list-remove.md", SRC + "ex5/Solution.java",
                    org.mmulab.exercises.ex5.Ex5Grader.class));

    public static Optional<Exercise> byNumber(int n) {
        return ALL.stream().filter(e -> e.number() == n).findFirst();
    }
}
