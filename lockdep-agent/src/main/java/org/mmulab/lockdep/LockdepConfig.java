// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.PrintStream;
import java.util.Objects;

/**
 * How the lockdep runtime reacts to a report, and where it prints.
 *
 * <ul>
 *   <li>{@link Mode#WARN}: print every report and carry on; lockdep stays on (except after the
 *       MAX_LOCK_DEPTH overflow, an invalid subclass, and a full table: MAX_LOCKDEP_KEYS,
 *       MAX_LOCKDEP_ENTRIES, MAX_LOCKDEP_CHAINS, which turn it off as in the kernel).</li>
 *   <li>{@link Mode#ONCE}: the kernel's {@code debug_locks} behaviour: the first lockdep report
 *       (circular, recursive, bad unlock, locks held at exit, depth overflow) turns all lockdep
 *       checks off, and {@code lockdep_assert_held} goes silent with them. might_sleep reports are
 *       not lockdep reports and keep coming, as in 3.16.</li>
 *   <li>{@link Mode#FAIL}: print the report, then throw {@link LockdepError} in the offending
 *       thread, before the lock is taken. Lockdep stays on, also at MAX_LOCK_DEPTH (the 48th lock
 *       is not taken); only a full table or an invalid subclass turns it off. The first error
 *       stays the one thrown: a report made while a LockdepError unwinds through a hook (the
 *       ioctl's return-to-user check) is added to it as suppressed, not thrown over it.</li>
 * </ul>
 *
 * <p>{@link Repeats#ALL} prints every report, as the kernel prints every WARN; {@link Repeats#FOLD}
 * prints the first report from a site in full and only counts the identical ones after it, and
 * {@link Lockdep#printRepeatSummary()} (at exit, and at {@link Lockdep#reset()}) says how many
 * ({@code [the same WARN 88 more times] ...}). Folded reports still count, and still throw in FAIL mode.
 */
public final class LockdepConfig {
    public enum Mode { WARN, ONCE, FAIL }

    /** Whether a report identical to one already printed is printed again. */
    public enum Repeats { ALL, FOLD }

    private final Mode mode;
    private final PrintStream out;
    private final Repeats repeats;

    public LockdepConfig(Mode mode, PrintStream out, Repeats repeats) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.out = Objects.requireNonNull(out, "out");
        this.repeats = Objects.requireNonNull(repeats, "repeats");
    }

    public LockdepConfig(Mode mode, PrintStream out) {
        this(mode, out, Repeats.ALL);
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

    public Repeats repeats() {
        return repeats;
    }

    public LockdepConfig withMode(Mode m) {
        return new LockdepConfig(m, out, repeats);
    }

    public LockdepConfig withOut(PrintStream o) {
        return new LockdepConfig(mode, o, repeats);
    }

    public LockdepConfig withRepeats(Repeats r) {
        return new LockdepConfig(mode, out, r);
    }

    @Override
    public String toString() {
        return "LockdepConfig[mode=" + mode + ", repeats=" + repeats + "]";
    }
}
