// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * What the build's console says about the port's tests besides Maven's counts: every skipped test
 * with the reason it was skipped, and, at the end, where the kernel's own messages went (the
 * BUG, WARNING and oops lines that negative tests cause on purpose; see log4j2-test.xml) and how
 * many this run added. Registered through META-INF/services, so every module that runs these tests
 * (this one, and the lockdep agent's pass over them) gets it.
 */
public final class TestConsole implements TestExecutionListener {
    private TestPlan plan;
    /** How much of the kernel log was there before this run: only what this run adds is counted. */
    private long logStart;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        try {
            logStart = Files.size(log());
        } catch (IOException e) {
            logStart = 0;
        }
    }

    private static Path log() {
        return Paths.get(System.getProperty("mmulab.kernel.log", "target/kernel-test.log"));
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        System.out.println("[skipped] " + name(id) + ": " + reason);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            String why = result.getThrowable().map(Throwable::getMessage).orElse("aborted");
            System.out.println("[skipped] " + name(id) + ": " + why.replaceFirst("^Assumption failed: ", ""));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        Path log = log();
        if (!Files.isRegularFile(log)) {
            return;
        }
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(logStart, all.length);
            List<String> lines = new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().collect(Collectors.toList());
            long bugs = lines.stream().filter(l -> l.contains("kernel BUG at") || l.contains("BUG: unable to handle")).count();
            long warnings = lines.stream().filter(l -> l.contains("WARNING: CPU:")).count();
            long oopses = lines.stream().filter(l -> l.startsWith("Oops: ") || l.startsWith("invalid opcode: ")).count();
            if (!lines.isEmpty()) {
                System.out.printf("[kernel log] %d BUG, %d WARNING and %d oops line(s) from tests that break the port on purpose,"
                        + " %d new line(s) in %s%n", bugs, warnings, oopses, lines.size(), log.toAbsolutePath().normalize());
            }
        } catch (IOException e) {
            System.out.println("[kernel log] cannot read " + log + ": " + e.getMessage());
        }
    }

    private String name(TestIdentifier id) {
        String parent = plan == null ? "" : plan.getParent(id).map(TestIdentifier::getDisplayName).orElse("");
        return parent.isEmpty() ? id.getDisplayName() : parent + "." + id.getDisplayName();
    }
}
