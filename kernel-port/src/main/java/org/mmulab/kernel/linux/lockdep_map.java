// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct lockdep_map}: the name and class key that lockdep files a lock under. The kernel's
 * {@code spin_lock_init} / {@code mutex_init} macros give each init site one static key and use the
 * stringified argument as the name ({@code "&kvm->mmu_lock"}); the port's init functions take that
 * name explicitly, and the key is the name, so every {@code struct kvm}'s {@code mmu_lock} is one class.
 * {@link lockdep#lockdep_set_class} and friends re-key a map, as the kernel's macros of the same
 * names do. Without the lockdep agent nothing reads these fields.
 *
 * <p>{@link #owner} is the port's stand-in for {@code container_of}: the lock that embeds this map
 * ({@link spinlock_t}, {@link rwlock_t}, {@link mutex}, {@link rw_semaphore}, {@link ww_mutex},
 * {@link ww_acquire_ctx}), or null for a bare map ({@code lock_map_acquire} on a pseudo-lock), so a
 * checker can tell a spinning lock from a sleeping one.
 */
@KernelSource(file = "include/linux/lockdep.h", lines = "150-158", name = "struct lockdep_map",
        note = "no class_cache (the runtime keeps its own); owner added as container_of's stand-in; cpu is a thread id")
public final class lockdep_map {
    /** The class name; lockdep_set_class_and_name / lockdep_set_subclass rewrite it. */
    public volatile String name;
    /** The lock class key; the agent groups locks by it. lockdep_set_class rewrites it. */
    public volatile Object key;
    /** The lock that embeds this map, or null for a bare map. */
    public final Object owner;
    /**
     * CONFIG_LOCK_STAT's {@code int cpu} (lockdep.h 155): the thread that last acquired the lock,
     * for the bounce counts; 0 before the first acquisition. Only the agent's lock_stat writes it.
     */
    public volatile long cpu;
    /**
     * CONFIG_LOCK_STAT's {@code unsigned long ip} (lockdep.h 156): where the lock was last
     * acquired (the agent's site object; the port has no return address), null before that.
     */
    public volatile Object ip;

    /** A bare map (no embedding lock), keyed by its name. */
    public lockdep_map(String name) {
        this(name, null);
    }

    /** The map embedded in {@code owner}, keyed by its name. */
    public lockdep_map(String name, Object owner) {
        this.name = name;
        this.key = name;
        this.owner = owner;
    }

    @Override
    public String toString() {
        return name;
    }
}
