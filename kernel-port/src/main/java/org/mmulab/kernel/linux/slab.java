// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.function.Supplier;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.mm.failslab;

/**
 * kmalloc and kzalloc, as the SLAB allocator serves them: from the kmalloc cache whose object
 * size is the request rounded up ({@link #kmalloc_size}({@link #kmalloc_index})). The port's
 * object is built by a supplier; what is modelled of the allocator is the failslab injection
 * point every slab allocation passes (slab_alloc), with the cache's object size.
 */
@KernelSource(file = "include/linux/slab.h", lines = "1-663", name = "slab.h",
        note = "kmalloc, kzalloc and the kmalloc cache sizes (CONFIG_SLAB) only")
public final class slab {
    private slab() {}

    @KernelSource(file = "include/linux/slab.h", lines = "204") public static final int KMALLOC_SHIFT_LOW = 5;
    @KernelSource(file = "include/linux/slab.h", lines = "244") public static final int KMALLOC_MIN_SIZE = 1 << KMALLOC_SHIFT_LOW;

    /** The index of the kmalloc cache for {@code size}: 0 for none, 1 for 96 bytes, 2 for 192, else log2. */
    @KernelSource(file = "include/linux/slab.h", lines = "272-312")
    public static int kmalloc_index(long size) {
        if (size == 0) {
            return 0;
        }
        if (size <= KMALLOC_MIN_SIZE) {
            return KMALLOC_SHIFT_LOW;
        }
        if (KMALLOC_MIN_SIZE <= 32 && size > 64 && size <= 96) {
            return 1;
        }
        if (KMALLOC_MIN_SIZE <= 64 && size > 128 && size <= 192) {
            return 2;
        }
        for (int n = 3; n <= 26; n++) {
            if (size <= 1L << n) {
                return n;
            }
        }
        bug.BUG();
        return -1;
    }

    /** The object size of the {@code n}th kmalloc cache. */
    @KernelSource(file = "include/linux/slab.h", lines = "470-483")
    public static int kmalloc_size(int n) {
        if (n > 2) {
            return 1 << n;
        }
        if (n == 1 && KMALLOC_MIN_SIZE <= 32) {
            return 96;
        }
        if (n == 2 && KMALLOC_MIN_SIZE <= 64) {
            return 192;
        }
        return 0;
    }

    /**
     * {@code size} bytes made by {@code alloc}, or null when the allocation fails: the failslab
     * injection point fails it (with the kmalloc cache's object size), or the JVM's heap is
     * exhausted.
     */
    @KernelSource(file = "mm/slab.c", lines = "3655-3670", name = "__do_kmalloc",
            note = "kmalloc_slab's cache is kmalloc_index(size); slab_alloc's failslab check (3383-3384, 3061-3067)")
    public static <T> T kmalloc(long size, int flags, Supplier<T> alloc) {
        long object_size = kmalloc_size(kmalloc_index(size));
        if (failslab.CONFIG_FAILSLAB && failslab.should_failslab(object_size, flags, 0)) {
            return null;
        }
        try {
            return alloc.get();
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    @KernelSource(file = "include/linux/slab.h", lines = "637-640")
    public static <T> T kzalloc(long size, int flags, Supplier<T> alloc) {
        return kmalloc(size, flags | gfp.__GFP_ZERO, alloc);
    }
}
