// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.KernelSource;

/**
 * {@code include/asm-generic/bug.h}: {@code WARN_ON} prints a warning with a backtrace and goes on,
 * {@code BUG_ON} stops the task.
 */
@KernelSource(file = "include/asm-generic/bug.h", lines = "1-211", name = "bug.h")
public final class bug {
    private static final Logger printk = LogManager.getLogger("kernel");
    private static final AtomicLong warnings = new AtomicLong();

    private bug() {}

    /** Warns when {@code condition} holds and returns it, like the C macro. */
    @KernelSource(file = "include/asm-generic/bug.h", lines = "84-90", name = "WARN_ON")
    public static boolean WARN_ON(boolean condition) {
        if (condition) {
            warn_slowpath(new Throwable("WARN_ON"));
        }
        return condition;
    }

    @KernelSource(file = "include/asm-generic/bug.h", lines = "55", name = "BUG_ON")
    public static void BUG_ON(boolean condition) {
        if (condition) {
            BUG();
        }
    }

    @KernelSource(file = "include/asm-generic/bug.h", lines = "48-51", name = "BUG")
    public static void BUG() {
        task_struct t = task_struct.current();
        printk.error("kernel BUG at {}! (CPU: {} PID: {} Comm: {})", callerOf(new Throwable()), t.cpu, t.pid, t.comm);
        throw new KernelBug("kernel BUG at " + callerOf(new Throwable()));
    }

    /** Number of WARN_ON that fired in this JVM; tests use it to prove a path stayed quiet. */
    public static long warningCount() {
        return warnings.get();
    }

    private static void warn_slowpath(Throwable where) {
        warnings.incrementAndGet();
        task_struct t = task_struct.current();
        printk.warn("WARNING: CPU: {} PID: {} at {}\nComm: {}", t.cpu, t.pid, callerOf(where), t.comm, where);
    }

    private static String callerOf(Throwable where) {
        for (StackTraceElement e : where.getStackTrace()) {
            if (!e.getClassName().equals(bug.class.getName())) {
                return e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "." + e.getMethodName()
                        + "(" + e.getFileName() + ":" + e.getLineNumber() + ")";
            }
        }
        return "?";
    }
}
