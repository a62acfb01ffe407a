// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import java.lang.reflect.AnnotatedElement;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.mmulab.lockdep.LockdepError;
import org.mmulab.lockdep.LockdepReport;
import org.mmulab.lockdep.ReportKind;
import org.mmulab.lockdep.agent.LockdepAgent;

/**
 * JUnit 5: a test fails when lockdep reported while it ran, with the reports' text (title,
 * dependency chain, held locks, the stacks without JUnit's and surefire's frames) as its failure
 * message. Register it with {@link Lockdep @Lockdep} (or {@code @ExtendWith(LockdepExtension.class)},
 * or JUnit's extension auto-detection); {@code @Lockdep(expect = ...)} turns a test into one that
 * must cause those reports.
 *
 * <ul>
 *   <li>Fails closed: without the lockdep agent nothing is woven and nothing could be reported, so
 *       every test it watches fails with one line saying how to attach the agent.</li>
 *   <li>A test's reports are the ones made between its {@code beforeEach} and {@code afterEach},
 *       on any thread; a report from a thread that a test left running, or from a test running in
 *       parallel, is counted where it lands.</li>
 *   <li>When the test ends, its thread must hold no lock: locks left held are reported (the
 *       kernel's "still has locks held!") and forgotten, so the next test does not inherit them.
 *       When lockdep turned itself off during a test (mode=once, an oops), the next test starts
 *       with it on again, on an empty lock graph.</li>
 * </ul>
 */
public final class LockdepExtension implements BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LockdepExtension.class);

    /** The reports of one test, collected on whatever thread made them. */
    private static final class Collector implements Consumer<LockdepReport> {
        final List<LockdepReport> reports = new ArrayList<>();

        @Override
        public synchronized void accept(LockdepReport r) {
            reports.add(r);
        }

        synchronized List<LockdepReport> reports() {
            return new ArrayList<>(reports);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        String missing = agentMissing();
        if (missing != null) {
            AssertionError e = new AssertionError(missing);
            e.setStackTrace(new StackTraceElement[0]); // the one line is all there is to say
            throw e;
        }
        if (!expected(context).isEmpty()) {
            org.mmulab.lockdep.Lockdep.reset(); // the report a negative test expects does not depend on earlier tests
        } else if (!org.mmulab.lockdep.Lockdep.enabled()) {
            // lockdep turned itself off in an earlier test (a report under mode=once, an oops, the
            // depth overflow): this test starts with it on again, on an empty graph, not unchecked
            org.mmulab.lockdep.Lockdep.reset();
        }
        Collector c = new Collector();
        context.getStore(NS).put(Collector.class, c);
        org.mmulab.lockdep.Lockdep.addReportListener(c);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        if (thrown instanceof LockdepError && expected(context).contains(((LockdepError) thrown).kind())) {
            return; // mode=fail threw the report this test is about; afterEach checks it
        }
        throw thrown;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Collector c = context.getStore(NS).remove(Collector.class, Collector.class);
        if (c == null) {
            return; // beforeEach failed (no agent): that is the test's failure already
        }
        Set<ReportKind> expect = expected(context);
        try {
            try {
                org.mmulab.lockdep.Lockdep.checkNoLocksHeld();
            } catch (LockdepError e) {
                // mode=fail: the report is in the collector, and the failure below quotes it
            }
        } finally {
            org.mmulab.lockdep.Lockdep.removeReportListener(c);
            if (!expect.isEmpty()) {
                org.mmulab.lockdep.Lockdep.reset(); // the dependencies it made on purpose go with it
            }
        }
        List<LockdepReport> reports = c.reports();
        String failure = ReportMessage.verdict(context.getDisplayName(), expect, reports);
        if (failure != null) {
            throw new AssertionError(failure);
        }
    }

    private static Set<ReportKind> expected(ExtensionContext context) {
        Set<ReportKind> kinds = EnumSet.noneOf(ReportKind.class);
        Optional<AnnotatedElement> method = context.getElement();
        Optional<Lockdep> a = method.flatMap(m -> AnnotationSupport.findAnnotation(m, Lockdep.class));
        if (a.isEmpty()) {
            a = context.getTestClass().flatMap(cl -> AnnotationSupport.findAnnotation(cl, Lockdep.class));
        }
        a.ifPresent(l -> kinds.addAll(List.of(l.expect())));
        return kinds;
    }

    /** Null when the agent watches this JVM; else the one line that says how to attach it. */
    static String agentMissing() {
        if (LockdepAgent.installed()) {
            return null;
        }
        if (System.getProperty(LockdepAgent.INSTALLED_PROPERTY) != null) {
            return "LockdepExtension: the lockdep agent runs in this JVM, but this test sees another copy of its classes"
                    + " (loaded by " + LockdepExtension.class.getClassLoader() + "); run the tests on the system class path"
                    + " (surefire's default, useSystemClassLoader=true)";
        }
        return "LockdepExtension: the lockdep agent is not attached, so nothing is checked: start the test JVM with -javaagent:"
                + agentJar() + "=mode=warn (Maven: <argLine>-javaagent:${org.mmulab:lockdep-agent:jar}=mode=warn</argLine>"
                + " after dependency:properties; see \"Using the agent from your own Maven project\" in mmulab's README)";
    }

    /** Where this class was loaded from, when that is the agent jar; else the jar's name. */
    private static String agentJar() {
        try {
            CodeSource cs = LockdepExtension.class.getProtectionDomain().getCodeSource();
            URL u = cs == null ? null : cs.getLocation();
            if (u != null && u.getPath().endsWith(".jar")) {
                return new java.io.File(u.toURI()).getPath();
            }
        } catch (SecurityException | java.net.URISyntaxException | IllegalArgumentException e) {
            // fall through to the name
        }
        return "lockdep-agent.jar";
    }
}
