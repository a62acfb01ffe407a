// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

/**
 * What the scheduler asks the program at a yield point about a value only the program can read:
 * the u64 a plain store overwrites, the gfn a spte maps, whether a TLB entry is writable, the gfn
 * of a violation. Installed by the scenario driver with {@link Sched#probe}; without one, gfns
 * are -1, old values 0 and TLB entries read-only.
 */
public interface Probe {
    /** The value at a u64 address (the spte before a plain store). */
    long read(long addr);

    /** The gfn the leaf spte at {@code sptep} maps, or -1 for a non-leaf spte. */
    long gfnOf(long sptep);

    /** Whether a TLB entry object (the machine's) is writable. */
    boolean tlbWritable(Object entry);

    /** The gfn a violation object (the machine's) is about. */
    long violationGfn(Object violation);
}
