// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.PrintStream;
import java.util.Objects;

/**
 * How the lockdep runtime reacts to a report, and where it prints.
 *
 * <ul>
 *   <li>{@link Mode#WARN}: print every report and carry on; lockdep stays on (except after the
 *       MAX_LOCK_DEPTH overflow, which always turns it off).</li>
 *   <li>{@link Mode#ONCE}: the kernel's {@code debug_locks} behaviour: the first lockdep report
 *       (circular, recursive, bad unlock, locks held at exit, depth overflow) turns all lockdep
 *       checks off, and {@code lockdep_assert_held} goes silent with them. might_sleep reports are
 *       not lockdep reports and keep coming, as in 3.16.</li>
 *   <li>{@link Mode#FAIL}: print the report, then throw {@link LockdepError} in the offending
 *       thread. Lockdep stays on.</li>
 * </ul>
 */
public final class LockdepConfig {
    public enum Mode { WARN, ONCE, FAIL }

    private final Mode mode;
    private final PrintStream out;

    public LockdepConfig(Mode mode, PrintStream out) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.out = Objects.requireNonNull(out, "out");
    }

    public LockdepConfig(Mode mode) {
        this(mode, System.err);
    }

    /** ONCE mode (the kernel's default behaviour), printing to System.err. */
    public static LockdepConfig defaults() {
        return new LockdepConfig(Mode.ONCE, System.err);
    }

    public Mode mode() {
        return mode;
    }

    public PrintStream out() {
        return out;
    }

    public LockdepConfig withMode(Mode m) {
        return new LockdepConfig(m, out);
    }

    public LockdepConfig withOut(PrintStream o) {
        return new LockdepConfig(mode, o);
    }

    @Override
    public String toString() {
        return "LockdepConfig[mode=" + mode + "]";
    }
}
