// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link mm}'s {@code mem_map}: the {@code struct page} of each kernel pfn. Pfns are handed out in
 * order from {@link mm#KERNEL_PFN_BASE} and never reused, so the first 2^28 of them are found in a
 * two-level table indexed by {@code pfn - KERNEL_PFN_BASE}: a lookup, which every {@code *sptep}
 * on the MMU's paths makes, boxes nothing and takes no lock (a map keyed by {@code Long} allocated
 * a {@code Long} per lookup). Later pfns go to a map. A Java helper, not a kernel type.
 *
 * <p>Lookups are plain loads: a thread learns a kernel page's address only through memory that
 * is itself synchronized (a spte, an rmap word, a field set under a lock), after the allocating
 * thread recorded the page here, so that ordering makes the entry visible; the table is written
 * with atomics and release stores only, and a page's own fields are final.
 */
final class PageTable {
    static final int CHUNK_SHIFT = 12;
    static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
    static final int CHUNKS = 1 << 16;
    static final long LIMIT = (long) CHUNKS << CHUNK_SHIFT;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(mm.page[].class);
    private static final VarHandle CHUNK = MethodHandles.arrayElementVarHandle(mm.page[][].class);
    private final mm.page[][] dir = new mm.page[CHUNKS][];
    private final Map<Long, mm.page> beyond = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** The page of {@code pfn}, or null. */
    mm.page get(long pfn) {
        long i = pfn - mm.KERNEL_PFN_BASE;
        if (i < 0) {
            return null;
        }
        if (i >= LIMIT) {
            return beyond.get(pfn);
        }
        mm.page[] chunk = dir[(int) (i >>> CHUNK_SHIFT)];
        return chunk == null ? null : chunk[(int) i & CHUNK_MASK];
    }

    /** Records {@code p} as the page of {@code pfn} (a pfn at or above the base). */
    void put(long pfn, mm.page p) {
        long i = pfn - mm.KERNEL_PFN_BASE;
        if (i < 0) {
            throw new IllegalArgumentException("not a kernel pfn: " + pfn);
        }
        if (i >= LIMIT) {
            beyond.put(pfn, p);
        } else {
            int c = (int) (i >>> CHUNK_SHIFT);
            mm.page[] chunk = (mm.page[]) CHUNK.getVolatile(dir, c);
            if (chunk == null) {
                CHUNK.compareAndSet(dir, c, null, new mm.page[CHUNK_MASK + 1]);
                chunk = (mm.page[]) CHUNK.getVolatile(dir, c);
            }
            if (SLOT.getAndSet(chunk, (int) i & CHUNK_MASK, p) != null) {
                throw new IllegalStateException("pfn handed out twice: " + pfn);
            }
        }
        size.incrementAndGet();
    }

    /** Forgets the page of {@code pfn}; returns it, or null if there was none. */
    mm.page remove(long pfn) {
        long i = pfn - mm.KERNEL_PFN_BASE;
        mm.page old;
        if (i < 0) {
            old = null;
        } else if (i >= LIMIT) {
            old = beyond.remove(pfn);
        } else {
            mm.page[] chunk = (mm.page[]) CHUNK.getVolatile(dir, (int) (i >>> CHUNK_SHIFT));
            old = chunk == null ? null : (mm.page) SLOT.getAndSet(chunk, (int) i & CHUNK_MASK, (mm.page) null);
        }
        if (old != null) {
            size.decrementAndGet();
        }
        return old;
    }

    /** Pages recorded and not removed. */
    int size() {
        return size.get();
    }
}
