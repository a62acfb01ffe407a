// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicLong;
import org.mmulab.kernel.KernelSource;

/**
 * {@code struct ww_class}: one wound/wait class, the stamp counter its acquire contexts draw from
 * (lower stamp = older = wins), and the lockdep keys and names of its contexts and its mutexes.
 * DEFINE_WW_CLASS(name) names them {@code "name_acquire"} and {@code "name_mutex"}.
 */
@KernelSource(file = "include/linux/ww_mutex.h", lines = "19-25", name = "struct ww_class")
public final class ww_class {
    final AtomicLong stamp = new AtomicLong();
    final Object acquire_key = new Object();
    final Object mutex_key = new Object();
    public final String acquire_name;
    public final String mutex_name;

    private ww_class(String classname) {
        this.acquire_name = classname + "_acquire";
        this.mutex_name = classname + "_mutex";
    }

    /** DEFINE_WW_CLASS(classname): {@code classname} is what the macro would stringify. */
    @KernelSource(file = "include/linux/ww_mutex.h", lines = "69-70", name = "DEFINE_WW_CLASS",
            note = "__WW_CLASS_INITIALIZER, ww_mutex.h 60-63")
    public static ww_class DEFINE_WW_CLASS(String classname) {
        return new ww_class(classname);
    }

    @Override
    public String toString() {
        return mutex_name;
    }
}
