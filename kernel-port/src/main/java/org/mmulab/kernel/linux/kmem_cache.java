// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.mmulab.kernel.KernelSource;

/**
 * A slab cache whose objects have kernel addresses, so a pointer to one can be stored in a word
 * (the rmap's tagged {@code pte_list_desc} pointer) and found again with {@link #lookup(long)}.
 * Each cache hands out addresses from its own region above {@code PAGE_OFFSET}, aligned to
 * {@code size} rounded up to 8 bytes, so bit 0 of an address is always clear.
 */
@KernelSource(file = "mm/slab.c", lines = "3548-3556", name = "kmem_cache_alloc",
        note = "objects are Java objects with an address; no slabs, no per-CPU caches")
public final class kmem_cache<T> {
    private static final AtomicInteger next_region = new AtomicInteger(1);

    public final String name;
    private final long size;
    private final LongFunction<T> ctor;
    private final AtomicLong next;
    private final Map<Long, T> objects = new ConcurrentHashMap<>();

    private kmem_cache(String name, long size, LongFunction<T> ctor) {
        this.name = name;
        this.size = (size + 7) & ~7L;
        this.ctor = ctor;
        this.next = new AtomicLong(kvm_host_h.PAGE_OFFSET + ((long) next_region.getAndIncrement() << 36));
    }

    /** kmem_cache_create(name, size, ...): {@code ctor} builds a zeroed object at an address. */
    @KernelSource(file = "mm/slab_common.c", lines = "198-258", name = "kmem_cache_create")
    public static <T> kmem_cache<T> kmem_cache_create(String name, long size, LongFunction<T> ctor) {
        return new kmem_cache<>(name, size, ctor);
    }

    /** A zeroed object; with {@code __GFP_WAIT} in {@code flags} the allocation may sleep. */
    @KernelSource(file = "include/linux/slab.h", lines = "627-630")
    public static <T> T kmem_cache_zalloc(kmem_cache<T> k, int flags) {
        if ((flags & gfp.__GFP_WAIT) != 0) {
            sched.might_sleep();
        }
        long addr = k.next.getAndAdd(k.size);
        T obj = k.ctor.apply(addr);
        k.objects.put(addr, obj);
        return obj;
    }

    @KernelSource(file = "mm/slab.c", lines = "3702-3717")
    public static <T> void kmem_cache_free(kmem_cache<T> k, long addr) {
        if (k.objects.remove(addr) == null) {
            throw new KernelBug(String.format("kmem_cache_free(%s): %016x is not an object of this cache", k.name, addr));
        }
    }

    /** The object at {@code addr}; an address this cache never gave out (or freed) is a kernel bug. */
    public T lookup(long addr) {
        T obj = objects.get(addr);
        if (obj == null) {
            throw new KernelBug(String.format("%s: no live object at %016x", name, addr));
        }
        return obj;
    }

    /** Objects allocated and not freed. */
    public int live_objects() {
        return objects.size();
    }
}
