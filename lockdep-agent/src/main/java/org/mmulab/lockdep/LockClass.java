// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lock class: every lock whose {@code dep_map.key} is equal shares one. Classes are never
 * freed (until {@link Lockdep#reset()}). The forward dependency list ({@code locks_after} in
 * kernel/locking/lockdep.c) maps each class taken while this one was held to the edge that
 * recorded where that was first seen; it is only read or written under the graph lock.
 */
final class LockClass {
    /** Edge this -> to, with the Java stack of the acquisition of {@code to} when first seen. */
    static final class Edge {
        final LockClass to;
        final List<String> stack;

        Edge(LockClass to, List<String> stack) {
            this.to = to;
            this.stack = stack;
        }
    }

    final int id;
    final Object key;
    /** The printed name: dep_map.name, with "#N" appended for the Nth class sharing that name. */
    final String name;
    /** Insertion-ordered so the BFS (and therefore the reported path) is deterministic. */
    final Map<LockClass, Edge> after = new LinkedHashMap<>();
    /** Ever acquired with (hard)irqs enabled: the ENABLED_HARDIRQ / ENABLED_SOFTIRQ bits. */
    volatile boolean enabledIrqs;
    /** Ever acquired with irqs disabled (tracked, not printed: the kernel has no bit for it). */
    volatile boolean acquiredIrqsOff;

    LockClass(int id, Object key, String name) {
        this.id = id;
        this.key = key;
        this.name = name;
    }

    /**
     * The six usage characters of 3.16 (HARDIRQ W/R, SOFTIRQ W/R, RECLAIM_FS W/R). The runtime has
     * no interrupt context, no softirq masking, no read locks and no allocation tracking, so the
     * only honest information is whether the class was ever taken with irqs on: then the HARDIRQ
     * and SOFTIRQ write characters are '+' (the kernel sets ENABLED_SOFTIRQ together with
     * ENABLED_HARDIRQ when softirqs are on); everything else stays '.'.
     */
    String usage() {
        char c = enabledIrqs ? '+' : '.';
        return "{" + c + '.' + c + "...}";
    }

    @Override
    public String toString() {
        return name;
    }
}
