// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared half of lockdep.c: the lock classes (register_lock_class), the dependency graph with
 * its cycle search (check_prevs_add, check_noncircular's BFS) and the chain cache
 * (lookup_chain_cache). What one thread holds is {@link TaskState}; the texts of the reports are
 * {@link Reports}; {@link Lockdep} is the entry point that ties them together.
 */
final class LockGraph {
    private LockGraph() {}

    /** Graph lock: guards class creation, every LockClass.after map and the name versions. */
    private static final Object GRAPH = new Object();
    private static final ConcurrentHashMap<Object, LockClass> CLASSES = new ConcurrentHashMap<>();
    private static final Map<String, Integer> NAME_VERSIONS = new HashMap<>();
    private static int nextClassId;
    /**
     * The chain cache: validated chain keys, each with the call site where the chain was first
     * validated. A lock taken on a known chain costs one lookup and borrows that site for its
     * "at:" (the kernel records each acquisition's own ip for free; a Java stack walk costs
     * microseconds, so it is paid only when a chain is new).
     */
    private static final Map<Long, Object> CHAINS = new ConcurrentHashMap<>();
    /** The classes of each validated chain, outermost first (for the /proc/lockdep_chains dump). */
    static final Map<Long, List<LockClass>> CHAIN_CLASSES = new ConcurrentHashMap<>();

    /** Forgets every class, edge and chain (part of {@link Lockdep#reset()}). Caller holds the graph lock. */
    static void clear() {
        CLASSES.clear();
        NAME_VERSIONS.clear();
        nextClassId = 0;
        CHAINS.clear();
        CHAIN_CLASSES.clear();
    }

    /** The graph lock, for readers of LockClass.after. */
    static Object lock() {
        return GRAPH;
    }

    /** Number of validated lock chains in the chain cache. */
    static int chainCount() {
        return CHAINS.size();
    }

    /** The site recorded when chain {@code key} was validated, or null for a chain not validated yet. */
    static Object chainSite(long key) {
        return CHAINS.get(key);
    }

    /** Caches chain {@code key}: the held classes, outermost first, then the new one. */
    static void addChain(long key, Object site, HeldLocks held, LockClass next) {
        CHAINS.put(key, site);
        List<LockClass> classes = new ArrayList<>(held.size() + 1);
        for (HeldLock x : held) {
            classes.add(x.cls);
        }
        classes.add(next);
        CHAIN_CLASSES.put(key, classes);
    }

    static LockClass classOf(Object lock) {
        Object key = LockNames.key(lock);
        LockClass c = CLASSES.get(key);
        if (c != null) {
            return c;
        }
        synchronized (GRAPH) {
            c = CLASSES.get(key);
            if (c == null) {
                String name = LockNames.name(lock);
                int version = NAME_VERSIONS.merge(name, 1, Integer::sum);
                c = new LockClass(++nextClassId, key, version > 1 ? name + "#" + version : name);
                CLASSES.put(key, c);
            }
            return c;
        }
    }

    /** The kernel's iterate_chain_key: rotate the key left by 13 bits and mix in the class id. */
    static long iterateChainKey(long key, int classId) {
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

    // ------------------------------------------------------------------ validation

    /** check_deadlock, then check_prevs_add with the BFS of check_noncircular. */
    static LockdepReport validate(TaskState t, HeldLock next) {
        for (int i = t.held.size() - 1; i >= 0; i--) {
            HeldLock prev = t.held.get(i);
            if (prev.cls == next.cls) {
                return Reports.recursive(t, prev, next);
            }
        }
        if (t.held.isEmpty()) {
            return null;
        }
        List<String> current = null;
        synchronized (GRAPH) {
            for (int i = t.held.size() - 1; i >= 0; i--) {
                HeldLock prev = t.held.get(i);
                List<LockClass> path = bfs(next.cls, prev.cls);
                if (path != null) {
                    if (current == null) {
                        current = Frames.stack();
                    }
                    return Reports.circular(t, prev, next, path, current);
                }
                if (!prev.cls.after.containsKey(next.cls)) {
                    if (current == null) {
                        current = Collections.unmodifiableList(Frames.stack());
                    }
                    prev.cls.after.put(next.cls, new LockClass.Edge(next.cls, current));
                }
                if (!prev.trylock) {
                    break;
                }
            }
        }
        return null;
    }

    /** Shortest path root -> ... -> target along "after" edges, or null. Caller holds GRAPH. */
    private static List<LockClass> bfs(LockClass root, LockClass target) {
        Map<LockClass, LockClass> parent = new HashMap<>();
        ArrayDeque<LockClass> queue = new ArrayDeque<>();
        parent.put(root, root);
        queue.add(root);
        while (!queue.isEmpty()) {
            LockClass c = queue.poll();
            if (c == target) {
                List<LockClass> path = new ArrayList<>();
                for (LockClass p = c; ; p = parent.get(p)) {
                    path.add(p);
                    if (p == root) {
                        break;
                    }
                }
                Collections.reverse(path);
                return path;
            }
            for (LockClass n : c.after.keySet()) {
                if (!parent.containsKey(n)) {
                    parent.put(n, c);
                    queue.add(n);
                }
            }
        }
        return null;
    }
}
