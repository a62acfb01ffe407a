// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.PrintStream;

/** Lets tests in other packages call the CLI's package-private entry point. */
public final class MainAccess {
    private MainAccess() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Main.run(args, out, err);
    }
}
