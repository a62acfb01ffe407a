// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.mm;

/**
 * {@code xchg} and {@code cmpxchg64} on x86-64: one locked instruction each, here one VarHandle
 * operation each ({@code getAndSet}, {@code compareAndExchange}), so the lockless MMU paths race
 * exactly as they do on hardware.
 */
@KernelSource(file = "arch/x86/include/asm/cmpxchg.h", lines = "1-233", name = "cmpxchg.h")
public final class cmpxchg {
    private cmpxchg() {}

    /** {@code xchg(ptr, v)} on a {@code u64 *} address: stores {@code v}, returns the old value. */
    @KernelSource(file = "arch/x86/include/asm/cmpxchg.h", lines = "76")
    public static long xchg(long ptr, long v) {
        return mm.xchg64(ptr, v);
    }

    /** {@code xchg(ptr, v)} on an {@code unsigned long *}. */
    @KernelSource(file = "arch/x86/include/asm/cmpxchg.h", lines = "76")
    public static long xchg(LongPtr ptr, long v) {
        return ptr.getAndSet(v);
    }

    /** {@code cmpxchg64(ptr, o, n)}: stores {@code n} if the word equals {@code o}; returns what it held. */
    @KernelSource(file = "arch/x86/include/asm/cmpxchg_64.h", lines = "11-15")
    public static long cmpxchg64(long ptr, long o, long n) {
        return mm.cmpxchg64(ptr, o, n);
    }

    /** {@code cmpxchg(ptr, o, n)} on an {@code unsigned long *}. */
    @KernelSource(file = "arch/x86/include/asm/cmpxchg.h", lines = "147-148")
    public static long cmpxchg(LongPtr ptr, long o, long n) {
        return ptr.compareAndExchange(o, n);
    }
}
