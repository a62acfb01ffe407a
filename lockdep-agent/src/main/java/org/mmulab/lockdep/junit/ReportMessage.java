// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mmulab.lockdep.LockdepReport;
import org.mmulab.lockdep.ReportKind;

/**
 * The failure message of a test watched by {@link LockdepExtension}: the reports themselves, as
 * lockdep printed them, with the test framework's frames cut from every stack (they are the same
 * in every report and say nothing about the locking).
 */
final class ReportMessage {
    private ReportMessage() {}

    /** A frame line of a report: indent, then {@code pkg.Class.method(File.java:12)}. */
    private static final Pattern FRAME = Pattern.compile("^( +)([\\w$.]+)\\.[\\w$<>]+\\([^()]*\\)$");

    /** Classes of the machinery that calls a test method: from the first of them on, a stack is the framework's. */
    private static final List<String> FRAMEWORK = List.of(
            "org.junit.", "org.apache.maven.surefire.", "org.apache.maven.shadefire.", "jdk.internal.reflect.",
            "java.lang.reflect.", "sun.reflect.", "jdk.proxy", "org.gradle.", "worker.org.gradle.", "com.intellij.rt.");

    /**
     * Null when the test's reports are what it expected (none, unless {@code expect} names some);
     * else the failure message.
     */
    static String verdict(String test, Set<ReportKind> expect, List<LockdepReport> reports) {
        List<LockdepReport> unexpected = new ArrayList<>();
        Set<ReportKind> missing = new TreeSet<>(expect);
        for (LockdepReport r : reports) {
            missing.remove(r.kind());
            if (!expect.contains(r.kind())) {
                unexpected.add(r);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        if (!missing.isEmpty()) {
            b.append("lockdep did not report ").append(missing).append(" during ").append(test)
                    .append(", as @Lockdep(expect = ").append(new TreeSet<>(expect)).append(") requires");
            if (reports.isEmpty()) {
                b.append("; it reported nothing");
            } else if (unexpected.isEmpty()) {
                b.append("; it reported only ").append(kinds(reports));
            }
            if (!unexpected.isEmpty()) {
                b.append('\n');
            }
        }
        if (!unexpected.isEmpty()) {
            int n = unexpected.size();
            b.append("lockdep reported ").append(n == 1 ? "once" : n + " times").append(" during ").append(test);
            if (!expect.isEmpty()) {
                b.append(" (not the expected ").append(new TreeSet<>(expect)).append(')');
            }
            b.append(":\n");
            appendTexts(b, unexpected);
        }
        return b.toString();
    }

    private static Set<ReportKind> kinds(List<LockdepReport> reports) {
        Set<ReportKind> s = new TreeSet<>();
        for (LockdepReport r : reports) {
            s.add(r.kind());
        }
        return s;
    }

    /** Each distinct report once, in order, with how often it came again. */
    private static void appendTexts(StringBuilder b, List<LockdepReport> reports) {
        List<LockdepReport> distinct = new ArrayList<>();
        List<int[]> again = new ArrayList<>();
        outer:
        for (LockdepReport r : reports) {
            for (int i = 0; i < distinct.size(); i++) {
                if (distinct.get(i).sameAs(r)) {
                    again.get(i)[0]++;
                    continue outer;
                }
            }
            distinct.add(r);
            again.add(new int[1]);
        }
        for (int i = 0; i < distinct.size(); i++) {
            String text = trimFrameworkFrames(distinct.get(i).text());
            b.append(text);
            if (!text.endsWith("\n")) {
                b.append('\n');
            }
            int more = again.get(i)[0];
            if (more > 0) {
                b.append("[the same report ").append(more).append(more == 1 ? " more time]\n" : " more times]\n");
            }
        }
    }

    /**
     * Cuts every run of frame lines at its first frame of the test machinery (JUnit, surefire,
     * reflection), leaving one {@code ...} line in its place.
     */
    static String trimFrameworkFrames(String text) {
        String[] lines = text.split("\n", -1);
        StringBuilder b = new StringBuilder(text.length());
        boolean cutting = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m = FRAME.matcher(line);
            if (!m.matches()) {
                cutting = false;
            } else if (cutting) {
                continue;
            } else if (framework(m.group(2))) {
                cutting = true;
                line = m.group(1) + "...";
            }
            b.append(line);
            if (i < lines.length - 1) {
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static boolean framework(String className) {
        for (String p : FRAMEWORK) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
