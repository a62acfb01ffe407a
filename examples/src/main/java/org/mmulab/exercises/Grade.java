// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.LockdepReports;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs an exercise's grader (JUnit 5 tests) through the JUnit Platform Launcher and scores it the
 * way xv6's {@code make grade} does: each test, OK or FAIL, its points, then {@code Score: x/y}.
 */
public final class Grade {
    private Grade() {}

    /** One graded test. */
    public record Row(String name, boolean ok, int points, String why) {}

    /** A grader's outcome. */
    public record Result(Exercise exercise, boolean reference, List<Row> rows) {
        public int score() {
            return rows.stream().filter(Row::ok).mapToInt(Row::points).sum();
        }

        public int max() {
            return rows.stream().mapToInt(Row::points).sum();
        }

        public boolean fullMarks() {
            return !rows.isEmpty() && rows.stream().allMatch(Row::ok);
        }
    }

    /** Runs exercise {@code e}'s grader against the student's code, or the reference. */
    public static Result run(Exercise e, boolean reference) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(e.grader()))
                .configurationParameter(Under.TARGET, reference ? "reference" : "student")
                .build();
        Launcher launcher = LauncherFactory.create();
        Collector c = new Collector();
        int before = lockdepReports();
        launcher.execute(request, c);
        int after = lockdepReports();
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<TestIdentifier, TestExecutionResult> t : c.tests.entrySet()) {
            TestExecutionResult r = t.getValue();
            boolean ok = r != null && r.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
            String why = null;
            if (!ok) {
                Throwable x = r == null ? c.containerFailure : r.getThrowable().orElse(null);
                why = r == null && x == null ? "not run" : describe(x);
            }
            rows.add(new Row(name(t.getKey()), ok, points(t.getKey()), why));
        }
        if (after > Math.max(before, 0)) {
            rows.add(new Row("lockdep stayed quiet while the grader ran", false, 0, "lockdep printed " + (after - Math.max(before, 0))
                    + " report(s) (above, on stderr): the code under test broke a locking rule"));
        }
        return new Result(e, reference, rows);
    }

    /**
     * Lockdep reports printed so far in this JVM, or -1 without the agent ({@code ./mmulab} runs
     * under it unless given --no-lockdep). Graders 1, 2 and 5 run the port in this JVM, so a
     * report printed meanwhile is the code under test breaking a locking rule; graders 3 and 4 run
     * their scenarios in a child JVM, so the reports they ask for never land here.
     */
    static int lockdepReports() {
        return LockdepReports.count();
    }

    /** Prints the score table; returns 0 on full marks, 1 otherwise. */
    public static int print(Result r, PrintStream out) {
        Exercise e = r.exercise();
        out.printf("== mmulab grade %d: %s ==%n", e.number(), e.title());
        out.printf("grading %s%n", r.reference() ? "the reference, " + e.skeleton().replace("Solution.java", "Reference.java")
                : e.skeleton());
        for (Row row : r.rows()) {
            String dots = ".".repeat(Math.max(3, 80 - row.name().length()));
            out.printf("%s %s %-4s (%d/%d)%n", row.name(), dots, row.ok() ? "OK" : "FAIL", row.ok() ? row.points() : 0,
                    row.points());
            if (!row.ok()) {
                for (String line : row.why().split("\n", 4)) {
                    if (!line.isBlank()) {
                        out.println("    " + line);
                    }
                }
            }
        }
        out.printf("Score: %d/%d%s%n", r.score(), r.max(),
                r.score() == r.max() && !r.fullMarks() ? " (not full marks: see the FAIL line above)" : "");
        return r.fullMarks() ? 0 : 1;
    }

    private static String describe(Throwable x) {
        if (x == null) {
            return "failed";
        }
        String m = x.getMessage();
        String type = x.getClass().getSimpleName();
        if (x instanceof AssertionError && m != null) {
            return m;
        }
        StackTraceElement where = null;
        for (StackTraceElement s : x.getStackTrace()) {
            if (s.getClassName().startsWith("org.mmulab.")) {
                where = s;
                break;
            }
        }
        return type + (m == null ? "" : ": " + m) + (where == null ? "" : "\n  at " + where);
    }

    private static String name(TestIdentifier t) {
        return t.getDisplayName();
    }

    private static int points(TestIdentifier t) {
        Optional<TestSource> s = t.getSource();
        if (s.isPresent() && s.get() instanceof MethodSource) {
            MethodSource ms = (MethodSource) s.get();
            try {
                Method m = ms.getJavaMethod();
                Points p = m.getAnnotation(Points.class);
                return p == null ? 1 : p.value();
            } catch (RuntimeException ex) {
                return 1;
            }
        }
        return 1;
    }

    /** Every test of the plan, in discovery order, with its result (null: never ran). */
    private static final class Collector implements TestExecutionListener {
        final Map<TestIdentifier, TestExecutionResult> tests = new LinkedHashMap<>();
        TestPlan plan;
        Throwable containerFailure;

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            plan = testPlan;
            for (TestIdentifier root : testPlan.getRoots()) {
                add(root);
            }
        }

        private void add(TestIdentifier id) {
            if (id.isTest()) {
                tests.put(id, null);
            }
            for (TestIdentifier child : plan.getChildren(id)) {
                add(child);
            }
        }

        @Override
        public void dynamicTestRegistered(TestIdentifier id) {
            if (id.isTest()) {
                tests.put(id, null);
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                tests.put(id, result);
            } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && containerFailure == null) {
                containerFailure = result.getThrowable().orElse(null);
            }
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                tests.put(id, TestExecutionResult.failed(new AssertionError("skipped: " + reason)));
            }
        }
    }
}
