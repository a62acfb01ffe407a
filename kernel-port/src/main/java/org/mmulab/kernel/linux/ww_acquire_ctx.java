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
    task_struct task;
    long stamp;
    /** How many ww_mutexes this context holds. */
    int acquired;
    int done_acquire;
    ww_class ww_class;
    ww_mutex contending_lock;
    public final lockdep_map dep_map;

    public ww_acquire_ctx() {
        this.dep_map = new lockdep_map("ww_acquire_ctx", this);
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
