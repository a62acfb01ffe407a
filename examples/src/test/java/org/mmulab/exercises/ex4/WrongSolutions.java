// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

import java.util.List;
import org.mmulab.exercises.Grade;

/**
 * Wrong configurations of exercise 4, each a whole answer with one plausible mistake: each must
 * lose points. The grader runs each configuration in child JVMs, so the wrong ones are kept cheap:
 * a few rounds, or the reference's command itself (the grader runs a command line only once).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    public static List<Grade.Target> all() {
        return List.of(
                Grade.Target.answers("the variant that breaks invariant 2 (pt-writable): its locking is right", PtWritable.class),
                Grade.Target.answers("the merged code (v3.16) with the window held open: nothing breaks", MergedCode.class),
                Grade.Target.answers("the pre-image (v3.15), taken for the bug", PreImage.class),
                Grade.Target.answers("the thread whose flush is held, not the one that WARNs", WrongThread.class),
                Grade.Target.answers("--memory 1MB, not a size mmulab takes", BadMemory.class));
    }

    /** The reference's answers, to derive wrong ones from. */
    public static class Right implements RaceConfig {
        public String variant() { return "no-slots-lock"; }
        public long holdFlushMillis() { return 30; }
        public int rounds() { return 15; }
        public String memory() { return "1M"; }
        public long seed() { return 1; }
        public String warningThread() { return "harvester"; }
    }

    public static final class PtWritable extends Right {
        @Override public String variant() { return "pt-writable"; }
        @Override public int rounds() { return 3; }
    }

    public static final class MergedCode extends Right {
        @Override public String variant() { return "v3.16"; }
        @Override public int rounds() { return 3; }
    }

    public static final class PreImage extends Right {
        @Override public String variant() { return "v3.15"; }
        @Override public int rounds() { return 3; }
    }

    public static final class WrongThread extends Right {
        @Override public String warningThread() { return "logging-toggler"; }
    }

    public static final class BadMemory extends Right {
        @Override public String memory() { return "1MB"; }
    }
}
