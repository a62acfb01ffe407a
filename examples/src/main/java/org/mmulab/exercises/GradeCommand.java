// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.io.PrintStream;
import java.util.Iterator;
import java.util.stream.Collectors;
import org.mmulab.examples.Main;
import org.mmulab.examples.StandardOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmulab grade [N [--reference]]}: lists the exercises, or grades one. */
@Command(name = "grade", sortOptions = false,
        descriptionHeading = "%n",
        description = {"List the exercises, or grade exercise N and print its score.", "",
            "Runs exercise N's tests (docs/exercises/) against your Solution.java under lockdep, each OK or FAIL "
                + "with its points, then the score. Without N: the list of exercises."},
        parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:full marks, or the list", "1:short of full marks", "2:bad usage (one line on stderr, nothing run)"})
public final class GradeCommand implements Main.Action {
    private final PrintStream out;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "N", completionCandidates = Numbers.class,
            description = "The exercise: ${COMPLETION-CANDIDATES}.")
    String number;

    @Option(names = "--reference", description = "Grade the reference (the port's own function) instead, for comparison.")
    boolean reference;

    @Mixin
    StandardOptions standard;

    public GradeCommand(PrintStream out) {
        this.out = out;
    }

    /** The exercise numbers, for the help and the completion. */
    static final class Numbers implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Exercise.ALL.stream().map(e -> Integer.toString(e.number())).collect(Collectors.toList()).iterator();
        }
    }

    @Override
    public int call() {
        if (number == null) {
            if (reference) {
                throw new ParameterException(spec.commandLine(), "--reference grades an exercise: which one? (mmulab grade N --reference)");
            }
            out.println("exercises (grade one with: mmulab grade N [--reference]):");
            for (Exercise e : Exercise.ALL) {
                out.printf("  %d  %-62s %s%n", e.number(), e.title(), e.sheet());
            }
            return 0;
        }
        int n;
        try {
            n = Integer.parseInt(number);
        } catch (NumberFormatException ex) {
            throw new ParameterException(spec.commandLine(),
                    "which exercise? expected a number 1-" + Exercise.ALL.size() + ", got '" + number + "'");
        }
        Exercise e = Exercise.byNumber(n).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "no exercise " + n + " (there are 1-" + Exercise.ALL.size() + "; see: mmulab grade)"));
        return Grade.print(Grade.run(e, reference), out);
    }
}
