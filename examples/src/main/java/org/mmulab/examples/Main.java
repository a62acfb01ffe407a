// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.PrintStream;

/** The {@code mmulab} command line. */
public final class Main {
    private Main() {}

    static final String USAGE = String.join("\n",
            "usage: mmulab <command> [options]",
            "",
            "commands:",
            "  demo [--pages N]   walk through the v3.16 dirty-logging path on the port (default N=128)",
            "  help               this text",
            "");

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String cmd = args.length == 0 ? "demo" : args[0];
        switch (cmd) {
            case "demo":
                long pages = 128;
                for (int i = 1; i < args.length; i++) {
                    if (args[i].equals("--pages") && i + 1 < args.length) {
                        try {
                            pages = Long.parseLong(args[++i]);
                        } catch (NumberFormatException e) {
                            err.println("mmulab demo: --pages needs a number, got '" + args[i] + "'");
                            return 2;
                        }
                        if (pages < 8 || pages > 1 << 20) {
                            err.println("mmulab demo: --pages must be between 8 and 1048576");
                            return 2;
                        }
                    } else {
                        err.println("mmulab demo: unknown option '" + args[i] + "'\n" + USAGE);
                        return 2;
                    }
                }
                return new DirtyLogDemo(out, pages).run();
            case "help":
            case "--help":
            case "-h":
                out.print(USAGE);
                return 0;
            default:
                err.println("mmulab: unknown command '" + cmd + "'\n" + USAGE);
                return 2;
        }
    }
}
