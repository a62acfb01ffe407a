// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each step of a run touched, and the happens-before fingerprint built from it: the base of
 * the explorer's partial-order reduction.
 *
 * <p>With {@code explore=true} the agent's ExploreWeaver puts a call to one of the static entry
 * points below in front of every field and array access of the port, the machine and the VMM, every
 * {@code synchronized} block and every call into the JDK that may touch shared state (its
 * receiver and reference arguments count as written whole). On the thread whose turn it is, each
 * call adds a location to that thread's current step; anywhere else it does nothing. A step is
 * everything a thread runs between two yield points.
 *
 * <p>At each yield point the step is closed ({@link #close}): its hash is the hash of the
 * thread's previous step, mixed with, for each location it read, the step that wrote that
 * location last, and for each location it wrote, also the steps that read it since. Two schedules
 * that order every pair of conflicting steps the same way (the same Mazurkiewicz trace) therefore
 * give every thread the same hash, and so the same {@link Run#stateKey() state key}: the program is
 * deterministic given what each of its reads saw, so the states are equal. Reads commute with
 * reads; a write conflicts with every access to its location. A field or element access also reads
 * the object as a whole, and a whole-object access (a JDK call) writes it, so the two kinds
 * conflict where they must.
 *
 * <p>Locations are found by object identity within one run; nothing but the 64-bit hashes is
 * compared across runs, and the hashes do not name locations (the port's allocators hand out other
 * addresses and page numbers in every run, so no run-independent name exists). They need not: a
 * step's hash covers the hashes of the steps it depends on, so if two schedules gave every step
 * the same hash while some location's last writer differed, two steps that both write it would
 * each have to depend on the other, a cycle no hash function can close. Equal hashes therefore
 * mean that every read saw the same write, and, the program being deterministic, the same state
 * up to those allocator-chosen numbers (the same assumption {@code replay} makes). A collision of
 * 64-bit hashes is the one way this can be wrong; at a million states its odds are about 3 in 10^8.
 */
public final class Footprint {
    private Footprint() {}

    /** Field ids, handed out by the weaver: "owner.name" -> id. */
    private static final Map<String, Integer> FIELD_IDS = new ConcurrentHashMap<>();

    /** The id the weaver puts in the code for field {@code owner.name} (internal names). */
    public static synchronized int fieldId(String owner, String name) {
        String key = owner + "." + name;
        Integer id = FIELD_IDS.get(key);
        if (id == null) {
            id = FIELD_IDS.size();
            FIELD_IDS.put(key, id);
        }
        return id;
    }

    private static volatile String incomplete;
    private static volatile boolean woven;

    /** Called by the agent at start-up with explore=true,footprints=on. */
    public static void markWoven() {
        woven = true;
    }

    /** Whether the agent wove the footprint calls into this JVM's port (footprints=on). */
    public static boolean woven() {
        return woven;
    }

    /** The weaver could not record a class's footprints: no reduction may rely on them in this JVM. */
    public static void incomplete(String why) {
        if (incomplete == null) {
            incomplete = why;
        }
    }

    /** Why footprints are incomplete in this JVM (a class the weaver could not rewrite), or null. */
    public static String incompleteBecause() {
        return incomplete;
    }

    // ---------------------------------------------------------------- the woven entry points

    /** The controlled thread whose turn it is, if it is the caller; else null. */
    private static Ctl running() {
        Run r = Sched.run;
        if (r == null || r.hb == null) {
            return null;
        }
        Ctl c = r.current;
        return c != null && c.thread == Thread.currentThread() ? c : null;
    }

    /** Before a getfield of a non-final field. */
    public static void read(Object o, int field) {
        Ctl c = running();
        if (c != null && o != null) {
            c.run.hb.field(c, o, field, false);
        }
    }

    /** Before a putfield. */
    public static void write(Object o, int field) {
        Ctl c = running();
        if (c != null && o != null) {
            c.run.hb.field(c, o, field, true);
        }
    }

    /** Before a getstatic of a non-final static field. */
    public static void readStatic(int field) {
        Ctl c = running();
        if (c != null) {
            c.run.hb.statik(c, field, false);
        }
    }

    /** Before a putstatic. */
    public static void writeStatic(int field) {
        Ctl c = running();
        if (c != null) {
            c.run.hb.statik(c, field, true);
        }
    }

    /** Before an array load, or a VarHandle read of an array element. */
    public static void readElement(Object array, int index) {
        Ctl c = running();
        if (c != null && array != null) {
            c.run.hb.element(c, array, index, false);
        }
    }

    /** Before an array store, or a VarHandle write or atomic update of an array element. */
    public static void writeElement(Object array, int index) {
        Ctl c = running();
        if (c != null && array != null) {
            c.run.hb.element(c, array, index, true);
        }
    }

    /**
     * The whole object is written: the receiver or a reference argument of a JDK call, the object
     * of a {@code synchronized} block or method, the target of a VarHandle without an index. An
     * object a JDK call handed out as a view of another (an iterator, a key set) stands for that one.
     */
    public static void whole(Object o) {
        Ctl c = running();
        if (c != null && o != null) {
            c.run.hb.whole(c, o);
        }
    }

    /**
     * After a JDK call that returned {@code result}: when that is a JDK object (an iterator, a
     * view, an entry), its later calls count as calls on {@code of} (the receiver, or the first
     * reference argument). Returns {@code result}.
     */
    public static Object derived(Object result, Object of) {
        if (result != null && of != null && result != of && JDK.get(result.getClass())) {
            Ctl c = running();
            if (c != null) {
                c.run.hb.alias(result, of);
            }
        }
        return result;
    }

    /**
     * Before a JDK call, for its receiver or a reference argument: a JDK object (a collection, an
     * atomic, an iterator) is read as a whole when {@code write} is false (the method only reads),
     * else written; an array is written as a whole either way (the JDK reads and writes arrays
     * element by element); an immutable value (a string, a boxed number, an enum, a class) and an
     * object of the program (tracked field by field, and the JDK reaches its state only through
     * its methods, which are woven) are left out.
     */
    public static void jdk(Object o, boolean write) {
        if (o == null) {
            return;
        }
        int kind = KIND.get(o.getClass());
        if (kind <= IMMUTABLE) {
            return;
        }
        Ctl c = running();
        if (c != null) {
            if (kind == ARRAY || write) {
                c.run.hb.whole(c, o);
            } else {
                c.run.hb.wholeRead(c, o);
            }
        }
    }

    private static final int PROGRAM = 0;
    private static final int IMMUTABLE = 1;
    private static final int MUTABLE = 2;
    private static final int ARRAY = 3;
    private static final ClassValue<Integer> KIND = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> type) {
            if (type.isArray()) {
                return ARRAY;
            }
            if (type == String.class || type == Long.class || type == Integer.class || type == Short.class || type == Byte.class
                    || type == Character.class || type == Boolean.class || type == Double.class || type == Float.class
                    || type == Class.class || type.isEnum() || (type.getSuperclass() != null && type.getSuperclass().isEnum())
                    || type == java.math.BigInteger.class || type == java.math.BigDecimal.class) {
                return IMMUTABLE;
            }
            return JDK.get(type) ? MUTABLE : PROGRAM;
        }
    };

    private static final ClassValue<Boolean> JDK = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            String n = type.getName();
            return n.startsWith("java.") || n.startsWith("jdk.") || n.startsWith("sun.") || n.startsWith("javax.");
        }
    };

    // ---------------------------------------------------------------- the per-run table

    /** One location: the hash of the step that wrote it last, and the sum of the steps that read it since. */
    static final class Loc {
        long w;
        long r;
        /** The step (its stamp) that last touched this location, and whether that step wrote it. */
        long stamp = -1;
        boolean written;
    }

    /** The locations of one object: the object as a whole, its fields, its elements. */
    static final class Obj {
        final Loc whole = new Loc();
        int[] ids = new int[4];
        Loc[] fields = new Loc[4];
        int nfields;
        Loc[] elements;
        Map<Integer, Loc> bigElements;

        Loc field(int id) {
            for (int i = 0; i < nfields; i++) {
                if (ids[i] == id) {
                    return fields[i];
                }
            }
            if (nfields == ids.length) {
                ids = java.util.Arrays.copyOf(ids, nfields * 2);
                fields = java.util.Arrays.copyOf(fields, nfields * 2);
            }
            Loc l = new Loc();
            ids[nfields] = id;
            fields[nfields++] = l;
            return l;
        }

        Loc element(Object array, int index) {
            if (elements == null && bigElements == null) {
                // the array's length, once: small arrays get a slot per element, large ones a map
                int n = java.lang.reflect.Array.getLength(array);
                if (n <= 4096) {
                    elements = new Loc[Math.max(n, 1)];
                } else {
                    bigElements = new HashMap<>();
                }
            }
            if (elements != null) {
                if (index < 0 || index >= elements.length) {
                    return whole; // the access throws; count it as touching the array
                }
                Loc l = elements[index];
                if (l == null) {
                    l = elements[index] = new Loc();
                }
                return l;
            }
            return bigElements.computeIfAbsent(index, k -> new Loc());
        }
    }

    /** A run's table: every location touched so far, and each thread's open step. */
    static final class Table {
        /**
         * The most objects a run's table has held in this JVM: the next run's table starts that
         * large, so that it does not grow (and rehash) a dozen times in every run.
         */
        private static volatile int lastSize = 64;
        private final IdentityHashMap<Object, Obj> objects = new IdentityHashMap<>(lastSize);
        private final Map<Integer, Loc> statics = new HashMap<>();
        private long stamps;

        void open(Ctl c) {
            c.stepStamp = ++stamps;
        }

        private Obj obj(Object o) {
            Obj x = objects.get(o);
            if (x == null) {
                x = new Obj();
                objects.put(o, x);
                if (objects.size() > lastSize) {
                    lastSize = objects.size();
                }
            }
            return x;
        }

        private void touch(Ctl c, Loc l, boolean write) {
            if (l.stamp != c.stepStamp) {
                l.stamp = c.stepStamp;
                l.written = write;
                c.touched.add(l);
            } else if (write) {
                l.written = true;
            }
        }

        void field(Ctl c, Object o, int id, boolean write) {
            Obj x = obj(o);
            touch(c, x.whole, false);
            touch(c, x.field(id), write);
        }

        void statik(Ctl c, int id, boolean write) {
            touch(c, statics.computeIfAbsent(id, k -> new Loc()), write);
        }

        void element(Ctl c, Object array, int index, boolean write) {
            Obj x = obj(array);
            touch(c, x.whole, false);
            touch(c, x.element(array, index), write);
        }

        void whole(Ctl c, Object o) {
            touch(c, obj(o).whole, true);
        }

        void wholeRead(Ctl c, Object o) {
            touch(c, obj(o).whole, false);
        }

        /** From now on {@code derived} (an iterator, a view) stands for {@code of}: they share one entry. */
        void alias(Object derived, Object of) {
            if (derived != of) {
                objects.put(derived, obj(of));
            }
        }

        /** A location of the scheduler's own (a thread's permit, its end): touched as a field of its Ctl. */
        void sched(Ctl c, Ctl of, int what, boolean write) {
            field(c, of, -1 - what, write);
        }

        /**
         * Closes {@code c}'s step at a yield point: its hash from the last writers (and, for what it
         * wrote, the readers since) of every location it touched; then it becomes their writer or
         * one of their readers. Returns the step's hash.
         */
        long close(Ctl c, int kind) {
            long dep = c.extraDep;
            c.extraDep = 0;
            List<Loc> t = c.touched;
            for (int i = 0, n = t.size(); i < n; i++) {
                Loc l = t.get(i);
                dep += mix(l.w ^ 0x9e3779b97f4a7c15L);
                if (l.written) {
                    dep += mix(l.r ^ 0xc2b2ae3d27d4eb4fL);
                }
            }
            long e = mix(mix(c.h ^ dep) + kind + 0x165667b19e3779f9L);
            if (e == 0) {
                e = 1;
            }
            for (int i = 0, n = t.size(); i < n; i++) {
                Loc l = t.get(i);
                if (l.written) {
                    l.w = e;
                    l.r = 0;
                } else {
                    l.r += mix(e ^ 0x27d4eb2f165667c5L);
                }
            }
            t.clear();
            c.h = e;
            open(c);
            return e;
        }
    }

    /** splitmix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
