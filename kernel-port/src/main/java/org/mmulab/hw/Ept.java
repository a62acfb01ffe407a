// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

/**
 * Extended page tables as the processor sees them (Intel SDM vol. 3C, 28.2): the architectural
 * bits of an EPT paging-structure entry, the EPT pointer, and the one page walker of the project.
 * The CPU walks with it on a TLB miss; the invariant oracle and the test fixtures use it to find
 * the entry a guest-physical address maps through, so every reader of the tables reads them the
 * way the hardware does, from the tables in {@link PhysicalMemory}, without any kernel helper.
 *
 * <p>The kernel's spte bits that share these positions ({@code PT_PRESENT_MASK} is bit 0, that is
 * "readable"; {@code PT_WRITABLE_MASK} is bit 1) are the kernel's names for the same facts; the
 * bits the kernel keeps for itself (bits 10, 11, 52-62) are ignored by the walker, as by the CPU.
 */
public final class Ept {
    private Ept() {}

    /** Bit 0: reads allowed; an entry with bits 2:0 clear is not present. */
    public static final long READ = 1L;
    /** Bit 1: writes allowed. */
    public static final long WRITE = 1L << 1;
    /** Bit 2: instruction fetches allowed. */
    public static final long EXECUTE = 1L << 2;
    /** Bits 5:3 of a leaf: the memory type. */
    public static final int MEMORY_TYPE_SHIFT = 3;
    /** Bit 6 of a leaf: ignore the guest PAT. */
    public static final long IGNORE_PAT = 1L << 6;
    /** Bit 7 of a level-2 or level-3 entry: it maps a large page instead of pointing to a table. */
    public static final long LARGE_PAGE = 1L << 7;
    /** Bit 8: accessed, set by the walker when the EPT pointer enables A/D bits. */
    public static final long ACCESSED = 1L << 8;
    /** Bit 9 of a leaf: dirty, set by a write when the EPT pointer enables A/D bits. */
    public static final long DIRTY = 1L << 9;
    /** Bits 51:12: the physical address of the next table or of the page. */
    public static final long ADDRESS = ((1L << 52) - 1) & ~0xfffL;

    /** EPT pointer bits 2:0: the paging-structure memory type (6, write-back). */
    public static final long EPTP_MEMORY_TYPE = 0x7L;
    /** EPT pointer bits 5:3: the page-walk length minus one. */
    public static final int EPTP_WALK_LENGTH_SHIFT = 3;
    /** EPT pointer bit 6: the walker sets accessed and dirty bits. */
    public static final long EPTP_AD_ENABLE = 1L << 6;

    /** VM-exit qualification of an EPT violation: bit 0 a read, bit 1 a write, bit 2 a fetch. */
    public static final long QUAL_READ = 1L;
    public static final long QUAL_WRITE = 1L << 1;
    public static final long QUAL_FETCH = 1L << 2;
    /** Bit 3: the translation that faulted was readable (its entry present). */
    public static final long QUAL_READABLE = 1L << 3;
    public static final long QUAL_WRITABLE = 1L << 4;
    public static final long QUAL_EXECUTABLE = 1L << 5;

    public static boolean present(long entry) {
        return (entry & (READ | WRITE | EXECUTE)) != 0;
    }

    /** Page-walk levels an EPT pointer asks for (4 on every CPU the port models). */
    public static int levels(long eptp) {
        return (int) ((eptp >>> EPTP_WALK_LENGTH_SHIFT) & 0x7) + 1;
    }

    /** Index of {@code gpa} in a table of {@code level} (1 is the last, 4 the root). */
    public static int index(long gpa, int level) {
        return (int) ((gpa >>> (12 + 9 * (level - 1))) & 511);
    }

    /** 4K pages one entry of {@code level} covers. */
    public static long pagesPerEntry(int level) {
        return 1L << (9 * (level - 1));
    }

    /** Where a walk ended. Reused by its owner: one per CPU, no allocation per walk. */
    public static final class Walk {
        /** Physical address of the last entry read. */
        public long entryAddr;
        /** Its value when read. */
        public long entry;
        /** Its level. */
        public int level;
        /** Whether it maps a page (a present leaf); false when the walk stopped at a non-present entry. */
        public boolean mapped;

        /** The host page frame that {@code gpa} maps to; only when {@link #mapped}. */
        public long pfn(long gpa) {
            return ((entry & ADDRESS) >>> 12) + ((gpa >>> 12) & (pagesPerEntry(level) - 1));
        }

        @Override
        public String toString() {
            return String.format("level %d entry %016x at %x%s", level, entry, entryAddr, mapped ? "" : " (not present)");
        }
    }

    /**
     * Walks the tables of {@code eptp} for {@code gpa} with plain loads, root first, and stops at
     * the first entry that is not present or that maps a page (level 1, or a large page).
     * Returns {@code w.mapped}. Sets no accessed or dirty bit: see {@link #setAccessedDirty}.
     */
    public static boolean walk(long eptp, long gpa, Walk w) {
        long table = eptp & ADDRESS;
        for (int level = levels(eptp); level >= 1; level--) {
            long addr = table + 8L * index(gpa, level);
            long e = PhysicalMemory.load(addr);
            w.entryAddr = addr;
            w.entry = e;
            w.level = level;
            if (!present(e)) {
                w.mapped = false;
                return false;
            }
            if (level == 1 || (e & LARGE_PAGE) != 0) {
                w.mapped = true;
                return true;
            }
            table = e & ADDRESS;
        }
        w.mapped = false;
        return false;
    }

    /**
     * What the walker does to the leaf when the EPT pointer enables A/D bits: sets accessed, and
     * dirty on a write, with a locked compare-and-exchange so a concurrent software update of the
     * entry is never lost (the CPU's update is atomic, too). Gives up if the entry stops being
     * present meanwhile.
     */
    public static void setAccessedDirty(long entryAddr, long entry, boolean write) {
        long want = ACCESSED | (write ? DIRTY : 0);
        while ((entry & want) != want && present(entry)) {
            long seen = PhysicalMemory.compareAndExchange(entryAddr, entry, entry | want);
            if (seen == entry) {
                return;
            }
            entry = seen;
        }
    }

    /** The leaf entry that maps {@code gfn} in the tables of {@code eptp}, or 0 if none does. */
    public static long leaf(long eptp, long gfn) {
        Walk w = new Walk();
        return walk(eptp, gfn << 12, w) ? w.entry : 0;
    }

    /**
     * The physical address of the level-1 entry of {@code gfn}, present or not, or 0 if the walk
     * stops above level 1 (a missing table, or a large page).
     */
    public static long leafAddr(long eptp, long gfn) {
        Walk w = new Walk();
        walk(eptp, gfn << 12, w);
        return w.level == 1 ? w.entryAddr : 0;
    }
}
