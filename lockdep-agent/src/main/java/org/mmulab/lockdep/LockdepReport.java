// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.Objects;

/**
 * One report as lockdep printed it: its kind, its one-line title (the message of a
 * {@link LockdepError}) and the whole text. Listeners ({@link Lockdep#addReportListener}) get every
 * report, also one that {@code repeats=fold} did not print.
 */
public final class LockdepReport {
    private final ReportKind kind;
    private final String title;
    private final String text;
    /** Two reports with the same key are the same report from the same site (see {@link Reports#foldKey}). */
    final String key;

    LockdepReport(ReportKind kind, String title, String text, String key) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.title = Objects.requireNonNull(title, "title");
        this.text = Objects.requireNonNull(text, "text");
        this.key = Objects.requireNonNull(key, "key");
    }

    public ReportKind kind() {
        return kind;
    }

    /** The first line that names the report, e.g. {@code [ INFO: possible circular locking dependency detected ]}. */
    public String title() {
        return title;
    }

    /** The full text, as printed (it starts with a blank line for the bracketed titles, as in the kernel). */
    public String text() {
        return text;
    }

    /** Whether {@code other} is the same report from the same site (what {@code repeats=fold} folds). */
    public boolean sameAs(LockdepReport other) {
        return other != null && key.equals(other.key);
    }

    @Override
    public String toString() {
        return kind + ": " + title;
    }
}
