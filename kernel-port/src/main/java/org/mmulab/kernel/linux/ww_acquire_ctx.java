// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct ww_acquire_ctx}: one task's attempt to take a set of ww_mutexes of one class. Its
 * stamp orders it against other contexts (wait-die in v3.16: the younger one backs off with
 * -EDEADLK); its {@code dep_map} is held, for lockdep, from ww_acquire_init to ww_acquire_fini,
 * and every ww_mutex_lock in it names it as the nest_lock.
 */
@KernelSource(file = "include/linux/ww_mutex.h", lines = "27-43", name = "struct ww_acquire_ctx",
        note = "CONFIG_DEBUG_MUTEXES and CONFIG_DEBUG_LOCK_ALLOC fields; no deadlock injection")
public final class ww_acquire_ctx {
    public task_struct task;
    public long stamp;
    /** How many ww_mutexes this context holds. */
    public int acquired;
    public int done_acquire;
    public ww_class ww_class;
    public ww_mutex contending_lock;
    public final lockdep_map dep_map;

    public ww_acquire_ctx() {
        this.dep_map = new lockdep_map("ww_acquire_ctx", this);
    }

    /**
     * Struct assignment {@code *dst = *src} (the locking self-test copies a context so): every
     * field, the lockdep map's name and key included; the map itself stays {@code dst}'s.
     */
    public static void assign(ww_acquire_ctx dst, ww_acquire_ctx src) {
        dst.task = src.task;
        dst.stamp = src.stamp;
        dst.acquired = src.acquired;
        dst.done_acquire = src.done_acquire;
        dst.ww_class = src.ww_class;
        dst.contending_lock = src.contending_lock;
        dst.dep_map.name = src.dep_map.name;
        dst.dep_map.key = src.dep_map.key;
    }

    /** The stamp ww_acquire_init drew: lower is older. */
    public long stamp() {
        return stamp;
    }

    /** How many ww_mutexes the context holds now. */
    public int acquired() {
        return acquired;
    }

    @Override
    public String toString() {
        return dep_map.name + "#" + stamp;
    }
}
