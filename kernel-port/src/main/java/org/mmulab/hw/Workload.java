// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.util.SplittableRandom;

/**
 * What one vCPU's guest does: a seeded stream of accesses to its gfns, mostly to a hot set. Each
 * write stores a stamp (vCPU id and a sequence number) in a word of the page, so a page that the
 * migration lost can be traced to its last writer.
 */
public final class Workload {
    private final SplittableRandom random;
    private final long baseGfn;
    private final long npages;
    private final long hotPages;
    private final double hotFraction;
    private final double writeFraction;
    /** Gfns the guest only reads from now on (it made them page tables); shared by all vCPUs. */
    private final java.util.Set<Long> readOnly;

    /**
     * @param seed the stream's seed
     * @param baseGfn first gfn of the range this guest touches
     * @param npages size of the range
     * @param hotPages size of the hot set at the start of the range
     * @param hotFraction share of accesses that go to the hot set
     * @param writeFraction share of accesses that are writes
     */
    public Workload(long seed, long baseGfn, long npages, long hotPages, double hotFraction, double writeFraction) {
        this(seed, baseGfn, npages, hotPages, hotFraction, writeFraction, java.util.Set.of());
    }

    /** As above, with a shared set of gfns the guest stops writing (see {@link #readOnly}). */
    public Workload(long seed, long baseGfn, long npages, long hotPages, double hotFraction, double writeFraction,
                    java.util.Set<Long> readOnly) {
        if (npages < 1 || hotPages < 1 || hotPages > npages) {
            throw new IllegalArgumentException("workload needs 1 <= hot pages <= pages");
        }
        this.random = new SplittableRandom(seed);
        this.baseGfn = baseGfn;
        this.npages = npages;
        this.hotPages = hotPages;
        this.hotFraction = hotFraction;
        this.writeFraction = writeFraction;
        this.readOnly = readOnly;
    }

    /** Whether the guest still writes this gfn (false once it became one of its page tables). */
    public boolean writes(long gfn) {
        return !readOnly.contains(gfn);
    }

    /** The gfn of the next access. */
    public long nextGfn() {
        long n = random.nextDouble() < hotFraction ? hotPages : npages;
        return baseGfn + random.nextLong(n);
    }

    public boolean nextIsWrite() {
        return random.nextDouble() < writeFraction;
    }

    /** Which word of the page the next write stamps. */
    public int nextSlot() {
        return random.nextInt(GuestMemory.PAGE_SIZE / 8);
    }
}
