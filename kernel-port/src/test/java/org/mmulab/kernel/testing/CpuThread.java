// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.mmulab.kernel.linux.task_struct;

/**
 * One CPU of the machine model for concurrency tests: a daemon thread that is its own task (so its
 * own CPU number), whose failures are handed back to the test on {@link #join(long)}, and which
 * fails the test instead of blocking the build when it does not finish in time.
 */
public final class CpuThread {
    /** The code the CPU runs. */
    public interface Body {
        void run() throws Exception;
    }

    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch up = new CountDownLatch(1);
    private volatile task_struct task;

    private CpuThread(String name, Body body) {
        thread = new Thread(() -> {
            task = task_struct.current();
            up.countDown();
            try {
                body.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Starts {@code body} on a new CPU; returns once that CPU has registered itself. */
    public static CpuThread start(String name, Body body) {
        CpuThread c = new CpuThread(name, body);
        c.thread.start();
        try {
            if (!c.up.await(10, TimeUnit.SECONDS)) {
                fail(name + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while starting " + name);
        }
        return c;
    }

    public task_struct task() {
        return task;
    }

    /** This CPU's number, as {@code smp_processor_id()} answers on it. */
    public int cpu() {
        return task.cpu;
    }

    public Thread thread() {
        return thread;
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Whether the body has ended; rethrows what it threw. */
    public boolean joinQuietly(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    /**
     * Waits up to {@code millis} for the body to end: a body still running fails the test with its
     * stack; an exception or assertion failure in the body is rethrown here.
     */
    public void join(long millis) throws InterruptedException {
        thread.join(millis);
        if (thread.isAlive()) {
            StackTraceElement[] st = thread.getStackTrace();
            fail(thread.getName() + " still running after " + millis + " ms, at:\n  "
                    + String.join("\n  ", Arrays.stream(st).map(Object::toString).toArray(String[]::new)));
        }
        Throwable t = failure.get();
        if (t instanceof AssertionError) {
            throw (AssertionError) t;
        }
        if (t != null) {
            throw new AssertionError(thread.getName() + " failed: " + t, t);
        }
    }

    /** Polls {@code cond} until it holds; fails the test with {@code what} after {@code millis}. */
    public static void awaitTrue(String what, long millis, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + millis + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for: " + what);
            }
        }
    }

    /** Awaits a latch inside a CPU body; a latch that never opens fails the body, not the build. */
    public static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(20, TimeUnit.SECONDS)) {
            fail("timed out waiting for: " + what);
        }
    }
}
