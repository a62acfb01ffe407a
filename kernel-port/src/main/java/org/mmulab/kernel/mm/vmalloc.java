// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.mm;

import java.util.function.Supplier;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.gfp;
import org.mmulab.kernel.linux.mm;

/**
 * vzalloc: zeroed, virtually contiguous memory, made of order-0 pages. The port's object is built
 * by a supplier; what is modelled of the allocator is the pages it takes and how they can fail.
 */
@KernelSource(file = "mm/vmalloc.c", lines = "1-2730", name = "vmalloc.c",
        note = "vzalloc only; no vm areas, no page tables")
public final class vmalloc {
    private vmalloc() {}

    /**
     * What vzalloc can hand out: half of the JVM's heap. The model's host has no more, so asking
     * for more fails the way a vmalloc of more than the machine has does.
     */
    public static final long VMALLOC_LIMIT = Runtime.getRuntime().maxMemory() / 2;

    /**
     * {@code size} zeroed bytes, made by {@code alloc}, or null when a page cannot be had: the
     * fail_page_alloc injection point fails one of the {@code PAGE_ALIGN(size) >> PAGE_SHIFT}
     * order-0 pages (taken in order, as __vmalloc_area_node takes them), or the host has not that
     * much memory ({@link #VMALLOC_LIMIT}, or the JVM's heap is exhausted).
     */
    @KernelSource(file = "mm/vmalloc.c", lines = "1739-1743",
            note = "the page loop of __vmalloc_area_node (1590-1605) with __alloc_pages_nodemask's check (page_alloc.c 2743-2744); "
                    + "the slab allocations of the vm_struct, vmap_area and page array are not modelled")
    public static <T> T vzalloc(long size, Supplier<T> alloc) {
        if (size < 0 || size > VMALLOC_LIMIT) {
            return null;
        }
        int gfp_mask = gfp.GFP_KERNEL | gfp.__GFP_HIGHMEM | gfp.__GFP_ZERO;
        long nr_pages = (size + mm.PAGE_SIZE - 1) >>> mm.PAGE_SHIFT;
        if (page_alloc.CONFIG_FAIL_PAGE_ALLOC) {
            for (long i = 0; i < nr_pages; i++) {
                // alloc_page(gfp_mask | __GFP_NOWARN): __alloc_pages_nodemask asks the injection point first
                if (page_alloc.should_fail_alloc_page(gfp_mask | gfp.__GFP_NOWARN, 0)) {
                    return null; // vfree of the pages taken so far
                }
            }
        }
        try {
            return alloc.get();
        } catch (OutOfMemoryError e) {
            return null;
        }
    }
}
