// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An {@code unsigned long *}: a word inside a {@code long[]} (an rmap head, a dirty-bitmap word, a
 * request word). Loads and stores are volatile, the read-modify-writes are the atomics the kernel
 * uses on the same word. This is a Java helper, not a kernel type, so it has a Java name.
 */
public final class LongPtr {
    static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    public final long[] base;
    public final int off;

    public LongPtr(long[] base, int off) {
        if (off < 0 || off >= base.length) {
            throw new IndexOutOfBoundsException("pointer outside its array: " + off + " of " + base.length);
        }
        this.base = base;
        this.off = off;
    }

    /** A pointer to a fresh zeroed word. */
    public static LongPtr word() {
        return new LongPtr(new long[1], 0);
    }

    /** {@code *p} */
    public long get() {
        return (long) WORD.getVolatile(base, off);
    }

    /** {@code *p = v} */
    public void set(long v) {
        WORD.setVolatile(base, off, v);
    }

    /** {@code p + n}, in words. */
    public LongPtr plus(int n) {
        return new LongPtr(base, off + n);
    }

    /** {@code p[i]} */
    public long at(int i) {
        return (long) WORD.getVolatile(base, off + i);
    }

    /** {@code p[i] = v} */
    public void put(int i, long v) {
        WORD.setVolatile(base, off + i, v);
    }

    /**
     * {@code memset(p, 0, n * 8)}: plain stores, as memset makes; only for words no other thread
     * reads or writes meanwhile (a buffer its owner holds a lock for).
     */
    public void clear(int n) {
        if (n < 0 || off + n > base.length) {
            throw new IndexOutOfBoundsException("memset past its array: " + n + " words at " + off + " of " + base.length);
        }
        java.util.Arrays.fill(base, off, off + n, 0L);
    }

    /** {@code memcpy(to, p, n * 8)}: plain loads, with the same proviso as {@link #clear}. */
    public void copyTo(long[] to, int n) {
        System.arraycopy(base, off, to, 0, n);
    }

    long getAndBitwiseOr(int i, long mask) {
        return (long) WORD.getAndBitwiseOr(base, off + i, mask);
    }

    long getAndBitwiseAnd(int i, long mask) {
        return (long) WORD.getAndBitwiseAnd(base, off + i, mask);
    }

    /** The locked exchange ({@code xchg}). */
    public long getAndSet(long v) {
        return (long) WORD.getAndSet(base, off, v);
    }

    /** The locked compare-and-exchange ({@code cmpxchg}). */
    public long compareAndExchange(long expected, long v) {
        return (long) WORD.compareAndExchange(base, off, expected, v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongPtr && ((LongPtr) o).base == base && ((LongPtr) o).off == off;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(base) * 31 + off;
    }

    @Override
    public String toString() {
        return "&word[" + off + "]";
    }
}
