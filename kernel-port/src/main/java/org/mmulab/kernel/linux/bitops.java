// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/**
 * The bit operations the MMU uses, with x86 semantics: {@code set_bit} and {@code clear_bit} are
 * atomic (LOCK-prefixed); the double-underscore forms are not. Bit {@code nr} lives in word
 * {@code nr / BITS_PER_LONG} at position {@code nr % BITS_PER_LONG}, little-endian.
 */
@KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "1-511", name = "bitops.h")
public final class bitops {
    private bitops() {}

    @KernelSource(file = "include/asm-generic/bitsperlong.h", lines = "8", name = "BITS_PER_LONG")
    public static final int BITS_PER_LONG = 64;

    @KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "71-85")
    public static void set_bit(long nr, LongPtr addr) {
        addr.getAndBitwiseOr((int) (nr >>> 6), 1L << (nr & 63));
    }

    @KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "109-123")
    public static void clear_bit(long nr, LongPtr addr) {
        addr.getAndBitwiseAnd((int) (nr >>> 6), ~(1L << (nr & 63)));
    }

    @KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "335-338", name = "test_bit")
    public static boolean test_bit(long nr, LongPtr addr) {
        return (addr.at((int) (nr >>> 6)) & (1L << (nr & 63))) != 0;
    }

    @KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "204-207")
    public static boolean test_and_set_bit(long nr, LongPtr addr) {
        long mask = 1L << (nr & 63);
        return (addr.getAndBitwiseOr((int) (nr >>> 6), mask) & mask) != 0;
    }

    /** Index of the lowest set bit; undefined (here: 64) for 0, as the kernel warns. */
    @KernelSource(file = "arch/x86/include/asm/bitops.h", lines = "346-351")
    public static int __ffs(long word) {
        return Long.numberOfTrailingZeros(word);
    }

    @KernelSource(file = "include/asm-generic/bitops/le.h", lines = "57-60")
    public static void set_bit_le(long nr, LongPtr addr) {
        set_bit(nr, addr);
    }

    @KernelSource(file = "include/asm-generic/bitops/le.h", lines = "52-55", name = "test_bit_le")
    public static boolean test_bit_le(long nr, LongPtr addr) {
        return test_bit(nr, addr);
    }

    /** ALIGN(x, a) for a power-of-two {@code a}. */
    @KernelSource(file = "include/linux/kernel.h", lines = "49", name = "ALIGN")
    public static long ALIGN(long x, long a) {
        return (x + (a - 1)) & ~(a - 1);
    }
}
