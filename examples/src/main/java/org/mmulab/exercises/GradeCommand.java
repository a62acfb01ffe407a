// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.mmulab.course.Kit;
import org.mmulab.examples.Main;
import org.mmulab.examples.StandardOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmulab grade [--list] [N... [--reference] [--gradescope FILE]]}: lists the exercises, or grades some. */
@Command(name = "grade", sortOptions = false,
        descriptionHeading = "%n",
        description = {"List the exercises, or grade exercise N and print its score.", "",
            "Runs exercise N's tests (docs/exercises/) under lockdep against the code of its exercise regions, "
                + "each OK or FAIL with its points, then the score. In the teacher's tree the regions hold the "
                + "reference; in a student's kit (mmulab course export) they hold the student's code. "
                + "Without N: the list of exercises."},
        parameterListHeading = "%n", optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:full marks (every exercise graded), or the list", "1:short of full marks",
            "2:bad usage (one line on stderr, nothing run)"})
public final class GradeCommand implements Main.Action {
    private final PrintStream out;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "N", completionCandidates = Numbers.class,
            description = "The exercise(s): ${COMPLETION-CANDIDATES}.")
    List<String> numbers = new ArrayList<>();

    @Option(names = "--list", description = "List the exercises, one per line: number, title, points.")
    boolean list;

    @Option(names = "--reference", description = "Grade the reference (the teacher's tree only; a kit has none).")
    boolean reference;

    @Option(names = "--test", paramLabel = "NAME",
            description = "Run only the tests whose name (as the table prints it) or method name contains NAME, ignoring case.")
    String only;

    @Option(names = "--gradescope", paramLabel = "FILE",
            description = "Also write Gradescope's results.json to FILE (the autograder's output).")
    Path gradescope;

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

    /** The exercises this tree grades: all of them, or in a student's kit those it hands out. */
    static List<Exercise> handedOut() {
        java.util.Set<Integer> numbers = Kit.handedOut(Exercise.ALL.stream().map(Exercise::number).collect(Collectors.toSet()));
        return Exercise.ALL.stream().filter(e -> numbers.contains(e.number())).toList();
    }

    @Override
    public int call() {
        if (numbers.isEmpty()) {
            if (reference || gradescope != null) {
                throw new ParameterException(spec.commandLine(), (reference ? "--reference" : "--gradescope")
                        + " grades an exercise: which one? (mmulab grade N " + (reference ? "--reference" : "--gradescope FILE") + ")");
            }
            List<Exercise> shown = handedOut();
            if (list) {
                for (Exercise e : shown) {
                    out.printf("%d\t%s\t%d%n", e.number(), e.title(), e.points());
                }
                return 0;
            }
            out.println("exercises (grade one with: mmulab grade N" + (Kit.isKit() ? "" : " [--reference]") + "):");
            int width = shown.stream().mapToInt(e -> e.title().length()).max().orElse(0);
            for (Exercise e : shown) {
                out.printf("  %2d  %-" + width + "s %3d points  %s%n", e.number(), e.title(), e.points(), e.sheet());
            }
            return 0;
        }
        if (list) {
            throw new ParameterException(spec.commandLine(), "--list takes no exercise number");
        }
        Set<Exercise> chosen = new LinkedHashSet<>();
        for (String number : numbers) {
            int n;
            try {
                n = Integer.parseInt(number);
            } catch (NumberFormatException ex) {
                throw new ParameterException(spec.commandLine(),
                        "which exercise? expected a number 1-" + Exercise.ALL.size() + ", got '" + number + "'");
            }
            Exercise e = Exercise.byNumber(n).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "no exercise " + n + " (there are 1-" + Exercise.ALL.size() + "; see: mmulab grade)"));
            if (!handedOut().contains(e)) {
                throw new ParameterException(spec.commandLine(), "exercise " + n + " is not handed out in this kit (see: ./grade)");
            }
            chosen.add(e);
        }
        if (reference && Kit.isKit()) {
            throw new ParameterException(spec.commandLine(), "--reference: a student's kit has no reference; grade your own code (mmulab grade N)");
        }
        if (gradescope != null) {
            Path dir = gradescope.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new ParameterException(spec.commandLine(), "--gradescope " + gradescope + ": no such directory " + dir);
            }
            if (Files.isDirectory(gradescope)) {
                throw new ParameterException(spec.commandLine(), "--gradescope " + gradescope + ": is a directory");
            }
        }
        List<Grade.Result> results = new ArrayList<>();
        int status = 0;
        for (Exercise e : chosen) {
            Grade.Target t = reference ? Grade.Target.reference(e)
                    : Grade.Target.tree(Kit.isKit() ? "your code" : e.reference().isEmpty()
                            ? "this tree's exercise regions, which hold the reference" : "this tree, v3.16 as the kit hands it out");
            Grade.Result r = Grade.run(e, t, only);
            if (r.rows().isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--test " + only + ": no test of exercise " + e.number() + " has that in its name");
            }
            results.add(r);
            status |= Grade.print(r, out);
        }
        if (gradescope != null) {
            try {
                Gradescope.write(results, gradescope);
            } catch (IOException x) {
                throw new ParameterException(spec.commandLine(), "--gradescope " + gradescope + ": " + x.getMessage());
            }
            out.println("wrote " + gradescope);
        }
        return status;
    }
}
