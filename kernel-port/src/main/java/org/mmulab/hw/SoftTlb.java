// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One vCPU's TLB: gfn to host pfn plus the writable bit, as it was in the spte when the entry was
 * filled. Nothing keeps it coherent with the sptes: an entry stays, stale or not, until the vCPU
 * flushes (KVM_REQ_TLB_FLUSH before the next entry) or the entry is evicted. A hit on a writable
 * entry writes memory with no fault, so with no dirty logging either: that is why a missed flush
 * loses a dirty page. Used only by its vCPU's thread, or by a checker while that vCPU is paused.
 */
public final class SoftTlb {
    /** A cached translation. */
    public record Entry(long gfn, long pfn, boolean writable) {}

    private final int capacity;
    private final LinkedHashMap<Long, Entry> entries;
    private long hits;
    private long misses;
    private long dropped;

    public SoftTlb(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("TLB capacity must be at least 1");
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > SoftTlb.this.capacity;
            }
        };
    }

    /** The entry for {@code gfn}, or null on a miss. */
    public Entry lookup(long gfn) {
        Entry e = entries.get(gfn);
        if (e == null) {
            misses++;
        } else {
            hits++;
        }
        return e;
    }

    public void fill(long gfn, long pfn, boolean writable) {
        entries.put(gfn, new Entry(gfn, pfn, writable));
    }

    /** Drops every entry; returns how many there were. */
    public int flush() {
        int n = entries.size();
        entries.clear();
        dropped += n;
        return n;
    }

    /** The entries now, by gfn (for a paused vCPU). */
    public Map<Long, Entry> snapshot() {
        return new TreeMap<>(entries);
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    /** Entries dropped by flushes so far. */
    public long dropped() {
        return dropped;
    }
}
