// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Guest RAM as real bytes: the user memory a memslot maps at {@code userspaceAddr}. The host maps
 * user memory 1:1 (pfn = hva >> 12, as the port's {@code hva_to_pfn} assumes), so a host pfn from
 * an spte finds its frame here directly. One array holds all frames (up to 1 GiB).
 *
 * <p>Each page also remembers the last value written to it ({@link #lastWrite}): the guests of
 * the scenarios write stamps that name the writer, so a page a migration lost can be traced to
 * whoever wrote it last, whether a vCPU wrote it or the kernel's emulator did on its behalf.
 */
public final class GuestMemory {
    public static final int PAGE_SIZE = 4096;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    public final long userspaceAddr;
    public final int npages;
    private final long basePfn;
    private final byte[] bytes;
    private final AtomicLongArray lastWrite;

    public GuestMemory(long userspaceAddr, long npages) {
        if ((userspaceAddr & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("guest memory must be page aligned: " + Long.toHexString(userspaceAddr));
        }
        if (npages <= 0 || npages > (1L << 30) / PAGE_SIZE) {
            throw new IllegalArgumentException("guest memory must be 1 page to 1 GiB, got " + npages + " pages");
        }
        this.userspaceAddr = userspaceAddr;
        this.npages = (int) npages;
        this.basePfn = userspaceAddr >>> 12;
        this.bytes = new byte[this.npages * PAGE_SIZE];
        this.lastWrite = new AtomicLongArray(this.npages);
    }

    public long bytes() {
        return (long) npages * PAGE_SIZE;
    }

    /** Index of the page a host pfn names, or -1 when the pfn is not in this memory. */
    public int pageOfPfn(long pfn) {
        long i = pfn - basePfn;
        return i >= 0 && i < npages ? (int) i : -1;
    }

    /** The 8-byte word at {@code slot} (0..511) of page {@code page}. */
    public long readWord(int page, int slot) {
        return (long) LONGS.getVolatile(bytes, page * PAGE_SIZE + slot * 8);
    }

    public void writeWord(int page, int slot, long value) {
        LONGS.setVolatile(bytes, page * PAGE_SIZE + slot * 8, value);
        lastWrite.set(page, value);
    }

    /** The last value written to page {@code page} (0: never written). */
    public long lastWrite(int page) {
        return lastWrite.get(page);
    }

    /** The 8-byte word at user address {@code addr} (8-byte aligned, inside this memory). */
    public long readAt(long addr) {
        return readWord(pageOf(addr), (int) ((addr & (PAGE_SIZE - 1)) >>> 3));
    }

    public void writeAt(long addr, long value) {
        writeWord(pageOf(addr), (int) ((addr & (PAGE_SIZE - 1)) >>> 3), value);
    }

    private int pageOf(long addr) {
        long off = addr - userspaceAddr;
        if (off < 0 || off >= bytes() || (addr & 7) != 0) {
            throw new IllegalArgumentException(String.format("no aligned word of this memory at %x", addr));
        }
        return (int) (off / PAGE_SIZE);
    }

    /** Copies page {@code page} into the same page of {@code dst} (a migration send). */
    public void copyPageTo(int page, GuestMemory dst) {
        System.arraycopy(bytes, page * PAGE_SIZE, dst.bytes, page * PAGE_SIZE, PAGE_SIZE);
    }

    public boolean samePage(int page, GuestMemory other) {
        int from = page * PAGE_SIZE;
        return Arrays.equals(bytes, from, from + PAGE_SIZE, other.bytes, from, from + PAGE_SIZE);
    }
}
