// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import org.mmulab.hw.PhysicalMemory;
import org.mmulab.kernel.KernelSource;

/**
 * The host's kernel memory, as far as the MMU needs it: pages that hold shadow page tables, found
 * again from their address ({@code virt_to_page}, {@code page_private}), and the 64-bit words in
 * them. A {@code u64 *sptep} is a plain {@code long} address; {@link #deref(long)} and
 * {@link #assign(long, long)} are {@code *sptep} and {@code *sptep = v}.
 *
 * <p>Kernel virtual and physical addresses are the same number here ({@code __pa} and
 * {@code __va} are the identity). Kernel page frames start at pfn 2^36 (address 2^48), above any
 * user-space address, so a host pfn taken from a guest mapping never aliases a shadow page. The
 * frames themselves are the machine's ({@link PhysicalMemory}): the allocator plugs one in for
 * every page it hands out, so the CPU's EPT walker reads the very words the MMU writes.
 */
@KernelSource(file = "include/linux/mm_types.h", lines = "44-199", name = "struct page",
        note = "a page is a long[512] plus its private word; no refcount or flags")
public final class mm {
    private mm() {}

    @KernelSource(file = "arch/x86/include/asm/page_types.h", lines = "8") public static final int PAGE_SHIFT = 12;
    @KernelSource(file = "arch/x86/include/asm/page_types.h", lines = "9") public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    @KernelSource(file = "arch/x86/include/asm/page_types.h", lines = "10") public static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    /** First pfn handed out for kernel pages. */
    public static final long KERNEL_PFN_BASE = 1L << 36;

    static final VarHandle U64 = MethodHandles.arrayElementVarHandle(long[].class);
    // mem_map: pfn -> struct page, looked up on every *sptep; a table that boxes nothing (PageTable)
    // rather than a Map keyed by Long
    private static final PageTable mem_map = new PageTable();
    private static final AtomicLong next_pfn = new AtomicLong(KERNEL_PFN_BASE);

    /** {@code struct page}: the frame's 512 words (in physical memory) and the {@code private} field. */
    public static final class page {
        public final long pfn;
        final long[] words;
        volatile Object private_;

        page(long pfn) {
            this.pfn = pfn;
            this.words = PhysicalMemory.plug(pfn);
        }
    }

    /** Allocates a zeroed page; {@code GFP_KERNEL} may sleep. Returns its address. */
    @KernelSource(file = "mm/page_alloc.c", lines = "2838-2841", name = "get_zeroed_page",
            note = "always zeroed; never fails")
    public static long __get_free_page() {
        sched.might_sleep();
        long pfn = next_pfn.getAndIncrement();
        mem_map.put(pfn, new page(pfn));
        return pfn << PAGE_SHIFT;
    }

    @KernelSource(file = "mm/page_alloc.c", lines = "2856-2862", name = "free_pages")
    public static void free_page(long addr) {
        if (mem_map.remove(addr >>> PAGE_SHIFT) == null) {
            bug.BUG();
        }
        PhysicalMemory.unplug(addr >>> PAGE_SHIFT);
    }

    @KernelSource(file = "arch/x86/include/asm/page.h", lines = "40", name = "__pa")
    public static long __pa(long va) {
        return va;
    }

    @KernelSource(file = "arch/x86/include/asm/page.h", lines = "54", name = "__va")
    public static long __va(long pa) {
        return pa;
    }

    @KernelSource(file = "arch/x86/include/asm/page.h", lines = "63", name = "virt_to_page")
    public static page virt_to_page(long addr) {
        page p = mem_map.get(addr >>> PAGE_SHIFT);
        if (p == null) {
            throw new KernelBug(hex("unable to handle kernel paging request at %016x", addr));
        }
        return p;
    }

    @KernelSource(file = "include/linux/mm.h", lines = "282", name = "set_page_private")
    public static void set_page_private(page p, Object v) {
        p.private_ = v;
    }

    @KernelSource(file = "include/linux/mm.h", lines = "281", name = "page_private")
    public static Object page_private(page p) {
        return p.private_;
    }

    /** Pages allocated and not freed (for leak tests). */
    public static int nr_pages_in_use() {
        return mem_map.size();
    }

    private static int index(long addr) {
        if ((addr & 7) != 0) {
            throw new KernelBug(hex("misaligned u64 access at %016x", addr));
        }
        return (int) ((addr & ~PAGE_MASK) >>> 3);
    }

    /** {@code *p} for a {@code u64 *p}; a volatile load, as ACCESS_ONCE would be. */
    public static long deref(long addr) {
        return (long) U64.getVolatile(virt_to_page(addr).words, index(addr));
    }

    /** {@code *p = v} for a {@code u64 *p}: one 64-bit store. */
    public static void assign(long addr, long v) {
        U64.setVolatile(virt_to_page(addr).words, index(addr), v);
    }

    /** The locked exchange on a {@code u64 *} ({@code xchg} of asm/cmpxchg.h). */
    public static long xchg64(long addr, long v) {
        return (long) U64.getAndSet(virt_to_page(addr).words, index(addr), v);
    }

    /** The locked compare-and-exchange on a {@code u64 *} ({@code cmpxchg64} of asm/cmpxchg_64.h). */
    public static long cmpxchg64(long addr, long old, long v) {
        return (long) U64.compareAndExchange(virt_to_page(addr).words, index(addr), old, v);
    }

    /** The message of a bad access, formatted out of line so the paths of {@link #deref} stay small. */
    private static String hex(String format, long addr) {
        return String.format(format, addr);
    }
}
