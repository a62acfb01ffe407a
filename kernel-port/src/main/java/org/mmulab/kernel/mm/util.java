// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.mm;

import java.util.function.Supplier;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.slab;

/** kmemdup: a kmalloc'ed copy. */
@KernelSource(file = "mm/util.c", lines = "1-514", name = "util.c", note = "kmemdup only")
public final class util {
    private util() {}

    /** A copy of {@code len} bytes made by {@code copy}, or null when the kmalloc fails (see {@link slab#kmalloc}). */
    @KernelSource(file = "mm/util.c", lines = "74-82", note = "the copy itself is copy")
    public static <T> T kmemdup(Supplier<T> copy, long len, int gfp) {
        return slab.kmalloc(len, gfp, copy);
    }
}
