// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct lockdep_map}: the name and class key that lockdep files a lock under. The kernel's
 * {@code spin_lock_init} / {@code mutex_init} macros give each init site one static key and use the
 * stringified argument as the name ({@code "&kvm->mmu_lock"}); the port's init functions take that
 * name explicitly, and the key is the name, so every {@code struct kvm}'s {@code mmu_lock} is one class.
 * Without the lockdep agent nothing reads these fields.
 */
@KernelSource(file = "include/linux/lockdep.h", lines = "150-158", name = "struct lockdep_map")
public final class lockdep_map {
    public final String name;
    /** The lock class key; the agent groups locks by it. */
    public final Object key;

    public lockdep_map(String name) {
        this.name = name;
        this.key = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
