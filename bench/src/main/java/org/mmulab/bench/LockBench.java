// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import com.google.common.util.concurrent.CycleDetectingLockFactory;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.spinlock_t;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lock+unlock of one lock while {@code depth} others are held (each a different class, taken in
 * the same order every time, so lockdep's chain cache knows the chain after the first pass):
 * the port's spinlock without the agent, with it (run these from the repository root so the fork
 * finds {@code lockdep-agent/target/lockdep-agent.jar}), Guava's checked ReentrantLock, and a
 * plain ReentrantLock, so each checker's cost over its own lock can be read off: agent minus
 * no-agent against Guava minus plain. Preemption is off for the whole trial at every depth (see
 * {@link Spin#setup}), so no measured unlock is a preemption point.
 * {@code java -jar bench/target/benchmarks.jar}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockBench {

    @State(Scope.Thread)
    public static class Spin {
        @Param({"0", "1", "5", "10", "20"})
        public int depth;
        spinlock_t[] outer;
        spinlock_t inner;

        @Setup(Level.Trial)
        public void setup() {
            // Preemption off for the whole trial, at every depth: otherwise at depth 0 the measured
            // spin_unlock drops preempt_count to 0, and that preemption point asks need_resched(),
            // which reads the clock (the time slice), about 20 ns that is no lock work and that
            // depth 1 and up never pay (the outer locks keep the count above 0).
            preempt.preempt_disable();
            outer = new spinlock_t[depth];
            for (int i = 0; i < depth; i++) {
                outer[i] = spinlock_t.spin_lock_init("&bench->outer" + i);
                spinlock_t.spin_lock(outer[i]);
            }
            inner = spinlock_t.spin_lock_init("&bench->inner");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (int i = depth - 1; i >= 0; i--) {
                spinlock_t.spin_unlock(outer[i]);
            }
            preempt.preempt_enable();
        }
    }

    /** {@code depth} ReentrantLocks held, and the one the benchmark takes; {@link #newLock} makes each. */
    @State(Scope.Thread)
    public abstract static class HeldReentrantLocks {
        @Param({"0", "1", "5", "10", "20"})
        public int depth;
        ReentrantLock[] outer;
        ReentrantLock inner;

        abstract ReentrantLock newLock(String name);

        @Setup(Level.Trial)
        public void setup() {
            outer = new ReentrantLock[depth];
            for (int i = 0; i < depth; i++) {
                outer[i] = newLock("outer" + i);
                outer[i].lock();
            }
            inner = newLock("inner");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (int i = depth - 1; i >= 0; i--) {
                outer[i].unlock();
            }
        }
    }

    /** Guava's checked locks, one factory per trial. */
    public static class Guava extends HeldReentrantLocks {
        private final CycleDetectingLockFactory factory =
                CycleDetectingLockFactory.newInstance(CycleDetectingLockFactory.Policies.THROW);

        @Override
        ReentrantLock newLock(String name) {
            return factory.newReentrantLock(name);
        }
    }

    /** The baseline Guava's checks sit on: the same ReentrantLocks, unchecked. */
    public static class Plain extends HeldReentrantLocks {
        @Override
        ReentrantLock newLock(String name) {
            return new ReentrantLock();
        }
    }

    @Benchmark
    @Fork(1)
    public void spinlockNoAgent(Spin s) {
        spinlock_t.spin_lock(s.inner);
        spinlock_t.spin_unlock(s.inner);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-javaagent:lockdep-agent/target/lockdep-agent.jar=tlbtrace=off")
    public void spinlockLockdep(Spin s) {
        spinlock_t.spin_lock(s.inner);
        spinlock_t.spin_unlock(s.inner);
    }

    @Benchmark
    @Fork(1)
    public void guavaCycleDetecting(Guava g) {
        g.inner.lock();
        g.inner.unlock();
    }

    @Benchmark
    @Fork(1)
    public void plainReentrantLock(Plain p) {
        p.inner.lock();
        p.inner.unlock();
    }
}
