// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The shared half of kernel/locking/lockdep.c: the lock classes (look_up_lock_class,
 * register_lock_class), the dependency lists (alloc_list_entry, add_lock_to_list), the breadth-first
 * search over them (__bfs, __bfs_forwards, __bfs_backwards) and the chain cache
 * (lookup_chain_cache's table), with the kernel's capacity limits. What one thread holds is
 * {@link TaskState}; the checks that use this graph are in {@link Lockdep}; the texts of the
 * reports are {@link Reports}.
 */
final class LockGraph {
    private LockGraph() {}

    /** MAX_LOCKDEP_KEYS (include/linux/lockdep.h 206-212): (1 << 13) - 1. Not final: tests lower it. */
    static int MAX_LOCKDEP_KEYS = (1 << 13) - 1;
    /** MAX_LOCKDEP_ENTRIES (kernel/locking/lockdep_internals.h 57): two per dependency. */
    static int MAX_LOCKDEP_ENTRIES = 32768;
    /** MAX_LOCKDEP_CHAINS (kernel/locking/lockdep_internals.h 59-60): 1 << 16. */
    static int MAX_LOCKDEP_CHAINS = 1 << 16;
    /** MAX_LOCKDEP_SUBCLASSES (include/linux/lockdep.h 32). */
    static final int MAX_LOCKDEP_SUBCLASSES = 8;

    /** The graph lock (graph_lock, kernel/locking/lockdep.c 80-115): class creation, the lists, the chain table. */
    private static final Object GRAPH = new Object();
    private static final ConcurrentHashMap<Object, LockClass> CLASSES = new ConcurrentHashMap<>();
    /** name -> base key -> name_version (count_matching_names). */
    private static final Map<String, Map<Object, Integer>> NAME_VERSIONS = new HashMap<>();
    private static int nr_lock_classes;
    /** nr_list_entries: dependency list entries allocated (two per edge). */
    static int nr_list_entries;
    /**
     * The chain cache (lock_chains / chainhash_table): chain key -> the classes of the chain,
     * outermost first, within its irq context. Read without the graph lock (the kernel's lockless
     * lookup), written under it.
     */
    static final Map<Long, Chain> CHAINS = new ConcurrentHashMap<>();

    /** struct lock_chain (include/linux/lockdep.h 198-204): its irq_context and classes. */
    static final class Chain {
        final int irq_context;
        final List<LockClass> classes;

        Chain(int irqContext, List<LockClass> classes) {
            this.irq_context = irqContext;
            this.classes = classes;
        }
    }

    /** A (key, subclass) pair: the kernel's lockdep_subclass_key, &key->subkeys[subclass]. */
    private record SubKey(Object key, int subclass) {}

    /** Forgets every class, edge and chain (part of {@link Lockdep#reset()}). Caller holds the graph lock. */
    static void clear() {
        CLASSES.clear();
        NAME_VERSIONS.clear();
        nr_lock_classes = 0;
        nr_list_entries = 0;
        CHAINS.clear();
    }

    /** The graph lock. */
    static Object lock() {
        return GRAPH;
    }

    /** Number of lock chains in the chain cache. */
    static int chainCount() {
        return CHAINS.size();
    }

    private static Object classKey(Object key, int subclass) {
        return subclass == 0 ? key : new SubKey(key, subclass);
    }

    /** look_up_lock_class (kernel/locking/lockdep.c 649-721): the class of (key, subclass), or null. */
    static LockClass look_up_lock_class(Object key, int subclass) {
        return CLASSES.get(classKey(key, subclass));
    }

    /** Result of {@link #register_lock_class} when it cannot give a class (a report is in {@code t.report}). */
    static LockClass register_lock_class(TaskState t, Object lock, int subclass) {
        return register_lock_class(t, LockNames.key(lock), LockNames.name(lock), subclass);
    }

    /**
     * register_lock_class (kernel/locking/lockdep.c 723-836): finds or makes the class of
     * (key, subclass). Returns null, with the report in {@code t.report}, for a subclass of
     * MAX_LOCKDEP_SUBCLASSES or more ("BUG: looking up invalid subclass", look_up_lock_class
     * 678-686) or when MAX_LOCKDEP_KEYS classes exist ("BUG: MAX_LOCKDEP_KEYS too low!"); both turn
     * lockdep off, as the kernel's do. Departure: no static_obj check (a Java key is any object).
     */
    static LockClass register_lock_class(TaskState t, Object key, String name, int subclass) {
        if (subclass < 0 || subclass >= MAX_LOCKDEP_SUBCLASSES) {
            if (Lockdep.debug_locks_off()) {
                Lockdep.setReportAlways(t, Reports.print_invalid_subclass(t, subclass));
            }
            return null;
        }
        Object ck = classKey(key, subclass);
        LockClass c = CLASSES.get(ck);
        if (c != null) {
            return c;
        }
        synchronized (GRAPH) {
            c = CLASSES.get(ck);
            if (c != null) {
                return c;
            }
            if (nr_lock_classes >= MAX_LOCKDEP_KEYS) {
                if (Lockdep.debug_locks_off()) {
                    Lockdep.setReportAlways(t, Reports.print_lockdep_off(t, "BUG: MAX_LOCKDEP_KEYS too low!", ReportKind.MAX_LOCKDEP_KEYS));
                }
                return null;
            }
            Map<Object, Integer> versions = NAME_VERSIONS.computeIfAbsent(name, n -> new HashMap<>());
            Integer v = versions.get(key);
            if (v == null) {
                v = versions.size() + 1;
                versions.put(key, v);
            }
            c = new LockClass(++nr_lock_classes, key, subclass, name, v);
            CLASSES.put(ck, c);
            return c;
        }
    }

    /** The kernel's iterate_chain_key (kernel/locking/lockdep.c 314-317): rotate by 13, mix in the id. */
    static long iterate_chain_key(long key, int classId) {
        return (key << 13) ^ (key >>> 51) ^ classId;
    }

    /** Every lock class so far, by id (for the /proc dumps). */
    static List<LockClass> classes() {
        synchronized (GRAPH) {
            List<LockClass> out = new ArrayList<>(CLASSES.values());
            out.sort(java.util.Comparator.comparingInt(x -> x.id));
            return out;
        }
    }

    // ------------------------------------------------------------------ chains

    /**
     * The table half of lookup_chain_cache (kernel/locking/lockdep.c 2002-2082): 0 when
     * {@code chain_key} is cached; 1 when it was new and is now added (the caller validates it);
     * -1 when the table is full (MAX_LOCKDEP_CHAINS; the report is in {@code t.report} and lockdep
     * is off). Caller holds the graph lock.
     */
    static int add_chain(TaskState t, HeldLock hlock, long chain_key) {
        if (CHAINS.containsKey(chain_key)) {
            return 0;
        }
        if (CHAINS.size() >= MAX_LOCKDEP_CHAINS) {
            if (Lockdep.debug_locks_off()) {
                Lockdep.setReportAlways(t, Reports.print_lockdep_off(t, "BUG: MAX_LOCKDEP_CHAINS too low!", ReportKind.MAX_LOCKDEP_CHAINS));
            }
            return -1;
        }
        int i = t.held.size() - 1;
        for (; i >= 0; i--) {
            if (t.held.get(i).irq_context != hlock.irq_context) {
                break;
            }
        }
        List<LockClass> classes = new ArrayList<>(t.held.size() - i);
        for (i++; i < t.held.size(); i++) {
            classes.add(t.held.get(i).cls);
        }
        classes.add(hlock.cls);
        CHAINS.put(chain_key, new Chain(hlock.irq_context, Collections.unmodifiableList(classes)));
        return 1;
    }

    // ------------------------------------------------------------------ dependency lists

    /**
     * alloc_list_entry + add_lock_to_list (kernel/locking/lockdep.c 838-877), for both lists of one
     * dependency {@code prev -> next}. False when MAX_LOCKDEP_ENTRIES is reached ("BUG:
     * MAX_LOCKDEP_ENTRIES too low!", lockdep off, the report in {@code t.report}). Caller holds the
     * graph lock.
     */
    static boolean add_lock_to_list(TaskState t, LockClass prev, LockClass next, int distance, List<String> trace) {
        if (nr_list_entries + 2 > MAX_LOCKDEP_ENTRIES) {
            if (Lockdep.debug_locks_off()) {
                Lockdep.setReportAlways(t, Reports.print_lockdep_off(t, "BUG: MAX_LOCKDEP_ENTRIES too low!", ReportKind.MAX_LOCKDEP_ENTRIES));
            }
            return false;
        }
        nr_list_entries += 2;
        prev.after.put(next, new LockClass.Edge(next, trace, distance));
        next.before.put(prev, new LockClass.Edge(prev, trace, distance));
        return true;
    }

    /**
     * __bfs (kernel/locking/lockdep.c 983-1048): breadth-first from {@code root} along
     * locks_after ({@code forward}) or locks_before, the root itself tested first; the path
     * root ... match (the shortest), or null. Departure: the queue is unbounded (the kernel's holds
     * 4096 entries and fails with "lockdep bfs error:-1"). Caller holds the graph lock.
     */
    static List<LockClass> __bfs(LockClass root, Predicate<LockClass> match, boolean forward) {
        if (match.test(root)) {
            return List.of(root);
        }
        Map<LockClass, LockClass> parent = new IdentityHashMap<>();
        ArrayDeque<LockClass> cq = new ArrayDeque<>();
        parent.put(root, root);
        cq.add(root);
        while (!cq.isEmpty()) {
            LockClass lock = cq.poll();
            for (LockClass entry : (forward ? lock.after : lock.before).keySet()) {
                if (parent.containsKey(entry)) {
                    continue;
                }
                parent.put(entry, lock);
                if (match.test(entry)) {
                    List<LockClass> path = new ArrayList<>();
                    for (LockClass p = entry; ; p = parent.get(p)) {
                        path.add(p);
                        if (p == root) {
                            break;
                        }
                    }
                    Collections.reverse(path);
                    return path;
                }
                cq.add(entry);
            }
        }
        return null;
    }

    /** __bfs_forwards (kernel/locking/lockdep.c 1050-1057). */
    static List<LockClass> __bfs_forwards(LockClass root, Predicate<LockClass> match) {
        return __bfs(root, match, true);
    }

    /** __bfs_backwards (kernel/locking/lockdep.c 1059-1066). */
    static List<LockClass> __bfs_backwards(LockClass root, Predicate<LockClass> match) {
        return __bfs(root, match, false);
    }

    /** find_usage_forwards (kernel/locking/lockdep.c 1331-1344): a class reachable forwards with {@code bit}. */
    static List<LockClass> find_usage_forwards(LockClass root, int bit) {
        return __bfs_forwards(root, c -> (c.usage_mask & (1 << bit)) != 0);
    }

    /** find_usage_backwards (kernel/locking/lockdep.c 1354-1365). */
    static List<LockClass> find_usage_backwards(LockClass root, int bit) {
        return __bfs_backwards(root, c -> (c.usage_mask & (1 << bit)) != 0);
    }

    /** The edge {@code from -> to} (either list), for the stack it recorded. */
    static LockClass.Edge edge(LockClass from, LockClass to, boolean forward) {
        return forward ? from.after.get(to) : from.before.get(to);
    }
}
