// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

/**
 * How many reports the lockdep agent of this JVM has printed. The agent's classes are on the
 * system class path when {@code -javaagent} loaded it (they are not in the CLI's lib/), so this
 * looks them up by name and needs no link to them.
 */
public final class LockdepReports {
    private LockdepReports() {}

    /** Reports printed so far, or -1 when no agent runs in this JVM. */
    public static int count() {
        try {
            ClassLoader sys = ClassLoader.getSystemClassLoader();
            Class<?> agent = Class.forName("org.mmulab.lockdep.agent.LockdepAgent", true, sys);
            if (!(Boolean) agent.getMethod("installed").invoke(null)) {
                return -1;
            }
            return (Integer) Class.forName("org.mmulab.lockdep.Lockdep", true, sys).getMethod("reportCount").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return -1;
        }
    }
}
