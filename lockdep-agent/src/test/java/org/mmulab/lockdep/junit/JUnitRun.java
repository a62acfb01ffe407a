// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a sample test class (a static nested class, which neither surefire nor failsafe picks up
 * by itself) through the JUnit Platform, as a build would, and returns each test's result by its
 * display name, in the order they ran.
 */
public final class JUnitRun {
    private JUnitRun() {}

    public static Map<String, TestExecutionResult> run(Class<?> testClass) {
        Map<String, TestExecutionResult> results = new LinkedHashMap<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            results.put(id.getDisplayName(), result);
                        }
                    }
                });
        return results;
    }

    /** The one test's failure, or an AssertionError saying it did not fail. */
    public static Throwable failure(Map<String, TestExecutionResult> results, String test) {
        TestExecutionResult r = results.get(test);
        if (r == null) {
            throw new AssertionError("no test " + test + " in " + results.keySet());
        }
        if (r.getStatus() != TestExecutionResult.Status.FAILED) {
            throw new AssertionError(test + " did not fail: " + r);
        }
        return r.getThrowable().orElseThrow();
    }

    /** Whether the test passed; else an AssertionError with its failure as the cause. */
    public static void passed(Map<String, TestExecutionResult> results, String test) {
        TestExecutionResult r = results.get(test);
        if (r == null) {
            throw new AssertionError("no test " + test + " in " + results.keySet());
        }
        if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
            throw new AssertionError(test + " did not pass: " + r.getThrowable().map(Throwable::getMessage).orElse("?"),
                    r.getThrowable().orElse(null));
        }
    }
}
