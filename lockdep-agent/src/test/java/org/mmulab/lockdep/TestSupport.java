// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

final class TestSupport {
    private TestSupport() {}

    static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** reset() and configure(mode, captured stream). */
    static Capture start(LockdepConfig.Mode mode) {
        Lockdep.reset();
        Capture c = new Capture();
        Lockdep.configure(new LockdepConfig(mode, c.out));
        return c;
    }

    /** Runs body on a fresh thread with the given name and waits for it; rethrows its failure. */
    static void runAs(String name, Runnable body) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(body, name);
        t.setUncaughtExceptionHandler((th, e) -> failure.set(e));
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
    }

    /** The line number of the caller (put the call on the same line as the call under test). */
    static int lineHere() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
    }

    private static final Pattern FRAME = Pattern.compile("^( +)[\\w$.<>]+\\([^()]*\\)$");
    private static final Pattern JAVA_LINE = Pattern.compile("\\.java:\\d+(?=[) ])");

    /**
     * Makes stack output comparable: every run of frame lines is reduced to its first frame,
     * followed by one "indent..." line when the run was longer; java line numbers become N.
     */
    static String normalize(String text) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            var m = FRAME.matcher(lines[i]);
            if (m.matches()) {
                String indent = m.group(1);
                out.add(lines[i]);
                int j = i + 1;
                while (j < lines.length && FRAME.matcher(lines[j]).matches()) {
                    j++;
                }
                if (j > i + 1) {
                    out.add(indent + "...");
                }
                i = j;
            } else {
                out.add(lines[i]);
                i++;
            }
        }
        return JAVA_LINE.matcher(String.join("\n", out)).replaceAll(".java:N");
    }
}
