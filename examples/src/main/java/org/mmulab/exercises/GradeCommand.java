// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.io.PrintStream;

/** {@code mmulab grade [N [--reference]]}: lists the exercises, or grades one. */
public final class GradeCommand {
    private GradeCommand() {}

    /** Bad usage: the one line to print, exit 2. */
    public static final class BadUsage extends Exception {
        public BadUsage(String message) {
            super(message);
        }
    }

    /** Runs the command (args[0] is "grade"); returns the exit status, or throws BadUsage. */
    public static int run(String[] args, PrintStream out) throws BadUsage {
        if (args.length == 1) {
            out.println("exercises (grade one with: mmulab grade N [--reference]):");
            for (Exercise e : Exercise.ALL) {
                out.printf("  %d  %-62s %s%n", e.number(), e.title(), e.sheet());
            }
            return 0;
        }
        int n;
        try {
            n = Integer.parseInt(args[1]);
        } catch (NumberFormatException ex) {
            throw new BadUsage("grade: which exercise? expected a number 1-" + Exercise.ALL.size() + ", got '" + args[1] + "'");
        }
        Exercise e = Exercise.byNumber(n).orElseThrow(
                () -> new BadUsage("grade: no exercise " + n + " (there are 1-" + Exercise.ALL.size() + "; see: mmulab grade)"));
        boolean reference = false;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--reference")) {
                reference = true;
            } else {
                throw new BadUsage("grade: unknown option '" + args[i] + "' (only --reference)");
            }
        }
        return Grade.print(Grade.run(e, reference), out);
    }
}
