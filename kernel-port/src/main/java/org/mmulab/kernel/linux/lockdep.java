// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code include/linux/lockdep.h} as a kernel built with {@code CONFIG_LOCKDEP=n} has it: the
 * assertions compile to nothing. The lockdep agent weaves the {@code CONFIG_PROVE_LOCKING} checks
 * into these methods at class-load time; without it they do nothing, on purpose.
 */
@KernelSource(file = "include/linux/lockdep.h", lines = "1-532", name = "lockdep.h")
public final class lockdep {
    private lockdep() {}

    /**
     * Asserts that the current task holds {@code lock} (a {@link spinlock_t}, {@link mutex} or
     * {@link srcu_struct}). Empty without the agent, like the {@code CONFIG_LOCKDEP=n} macro at
     * lockdep.h 414; the agent gives it the meaning of the macro at lockdep.h 361-363.
     */
    @KernelSource(file = "include/linux/lockdep.h", lines = "361-363", name = "lockdep_assert_held",
            note = "body empty as with CONFIG_LOCKDEP=n (lockdep.h 414); the lockdep agent weaves the check")
    public static void lockdep_assert_held(Object lock) {
        // CONFIG_LOCKDEP=n: nothing to check.
    }
}
