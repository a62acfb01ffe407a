// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mmulab.examples.LockdepReports;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs an exercise's graders (JUnit 5 tests) through the JUnit Platform Launcher and scores them
 * the way xv6's {@code make grade} does: each test, OK or FAIL, its points, then {@code Score: x/y}.
 */
public final class Grade {
    private Grade() {}

    /** One graded test; {@code hidden} when it came from the hidden grader (the autograder's only). */
    public record Row(String name, boolean ok, int points, String why, boolean hidden) {}

    /**
     * What is graded: the code of this tree as it is, or with methods swapped (a bug fix's
     * reference, a wrong solution kept as a test), or an answer exercise with another
     * implementation of its interface.
     */
    public record Target(String label, List<Swap> swaps, String impl) {
        /** This tree's code as it is: the reference in the teacher's tree, the student's code in a kit. */
        public static Target tree(String label) {
            return new Target(label, List.of(), null);
        }

        /** The exercise's reference. */
        public static Target reference(Exercise e) {
            return new Target("the reference", e.reference(), null);
        }

        /** This tree with {@code swaps} applied (each replaces a method by a solution's). */
        public static Target swapped(String label, List<Swap> swaps) {
            return new Target(label, List.copyOf(swaps), null);
        }

        /** An answer exercise graded with {@code impl} as the implementation of its interface. */
        public static Target answers(String label, Class<?> impl) {
            return new Target(label, List.of(), impl.getName());
        }
    }

    /** A grader's outcome; {@code hiddenMissing}: the exercise has hidden tests this tree does not (a kit). */
    public record Result(Exercise exercise, Target target, List<Row> rows, boolean hiddenMissing) {
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

    /** Grades exercise {@code e}: its visible grader, and its hidden grader when this tree has it. */
    public static Result run(Exercise e, Target t) {
        return run(e, t, null);
    }

    /**
     * Grades exercise {@code e}, only the tests whose name or method name contains {@code only}
     * (ignoring case) when it is not null: one test by name, while working on it.
     */
    public static Result run(Exercise e, Target t, String only) {
        ClassLoader parent = Grade.class.getClassLoader();
        ClassLoader cl = t.swaps().isEmpty() ? parent
                : new VariantLoader("v3.16", parent, t.swaps(), List.of(e.packagePrefix()));
        List<DiscoverySelector> selectors = new ArrayList<>();
        selectors.add(selectClass(load(e.grader(), cl)));
        boolean hiddenMissing = false;
        if (e.hidden() != null) {
            try {
                selectors.add(selectClass(Class.forName(e.hidden(), false, cl)));
            } catch (ClassNotFoundException x) {
                hiddenMissing = true; // a student's kit: the autograder has them
            }
        }
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request().selectors(selectors);
        if (only != null) {
            String want = only.toLowerCase(java.util.Locale.ROOT);
            b.filters((PostDiscoveryFilter) d -> {
                boolean method = d.getSource().filter(MethodSource.class::isInstance).isPresent();
                if (!method) {
                    return FilterResult.included("a container");
                }
                String m = ((MethodSource) d.getSource().get()).getMethodName().toLowerCase(java.util.Locale.ROOT);
                boolean match = d.getDisplayName().toLowerCase(java.util.Locale.ROOT).contains(want) || m.contains(want);
                return match ? FilterResult.included("named") : FilterResult.excluded("not named by --test");
            });
        }
        if (t.impl() != null) {
            b.configurationParameter(Under.IMPL, t.impl());
        }
        Launcher launcher = LauncherFactory.create();
        Collector c = new Collector();
        int before = lockdepReports();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(cl);
        try {
            launcher.execute(b.build(), c);
        } finally {
            Thread.currentThread().setContextClassLoader(context);
        }
        int after = lockdepReports();
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<TestIdentifier, TestExecutionResult> x : c.tests.entrySet()) {
            TestExecutionResult r = x.getValue();
            boolean ok = r != null && r.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
            String why = null;
            if (!ok) {
                Throwable th = r == null ? c.containerFailure : r.getThrowable().orElse(null);
                why = r == null && th == null ? "not run" : describe(th);
            }
            rows.add(new Row(name(x.getKey()), ok, points(x.getKey()), why, hidden(x.getKey(), e)));
        }
        if (after > Math.max(before, 0)) {
            rows.add(new Row("lockdep stayed quiet while the grader ran", false, 0, "lockdep printed " + (after - Math.max(before, 0))
                    + " report(s) (above, on stderr): the code under test broke a locking rule", false));
        }
        return new Result(e, t, rows, hiddenMissing);
    }

    private static Class<?> load(String name, ClassLoader cl) {
        try {
            return Class.forName(name, false, cl);
        } catch (ClassNotFoundException x) {
            throw new IllegalStateException("exercise grader " + name + " is missing from this build", x);
        }
    }

    /**
     * Lockdep reports printed so far in this JVM, or -1 without the agent ({@code ./mmulab} runs
     * under it unless given --no-lockdep). Graders that run the port in this JVM see a report
     * printed meanwhile as the code under test breaking a locking rule; graders that run their
     * scenarios in a child JVM ({@link ScenarioRun}) keep the reports they ask for out of here.
     */
    static int lockdepReports() {
        return LockdepReports.count();
    }

    /** Prints the score table; returns 0 on full marks, 1 otherwise. */
    public static int print(Result r, PrintStream out) {
        Exercise e = r.exercise();
        out.printf("== mmulab grade %d: %s ==%n", e.number(), e.title());
        out.printf("grading %s (%s)%n", r.target().label(), e.edits());
        for (Row row : r.rows()) {
            String name = (row.hidden() ? "[hidden] " : "") + row.name();
            String dots = ".".repeat(Math.max(3, 80 - name.length()));
            out.printf("%s %s %-4s (%d/%d)%n", name, dots, row.ok() ? "OK" : "FAIL", row.ok() ? row.points() : 0,
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
        if (r.hiddenMissing()) {
            out.printf("(the autograder also runs hidden tests: %d points in all)%n", e.points());
        }
        return r.fullMarks() ? 0 : 1;
    }

    private static boolean hidden(TestIdentifier t, Exercise e) {
        Optional<TestSource> s = t.getSource();
        return e.hidden() != null && s.isPresent() && s.get() instanceof MethodSource
                && ((MethodSource) s.get()).getClassName().equals(e.hidden());
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
