// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lock class, v3.16's {@code struct lock_class} (include/linux/lockdep.h 65-111): every lock whose
 * {@code dep_map.key} is equal and that is taken with the same subclass shares one. Classes are
 * never freed (until {@link Lockdep#reset()}). {@link #locks_after} and {@link #locks_before} are
 * the two dependency lists; each entry (the kernel's {@code struct lock_list}) keeps the stack
 * where the dependency was first seen and its distance. The lists are read and written only under
 * the graph lock; {@link #usage_mask} is read without it (the fast path of mark_lock) and written
 * under it.
 */
final class LockClass {
    // ---- the usage bits of kernel/locking/lockdep_internals.h 12-22 with kernel/locking/lockdep_states.h 7-9
    // (RECLAIM_FS has its bits for the layout of the usage characters; nothing sets them here)
    static final int LOCK_USED_IN_HARDIRQ = 0;
    static final int LOCK_USED_IN_HARDIRQ_READ = 1;
    static final int LOCK_ENABLED_HARDIRQ = 2;
    static final int LOCK_ENABLED_HARDIRQ_READ = 3;
    static final int LOCK_USED_IN_SOFTIRQ = 4;
    static final int LOCK_USED_IN_SOFTIRQ_READ = 5;
    static final int LOCK_ENABLED_SOFTIRQ = 6;
    static final int LOCK_ENABLED_SOFTIRQ_READ = 7;
    static final int LOCK_USED_IN_RECLAIM_FS = 8;
    static final int LOCK_USED_IN_RECLAIM_FS_READ = 9;
    static final int LOCK_ENABLED_RECLAIM_FS = 10;
    static final int LOCK_ENABLED_RECLAIM_FS_READ = 11;
    static final int LOCK_USED = 12;
    static final int LOCK_USAGE_STATES = 13;

    /** usage_str (kernel/locking/lockdep.c 463-469): the name of each usage bit in reports. */
    static final String[] USAGE_STR = {
        "IN-HARDIRQ-W", "IN-HARDIRQ-R", "HARDIRQ-ON-W", "HARDIRQ-ON-R",
        "IN-SOFTIRQ-W", "IN-SOFTIRQ-R", "SOFTIRQ-ON-W", "SOFTIRQ-ON-R",
        "IN-RECLAIM_FS-W", "IN-RECLAIM_FS-R", "RECLAIM_FS-ON-W", "RECLAIM_FS-ON-R",
        "INITIAL USE",
    };

    /** One entry of a dependency list (the kernel's struct lock_list, include/linux/lockdep.h 182-193). */
    static final class Edge {
        final LockClass to;
        final List<String> stack;
        int distance;

        Edge(LockClass to, List<String> stack, int distance) {
            this.to = to;
            this.stack = stack;
            this.distance = distance;
        }
    }

    final int id;
    final Object key;
    final int subclass;
    /** lockdep_map's name, as registered (without the #N and /N suffixes). */
    final String baseName;
    /** count_matching_names (kernel/locking/lockdep.c 626-644): 1 for the first class with this name. */
    final int name_version;
    /** The printed name, __print_lock_name (lockdep.c 509-525): name, "#N" when N > 1, "/S" for subclass S. */
    final String name;
    /** Forward dependencies (classes taken while this one was held), insertion-ordered so BFS is deterministic. */
    final Map<LockClass, Edge> after = new LinkedHashMap<>();
    /** Backward dependencies (classes held when this one was taken). */
    final Map<LockClass, Edge> before = new LinkedHashMap<>();
    /** usage_mask: bit {@code 1 << LOCK_*} set once a lock of this class was used so. */
    volatile int usage_mask;
    /** usage_traces: the stack where each usage bit was first set ("... state was registered at:"). */
    final Object[] usage_traces = new Object[LOCK_USAGE_STATES];
    /** ops: number of acquisitions (counted on the slow path only; see Lockdep's class comment). */
    long ops;
    /** CONFIG_LOCK_STAT's per-class statistics (struct lock_class_stats per thread, the contention points). */
    final LockStat.ClassStats stats;

    LockClass(int id, Object key, int subclass, String baseName, int nameVersion) {
        this.id = id;
        this.key = key;
        this.subclass = subclass;
        this.baseName = baseName;
        this.name_version = nameVersion;
        StringBuilder sb = new StringBuilder(baseName);
        if (nameVersion > 1) {
            sb.append('#').append(nameVersion);
        }
        if (subclass != 0) {
            sb.append('/').append(subclass);
        }
        this.name = sb.toString();
        this.stats = LockStat.register(baseName, nameVersion, subclass);
    }

    /** get_usage_char (kernel/locking/lockdep.c 481-494) for the USED_IN bit {@code bit}. */
    char get_usage_char(int bit) {
        int m = usage_mask;
        char c = '.';
        if ((m & (1 << (bit + 2))) != 0) {
            c = '+';
        }
        if ((m & (1 << bit)) != 0) {
            c = '-';
            if ((m & (1 << (bit + 2))) != 0) {
                c = '?';
            }
        }
        return c;
    }

    /** get_usage_chars (kernel/locking/lockdep.c 496-507): the six characters, in braces. */
    String usage() {
        char[] u = new char[8];
        u[0] = '{';
        int i = 1;
        for (int state = 0; state < 3; state++) {
            u[i++] = get_usage_char(state << 2);
            u[i++] = get_usage_char((state << 2) + 1);
        }
        u[7] = '}';
        return new String(u);
    }

    @Override
    public String toString() {
        return name;
    }
}
