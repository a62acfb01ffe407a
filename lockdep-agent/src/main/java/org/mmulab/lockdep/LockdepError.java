// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/**
 * Thrown in the offending thread after a report when the runtime runs in
 * {@link LockdepConfig.Mode#FAIL}. The message is the report's title line; the full report has
 * already been printed to the configured stream and is also available from {@link #report()}.
 */
public final class LockdepError extends Error {
    private static final long serialVersionUID = 1L;
    private final String report;
    private final ReportKind kind;

    public LockdepError(String title, String report) {
        this(title, report, null);
    }

    LockdepError(LockdepReport r) {
        this(r.title(), r.text(), r.kind());
    }

    private LockdepError(String title, String report, ReportKind kind) {
        super(title);
        this.report = report;
        this.kind = kind;
    }

    /** The full text that was printed. */
    public String report() {
        return report;
    }

    /** The kind of report, or null for an error made by hand. */
    public ReportKind kind() {
        return kind;
    }
}
