// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The line {@code mmulab explore} keeps up to date on a terminal while it runs: schedules done
 * (of the budget), how many were distinct, what was found so far, and the rate. It is rewritten
 * in place ({@code \r}) at most every {@link #INTERVAL_NANOS}, first after the first schedule, and
 * erased before the result is printed, so the result reads as it does when piped, where there is
 * no progress line at all ({@link #OFF}).
 */
public final class Progress {
    /** Nothing printed: output piped, or a test. */
    public static final Progress OFF = new Progress(null, System::nanoTime);

    static final long INTERVAL_NANOS = 250_000_000L;

    private final PrintStream err;
    private final LongSupplier clock;
    private long start = -1;
    private long last;
    private int width;

    Progress(PrintStream err, LongSupplier clock) {
        this.err = err;
        this.clock = clock;
    }

    /** Progress on {@code err}, a terminal. */
    public static Progress to(PrintStream err) {
        return new Progress(err, System::nanoTime);
    }

    /** The exploration starts now (the rate counts from here). */
    void start() {
        start = clock.getAsLong();
        last = start;
    }

    /**
     * After a schedule (or a stress run): {@code done} of {@code budget} (0 when the budget is
     * seconds), {@code distinct} of them (-1 where that means nothing: stress), {@code found} so
     * far, {@code lockdep} of them with a lockdep report.
     */
    void update(String unit, long done, long budget, double seconds, int distinct, int found, int lockdep) {
        if (err == null) {
            return;
        }
        long now = clock.getAsLong();
        if (start < 0) {
            start = now;
        }
        if (done > 1 && now - last < INTERVAL_NANOS) {
            return;
        }
        last = now;
        double secs = (now - start) / 1e9;
        StringBuilder b = new StringBuilder("  ");
        b.append(done);
        if (budget > 0) {
            b.append(" of ").append(budget);
        }
        b.append(' ').append(unit);
        if (budget == 0 && seconds > 0) {
            b.append(String.format(Locale.ROOT, " (%.0f of %.0f s)", secs, seconds));
        }
        if (distinct >= 0) {
            b.append(", ").append(distinct).append(" distinct");
        }
        b.append(", ").append(found).append(" found");
        if (lockdep > 0) {
            b.append(", lockdep reported in ").append(lockdep);
        }
        if (done > 1 && secs > 0) { // the first schedule's time is mostly the JIT's
            b.append(String.format(Locale.ROOT, ", %.1f %s/s", done / secs, unit));
        }
        print(b.toString());
    }

    /** Erases the line: what follows starts at the left margin of an empty line. */
    void done() {
        if (err != null && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }

    private void print(String line) {
        // pad over the rest of a longer line before it
        String padded = line.length() < width ? line + " ".repeat(width - line.length()) : line;
        err.print("\r" + padded);
        err.flush();
        width = Math.max(width, line.length());
    }
}
