// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.lib;

import java.util.Random;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.fault_attr;

/**
 * Fault injection ({@code CONFIG_FAULT_INJECTION=y}): {@link #should_fail} decides whether one
 * call at an injection point fails, by its {@link fault_attr}. The injection points of the port
 * are {@code failslab} ({@link org.mmulab.kernel.mm.failslab}) and {@code fail_page_alloc}
 * ({@link org.mmulab.kernel.mm.page_alloc.fail_page_alloc}).
 */
@KernelSource(file = "lib/fault-inject.c", lines = "1-233", name = "fault-inject.c")
public final class fault_inject {
    private fault_inject() {}

    /** CONFIG_FAULT_INJECTION=y: the port is built with fault injection (off until an attr is armed). */
    public static final boolean CONFIG_FAULT_INJECTION = true;

    private static final Logger printk = LogManager.getLogger("kernel");

    /** The seed the random source starts from (and {@link #prandom_seed} sets). */
    public static final long PRANDOM_SEED = 0x3_16L;
    private static final Random net_rand_state = new Random(PRANDOM_SEED);

    /**
     * A pseudo-random 32-bit number. Model: a seeded {@link Random}, not the kernel's Tausworthe
     * generator, so that a run with probability below 100 can be repeated.
     */
    @KernelSource(file = "lib/random32.c", lines = "74-83", note = "java.util.Random, seeded (PRANDOM_SEED)")
    public static int prandom_u32() {
        synchronized (net_rand_state) {
            return net_rand_state.nextInt();
        }
    }

    /** Restarts {@link #prandom_u32} from {@code seed} (the kernel seeds from entropy at boot). */
    public static void prandom_seed(long seed) {
        synchronized (net_rand_state) {
            net_rand_state.setSeed(seed);
        }
    }

    @KernelSource(file = "lib/fault-inject.c", lines = "41-47", note = "printk and dump_stack through Log4j")
    static void fail_dump(fault_attr attr) {
        if (attr.verbose > 0) {
            printk.info("FAULT_INJECTION: forcing a failure");
        }
        if (attr.verbose > 1) {
            printk.info("Call Trace:", new Throwable("dump_stack"));
        }
    }

    /** {@code atomic_add_unless(v, -1, 0)}. */
    @KernelSource(file = "lib/fault-inject.c", lines = "49", name = "atomic_dec_not_zero")
    static boolean atomic_dec_not_zero(java.util.concurrent.atomic.AtomicInteger v) {
        int c;
        do {
            c = v.get();
            if (c == 0) {
                return false;
            }
        } while (!v.compareAndSet(c, c - 1));
        return true;
    }

    /**
     * Whether this call, for {@code size} bytes, fails: never at probability 0; not once
     * {@code times} is used up; not while {@code space} still covers the size (which it then
     * shrinks by); only on every {@code interval}-th call; then with {@code probability} percent.
     * A failure uses up one of {@code times} (unless it is -1).
     */
    @KernelSource(file = "lib/fault-inject.c", lines = "102-137", note = "no task filter, no stack-trace filter")
    public static boolean should_fail(fault_attr attr, long size) {
        // probability 0: disarmed, nothing else to look at
        if (attr.probability == 0) {
            return false;
        }

        if (attr.times.get() == 0) {
            return false;
        }

        if (attr.space.get() > size) {
            attr.space.addAndGet((int) -size);
            return false;
        }

        if (attr.interval > 1) {
            attr.count++;
            if (Long.remainderUnsigned(attr.count, attr.interval) != 0) {
                return false;
            }
        }

        if (Long.compareUnsigned(attr.probability, Integer.toUnsignedLong(prandom_u32()) % 100) <= 0) {
            return false;
        }

        fail_dump(attr);

        if (attr.times.get() != -1) {
            atomic_dec_not_zero(attr.times);
        }

        return true;
    }
}
