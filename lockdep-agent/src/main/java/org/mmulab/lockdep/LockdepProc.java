// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The runtime's state as {@code /proc/lockdep}, {@code /proc/lockdep_chains} and
 * {@code /proc/lockdep_stats} print it (kernel/locking/lockdep_proc.c, in their layout), plus the
 * dependency graph as Graphviz DOT. Class keys print as their lock-class id in hex, standing for
 * the key's address.
 */
public final class LockdepProc {
    private LockdepProc() {}

    /** /proc/lockdep: every class with its forward and backward dependency counts and direct successors. */
    public static String lockdep() {
        List<LockClass> all = LockGraph.classes();
        StringBuilder b = new StringBuilder("all lock classes:\n");
        synchronized (LockGraph.lock()) {
            Map<LockClass, List<LockClass>> before = predecessors(all);
            for (LockClass c : all) {
                b.append(String.format("%016x FD: %4d BD: %4d %s: %s%n", c.id, reach(c, x -> new ArrayList<>(x.after.keySet())),
                        reach(c, x -> before.getOrDefault(x, List.of())), c.usage().substring(1, 7), c.name));
                for (LockClass to : c.after.keySet()) {
                    b.append(String.format(" -> [%016x] %s%n", to.id, to.name));
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** /proc/lockdep_chains: every chain in the chain cache, with its irq context, outermost lock first. */
    public static String lockdepChains() {
        StringBuilder b = new StringBuilder("all lock chains:\n");
        List<LockGraph.Chain> chains = new ArrayList<>(LockGraph.CHAINS.values());
        chains.sort(Comparator.comparing((LockGraph.Chain ch) -> ch.classes.size()).thenComparing(ch -> ch.classes.toString())
                .thenComparing(ch -> ch.irq_context));
        for (LockGraph.Chain chain : chains) {
            b.append("irq_context: ").append(chain.irq_context).append('\n');
            for (LockClass c : chain.classes) {
                b.append(String.format("[%016x] %s%n", c.id, c.name));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** /proc/lockdep_stats: the counts, with the kernel's limits (lockdep_proc.c 216-348, in part). */
    public static String lockdepStats() {
        List<LockClass> all = LockGraph.classes();
        int deps = 0;
        int hardirqChains = 0;
        int softirqChains = 0;
        int processChains = 0;
        synchronized (LockGraph.lock()) {
            for (LockClass c : all) {
                deps += c.after.size();
            }
            for (LockGraph.Chain ch : LockGraph.CHAINS.values()) {
                if (ch.irq_context >= 2) {
                    hardirqChains++;
                } else if (ch.irq_context == 1) {
                    softirqChains++;
                } else {
                    processChains++;
                }
            }
        }
        return String.format(" lock-classes:                     %11d [max: %d]%n", all.size(), LockGraph.MAX_LOCKDEP_KEYS)
                + String.format(" direct dependencies:              %11d [max: %d]%n", LockGraph.nr_list_entries, LockGraph.MAX_LOCKDEP_ENTRIES)
                + String.format(" dependency chains:                %11d [max: %d]%n", LockGraph.CHAINS.size(),
                        LockGraph.MAX_LOCKDEP_CHAINS)
                + String.format(" in-hardirq chains:                %11d%n", hardirqChains)
                + String.format(" in-softirq chains:                %11d%n", softirqChains)
                + String.format(" in-process chains:                %11d%n", processChains)
                + String.format(" max locking depth:                %11d%n", Lockdep.maxDepth)
                + String.format(" debug_locks:                      %11d%n", Lockdep.enabled() ? 1 : 0);
    }

    /** The dependency graph: an edge A -> B means B was taken while A was held. */
    public static String dot() {
        StringBuilder b = new StringBuilder("digraph lockdep {\n  node [shape=box, fontname=\"monospace\"];\n");
        List<LockClass> all = LockGraph.classes();
        synchronized (LockGraph.lock()) {
            for (LockClass c : all) {
                b.append(String.format("  \"%s\";%n", esc(c.name)));
            }
            for (LockClass c : all) {
                for (LockClass to : c.after.keySet()) {
                    b.append(String.format("  \"%s\" -> \"%s\";%n", esc(c.name), esc(to.name)));
                }
            }
        }
        return b.append("}\n").toString();
    }

    /**
     * Writes the four files, lock_stat and mmulab's lock_stat_holds ({@link LockStatProc}) into
     * {@code dir}. The two lock_stat files hold counts only while CONFIG_LOCK_STAT is on (the
     * agent's {@code lockstat}, on with {@code dump=}).
     */
    public static void dumpTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("lockdep"), lockdep(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("lockdep_chains"), lockdepChains(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("lockdep_stats"), lockdepStats(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("lockdep.dot"), dot(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("lock_stat"), LockStatProc.lock_stat(Lockdep.enabled()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("lock_stat_holds"), LockStatProc.lock_stat_holds(), StandardCharsets.UTF_8);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static Map<LockClass, List<LockClass>> predecessors(List<LockClass> all) {
        Map<LockClass, List<LockClass>> before = new IdentityHashMap<>();
        for (LockClass c : all) {
            for (LockClass to : c.after.keySet()) {
                before.computeIfAbsent(to, k -> new ArrayList<>()).add(c);
            }
        }
        return before;
    }

    /** How many classes are reachable from {@code c} (not counting itself), as lockdep_count_*_deps. */
    private static int reach(LockClass c, java.util.function.Function<LockClass, List<LockClass>> next) {
        Set<LockClass> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<LockClass> q = new ArrayDeque<>(next.apply(c));
        while (!q.isEmpty()) {
            LockClass x = q.poll();
            if (x != c && seen.add(x)) {
                q.addAll(next.apply(x));
            }
        }
        return seen.size();
    }
}
