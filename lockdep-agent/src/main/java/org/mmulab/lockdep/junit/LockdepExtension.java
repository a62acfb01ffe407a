// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mmulab.lockdep.Lockdep;

/**
 * JUnit 5: {@code @ExtendWith(LockdepExtension.class)} makes a test fail when lockdep printed a
 * report while it ran (run the tests with {@code -javaagent:lockdep-agent.jar}; without the agent
 * nothing is woven and nothing can be reported). The failure names how many reports there were;
 * the reports themselves are in the agent's output.
 */
public final class LockdepExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LockdepExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("reports", Lockdep.reportCount());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Integer before = context.getStore(NS).remove("reports", Integer.class);
        int n = Lockdep.reportCount() - (before == null ? 0 : before);
        if (n > 0) {
            throw new AssertionError("lockdep printed " + n + " report(s) during " + context.getDisplayName()
                    + " (see the agent's output)");
        }
    }
}
