// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import picocli.CommandLine.Option;

/** The options every {@code mmulab} command takes: {@code -h, --help} and {@code --no-lockdep}. */
public final class StandardOptions {
    @Option(names = {"-h", "--help"}, usageHelp = true, order = 1000, description = "Show this help message and exit.")
    boolean help;

    /**
     * Read by {@code ./mmulab} ({@link Launch}), wherever it stands: the JVM then starts without
     * the agent and never sees it. Declared here for the help and the completion, and so that a
     * JVM started by hand takes it too.
     */
    @Option(names = "--no-lockdep", order = 1001,
            description = "Run without the lockdep agent (./mmulab reads it anywhere on the line).")
    boolean noLockdep;
}
