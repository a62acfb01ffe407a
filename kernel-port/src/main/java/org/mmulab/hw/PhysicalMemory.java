// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host's physical memory: the frames of 64-bit words the kernel allocates for itself (its
 * page tables live there) and the RAM regions a VMM allocated for its guests ({@link GuestMemory},
 * identity-mapped into user space, so a user address is a physical address). One per JVM, as a
 * machine has one memory. Loads and stores are volatile and the read-modify-writes are the locked
 * instructions, so the kernel's atomics and the CPU's walker see one coherent memory.
 *
 * <p>Frames are plugged in by the kernel's page allocator and pulled out when it frees them; a
 * load from a frame that is not there is a machine check, here an {@link IllegalStateException}.
 */
public final class PhysicalMemory {
    private PhysicalMemory() {}

    public static final int PAGE_SHIFT = 12;
    public static final int WORDS_PER_FRAME = 512;

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final Map<Long, long[]> frames = new ConcurrentHashMap<>();
    private static final CopyOnWriteArrayList<GuestMemory> ram = new CopyOnWriteArrayList<>();

    /** Makes frame {@code pfn} present, zeroed, and returns its words. */
    public static long[] plug(long pfn) {
        long[] words = new long[WORDS_PER_FRAME];
        if (frames.putIfAbsent(pfn, words) != null) {
            throw new IllegalStateException(String.format("frame %x is already present", pfn));
        }
        return words;
    }

    /** Removes frame {@code pfn}; false if it was not present. */
    public static boolean unplug(long pfn) {
        return frames.remove(pfn) != null;
    }

    /** The words of frame {@code pfn}, or null if it is not present. */
    public static long[] frame(long pfn) {
        return frames.get(pfn);
    }

    /** Frames present now. */
    public static int frameCount() {
        return frames.size();
    }

    private static long[] frameOf(long pa) {
        long[] f = frames.get(pa >>> PAGE_SHIFT);
        if (f == null) {
            throw new IllegalStateException(String.format("machine check: no memory at physical address %x", pa));
        }
        if ((pa & 7) != 0) {
            throw new IllegalStateException(String.format("misaligned 8-byte access at %x", pa));
        }
        return f;
    }

    private static int wordIndex(long pa) {
        return (int) ((pa & 0xfff) >>> 3);
    }

    /** An 8-byte load. */
    public static long load(long pa) {
        return (long) WORD.getVolatile(frameOf(pa), wordIndex(pa));
    }

    /** An 8-byte store. */
    public static void store(long pa, long v) {
        WORD.setVolatile(frameOf(pa), wordIndex(pa), v);
    }

    /** XCHG: stores {@code v} and returns what was there. */
    public static long exchange(long pa, long v) {
        return (long) WORD.getAndSet(frameOf(pa), wordIndex(pa), v);
    }

    /** LOCK CMPXCHG8B: stores {@code v} if the word is {@code expected}; returns the word it found. */
    public static long compareAndExchange(long pa, long expected, long v) {
        return (long) WORD.compareAndExchange(frameOf(pa), wordIndex(pa), expected, v);
    }

    /** Maps a guest's RAM at its address, replacing any region it overlaps (a machine that was switched off). */
    public static void attach(GuestMemory m) {
        ram.removeIf(r -> r.userspaceAddr < m.userspaceAddr + m.bytes() && m.userspaceAddr < r.userspaceAddr + r.bytes());
        ram.add(m);
    }

    public static void detach(GuestMemory m) {
        ram.remove(m);
    }

    /** The RAM region that holds {@code addr}, or null. */
    public static GuestMemory ramAt(long addr) {
        for (GuestMemory m : ram) {
            if (addr >= m.userspaceAddr && addr - m.userspaceAddr < m.bytes()) {
                return m;
            }
        }
        return null;
    }
}
