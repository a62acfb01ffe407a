// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

/**
 * Bridge from {@code asm/cmpxchg.h} to the VarHandles that hold kernel words; the instructions
 * themselves are in {@link mm} and {@link LongPtr}. Not a kernel file.
 */
public final class atomics {
    private atomics() {}

    public static long xchg64(long addr, long v) {
        return mm.xchg64(addr, v);
    }

    public static long cmpxchg64(long addr, long o, long n) {
        return mm.cmpxchg64(addr, o, n);
    }

    public static long xchg(LongPtr p, long v) {
        return p.getAndSet(v);
    }

    public static long cmpxchg(LongPtr p, long o, long n) {
        return p.compareAndExchange(o, n);
    }
}
