// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mmulab.kernel.testing.CpuThread;

/**
 * The x86-64 bit operations (v3.16 arch/x86/include/asm/bitops.h 71-123, 204-207, 335-351;
 * include/asm-generic/bitops/le.h 52-60): bit {@code nr} is bit {@code nr % 64} of word
 * {@code nr / 64}; {@code set_bit}, {@code clear_bit} and {@code test_and_set_bit} are atomic.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BitopsTest {
    static final long[] EDGES = {0, 63, 64, 127};

    static LongPtr words(int n) {
        return new LongPtr(new long[n], 0);
    }

    @Test
    void setAndTestAcrossWordBoundaries() {
        for (long nr : EDGES) {
            LongPtr p = words(2);
            bitops.set_bit(nr, p);
            for (long other = 0; other < 128; other++) {
                assertEquals(other == nr, bitops.test_bit(other, p), "after set_bit(" + nr + "): test_bit(" + other + ")");
            }
            int word = (int) (nr / 64);
            assertEquals(1L << (nr % 64), p.at(word), "bit " + nr + " is bit " + nr % 64 + " of word " + word);
            assertEquals(0, p.at(1 - word), "the other word untouched");
        }
        LongPtr p = words(2);
        for (long nr : EDGES) {
            bitops.set_bit(nr, p);
        }
        assertEquals(1L | Long.MIN_VALUE, p.at(0));
        assertEquals(1L | Long.MIN_VALUE, p.at(1));
    }

    @Test
    void clearBitClearsOnlyItsBit() {
        LongPtr p = words(2);
        p.put(0, -1L);
        p.put(1, -1L);
        bitops.clear_bit(63, p);
        assertEquals(Long.MAX_VALUE, p.at(0));
        assertEquals(-1L, p.at(1));
        bitops.clear_bit(64, p);
        assertEquals(-2L, p.at(1));
        bitops.clear_bit(0, p);
        bitops.clear_bit(127, p);
        assertEquals(Long.MAX_VALUE - 1, p.at(0));
        assertEquals(Long.MAX_VALUE - 1, p.at(1));
        for (long nr : EDGES) {
            assertFalse(bitops.test_bit(nr, p));
        }
        assertTrue(bitops.test_bit(1, p) && bitops.test_bit(62, p) && bitops.test_bit(65, p) && bitops.test_bit(126, p));
        bitops.clear_bit(0, p); // clearing a clear bit changes nothing
        assertEquals(Long.MAX_VALUE - 1, p.at(0));
    }

    @Test
    void testAndSetBitReturnsTheOldValue() {
        LongPtr p = words(2);
        for (long nr : EDGES) {
            assertFalse(bitops.test_and_set_bit(nr, p), "bit " + nr + " was clear");
            assertTrue(bitops.test_bit(nr, p));
            assertTrue(bitops.test_and_set_bit(nr, p), "bit " + nr + " was set");
        }
        assertEquals(1L | Long.MIN_VALUE, p.at(0));
        assertEquals(1L | Long.MIN_VALUE, p.at(1));
    }

    @Test
    void littleEndianBitsHaveTheNativeLayoutOnX86() {
        for (long nr : EDGES) {
            LongPtr le = words(2);
            LongPtr nat = words(2);
            bitops.set_bit_le(nr, le);
            bitops.set_bit(nr, nat);
            assertEquals(nat.at(0), le.at(0), "word 0 after bit " + nr);
            assertEquals(nat.at(1), le.at(1), "word 1 after bit " + nr);
            assertTrue(bitops.test_bit_le(nr, le));
        }
    }

    @Test
    void pointerOffsetsAddressLaterWords() {
        long[] base = new long[3];
        LongPtr p = new LongPtr(base, 0);
        bitops.set_bit(0, p.plus(1)); // word 1, bit 0 ...
        assertTrue(bitops.test_bit(64, p)); // ... is bit 64 from the start
        bitops.set_bit(63, p.plus(2));
        assertEquals(Long.MIN_VALUE, base[2]);
        assertTrue(bitops.test_bit(191, p));
        assertEquals(0, base[0]);
    }

    @Test
    void ffsFindsTheLowestSetBit() {
        assertEquals(0, bitops.__ffs(1));
        assertEquals(63, bitops.__ffs(Long.MIN_VALUE));
        assertEquals(31, bitops.__ffs(1L << 31));
        assertEquals(32, bitops.__ffs(1L << 32));
        assertEquals(5, bitops.__ffs((1L << 5) | (1L << 40) | Long.MIN_VALUE));
        assertEquals(0, bitops.__ffs(-1L));

        // The harvest idiom: take bits lowest first until the word is empty.
        long mask = (1L << 0) | (1L << 17) | (1L << 63);
        List<Integer> order = new ArrayList<>();
        while (mask != 0) {
            int b = bitops.__ffs(mask);
            order.add(b);
            mask &= mask - 1;
        }
        assertEquals(List.of(0, 17, 63), order);
    }

    @Test
    void alignRoundsUpToAPowerOfTwo() {
        assertEquals(0, bitops.ALIGN(0, 64));
        assertEquals(64, bitops.ALIGN(1, 64));
        assertEquals(64, bitops.ALIGN(64, 64));
        assertEquals(128, bitops.ALIGN(65, 64));
    }

    /** Threads set (then clear) interleaved bits of the same words: an atomic RMW loses none. */
    @Test
    void concurrentSetAndClearBitLoseNoBit() throws Exception {
        final int threads = 8;
        final int nwords = 4096;
        LongPtr p = words(nwords);
        runInLockstep(threads, t -> {
            for (int w = 0; w < nwords; w++) {
                for (int b = t; b < 64; b += threads) {
                    bitops.set_bit((long) w * 64 + b, p);
                }
            }
        });
        for (int w = 0; w < nwords; w++) {
            assertEquals(-1L, p.at(w), "word " + w + " lost a set_bit");
        }
        runInLockstep(threads, t -> {
            for (int w = 0; w < nwords; w++) {
                for (int b = t; b < 64; b += threads) {
                    bitops.clear_bit((long) w * 64 + b, p);
                }
            }
        });
        for (int w = 0; w < nwords; w++) {
            assertEquals(0L, p.at(w), "word " + w + " lost a clear_bit");
        }
    }

    @Test
    void concurrentTestAndSetBitHasExactlyOneWinnerPerBit() throws Exception {
        final int threads = 4;
        final int nbits = 64 * 1024;
        LongPtr p = words(nbits / 64);
        AtomicInteger winners = new AtomicInteger();
        runInLockstep(threads, t -> {
            int won = 0;
            for (int nr = 0; nr < nbits; nr++) {
                if (!bitops.test_and_set_bit(nr, p)) {
                    won++;
                }
            }
            winners.addAndGet(won);
        });
        assertEquals(nbits, winners.get(), "each bit found clear by exactly one thread");
    }

    interface PerThread {
        void run(int t) throws Exception;
    }

    static void runInLockstep(int threads, PerThread body) throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<CpuThread> cpus = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            cpus.add(CpuThread.start("bits" + t, () -> {
                ready.countDown();
                CpuThread.await(go, "go");
                body.run(id);
            }));
        }
        CpuThread.await(ready, "all threads up");
        go.countDown();
        for (CpuThread c : cpus) {
            c.join(30_000);
        }
    }
}
