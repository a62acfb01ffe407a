// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.util.function.Consumer;

/**
 * How many reports the lockdep agent of this JVM has printed, their text, and its TLB-flush
 * summary. The agent's classes are on the system class path when {@code -javaagent} loaded it
 * (they are not in the CLI's lib/), so this looks them up by name and needs no link to them.
 */
public final class LockdepReports {
    private LockdepReports() {}

    /** Reports printed so far, or -1 when no agent runs in this JVM. */
    public static int count() {
        try {
            if (!installed()) {
                return -1;
            }
            return (Integer) lockdep().getMethod("reportCount").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return -1;
        }
    }

    private static boolean installed() throws ReflectiveOperationException {
        Class<?> agent = Class.forName("org.mmulab.lockdep.agent.LockdepAgent", true, ClassLoader.getSystemClassLoader());
        return (Boolean) agent.getMethod("installed").invoke(null);
    }

    private static Class<?> lockdep() throws ClassNotFoundException {
        return Class.forName("org.mmulab.lockdep.Lockdep", true, ClassLoader.getSystemClassLoader());
    }

    /**
     * Hands the text of every later report (as the agent prints it, folded repeats too) to
     * {@code sink} until the returned handle is closed; without an agent, a handle that does nothing.
     */
    public static AutoCloseable listen(Consumer<String> sink) {
        try {
            if (!installed()) {
                return () -> { };
            }
            Class<?> lockdep = lockdep();
            Consumer<Object> listener = report -> {
                try {
                    sink.accept((String) report.getClass().getMethod("text").invoke(report));
                } catch (ReflectiveOperationException e) {
                    sink.accept(String.valueOf(report));
                }
            };
            lockdep.getMethod("addReportListener", Consumer.class).invoke(null, listener);
            return () -> lockdep.getMethod("removeReportListener", Consumer.class).invoke(null, listener);
        } catch (ReflectiveOperationException | LinkageError e) {
            return () -> { };
        }
    }

    /** The agent's TLB-flush summary so far ({@code tlbtrace}), or null without an agent or a traced flush. */
    public static String tlbSummary() {
        try {
            if (!installed()) {
                return null;
            }
            Class<?> t = Class.forName("org.mmulab.lockdep.TlbTrace", true, ClassLoader.getSystemClassLoader());
            if (!(Boolean) t.getMethod("traced").invoke(null)) {
                return null;
            }
            return (String) t.getMethod("summary").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
