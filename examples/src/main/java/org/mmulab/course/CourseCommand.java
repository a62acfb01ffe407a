// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.mmulab.examples.Main;
import org.mmulab.examples.StandardOptions;
import org.mmulab.exercises.Exercise;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mmulab course export DIR} and {@code mmulab course autograder FILE.zip}: the teacher's side. */
@Command(name = "course", sortOptions = false, descriptionHeading = "%n",
        description = {"Hand the coursework out: a student kit, or a Gradescope autograder.", "",
            "export DIR: writes a standalone Maven project for students, the exercises' regions cut out "
                + "and replaced by TODO stubs, the sheets, the visible graders, ./grade and the lockdep agent; "
                + "no reference, hidden grader or answer.",
            "autograder FILE.zip: writes the zip Gradescope expects (setup.sh, run_autograder, the kit with "
                + "the hidden graders), which grades a submission's regions and writes results.json."},
        optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:written", "2:bad usage (one line on stderr, nothing written)"})
public final class CourseCommand implements Main.Action {
    /** The course command with its two subcommands, printing to {@code out}. */
    public static picocli.CommandLine commandLine(PrintStream out) {
        picocli.CommandLine cl = new picocli.CommandLine(new CourseCommand());
        Export e = new Export();
        e.out = out;
        AutograderZip a = new AutograderZip();
        a.out = out;
        cl.addSubcommand(e);
        cl.addSubcommand(a);
        return cl;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    StandardOptions standard;

    @Override
    public int call() {
        throw new ParameterException(spec.commandLine(), "which? course export DIR, or course autograder FILE.zip");
    }

    /** The teacher's tree this jar was built in: examples/target/{examples.jar,classes} -> the root. */
    static Path root() {
        String home = System.getProperty("mmulab.home");
        if (home != null) {
            return Paths.get(home);
        }
        try {
            Path here = Paths.get(CourseCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return here.getParent().getParent().getParent();
        } catch (Exception e) {
            throw new IllegalStateException("cannot tell where the mmulab tree is: set -Dmmulab.home=DIR", e);
        }
    }

    static Set<Integer> exercises(CommandSpec spec, String list) {
        Set<Integer> out = new TreeSet<>();
        if (list == null) {
            Exercise.ALL.forEach(e -> out.add(e.number()));
            return out;
        }
        for (String s : list.split(",")) {
            try {
                int n = Integer.parseInt(s.trim());
                if (Exercise.byNumber(n).isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "--exercises: no exercise " + n
                            + " (there are 1-" + Exercise.ALL.size() + "; see: mmulab grade --list)");
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--exercises: expected numbers like 1,3,5, got '" + list + "'");
            }
        }
        return out;
    }

    @Command(name = "export", sortOptions = false, description = "Write a student kit into DIR (new or empty).")
    static final class Export implements Main.Action {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "Where to write the kit: a new or empty directory.")
        Path dir;

        @Option(names = "--exercises", paramLabel = "N,N...", description = "The exercises to hand out (default: all). "
                + "The others keep their reference code, so scenarios that run through them work.")
        String list;

        @Mixin
        StandardOptions standard;

        PrintStream out = System.out;

        @Override
        public int call() {
            Set<Integer> chosen = exercises(spec, list);
            try {
                KitWriter.Summary s = KitWriter.write(root(), dir, chosen, false);
                out.printf("wrote a student kit to %s: exercises %s, %d files, %d regions cut out, lockdep agent %s in %s/%n",
                        dir, chosen.stream().map(String::valueOf).collect(Collectors.joining(",")), s.files(), s.regionsCut(),
                        s.agentVersion(), KitWriter.REPO);
                out.printf("students start with: cd %s && ./grade %d%n", dir, chosen.iterator().next());
                return 0;
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), dir + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "autograder", sortOptions = false, description = "Write Gradescope's autograder zip to FILE.zip.")
    static final class AutograderZip implements Main.Action {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE.zip", description = "The zip to write (replaced if it exists).")
        Path zip;

        @Option(names = "--exercises", paramLabel = "N,N...", description = "The exercises this assignment grades (default: all).")
        String list;

        @Option(names = "--reference-submission", paramLabel = "DIR", description = "Also write the reference as a "
                + "submission into DIR (new or empty): the files students edit, their regions holding the reference, "
                + "to try the autograder with (it must give full marks).")
        Path referenceSubmission;

        @Mixin
        StandardOptions standard;

        PrintStream out = System.out;

        @Override
        public int call() {
            Set<Integer> chosen = exercises(spec, list);
            try {
                if (referenceSubmission != null) {
                    KitWriter.checkEmpty(referenceSubmission);
                }
                KitWriter.Summary s = Autograder.write(root(), zip, chosen);
                out.printf("wrote %s: Gradescope autograder for exercises %s (%d files; setup.sh, run_autograder)%n", zip,
                        chosen.stream().map(String::valueOf).collect(Collectors.joining(",")), s.files() + 2);
                if (referenceSubmission != null) {
                    int n = Autograder.writeReferenceSubmission(root(), referenceSubmission, chosen);
                    out.printf("wrote the reference submission to %s (%d files)%n", referenceSubmission, n);
                }
                return 0;
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), zip + ": " + e.getMessage());
            }
        }
    }
}
