// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.lang.reflect.Field;

/**
 * Reads {@code lock.dep_map.name} and {@code lock.dep_map.key} by reflection, so the runtime
 * never links against kernel-port classes (the port may be loaded by several class loaders).
 * Field lookups are cached per Class. A lock without a {@code dep_map} field is filed under its
 * Java class: name = simple class name, key = the Class object.
 */
final class LockNames {
    private LockNames() {}

    private static final class Access {
        final Field depMap; // null: no dep_map
        /** The class itself is shaped like a lockdep_map (name and key fields, no dep_map). */
        final boolean isMap;
        /** A spinning lock type (spinlock_t, raw_spinlock_t, rwlock_t): it holds preemption off. */
        final boolean spinning;

        Access(Field depMap, boolean isMap, boolean spinning) {
            this.depMap = depMap;
            this.isMap = isMap;
            this.spinning = spinning;
        }
    }

    /** The port's spinning lock types, by simple name (the rest sleep: mutex, rw_semaphore, ww_mutex). */
    private static final java.util.Set<String> SPINNING = java.util.Set.of(
            "spinlock_t", "raw_spinlock_t", "rwlock_t", "arch_spinlock_t", "spinlock", "raw_spinlock");

    private static final class MapAccess {
        final Field name;
        final Field key;
        /** CONFIG_LOCK_STAT's cpu and ip (lockdep.h 154-157), or null on a map without them. */
        final java.lang.invoke.VarHandle cpu;
        final java.lang.invoke.VarHandle ip;

        MapAccess(Field name, Field key, Field cpu, Field ip) {
            this.name = name;
            this.key = key;
            this.cpu = cpu != null && cpu.getType() == long.class ? handle(cpu) : null;
            this.ip = ip != null && ip.getType() == Object.class ? handle(ip) : null;
        }

        private static java.lang.invoke.VarHandle handle(Field f) {
            try {
                return java.lang.invoke.MethodHandles.lookup().unreflectVarHandle(f);
            } catch (IllegalAccessException e) {
                return null;
            }
        }
    }

    private static final ClassValue<Access> LOCKS = new ClassValue<>() {
        @Override
        protected Access computeValue(Class<?> c) {
            Field dm = field(c, "dep_map");
            boolean isMap = dm == null && field(c, "name") != null && field(c, "key") != null;
            return new Access(dm, isMap, SPINNING.contains(c.getSimpleName()));
        }
    };

    private static final ClassValue<MapAccess> MAPS = new ClassValue<>() {
        @Override
        protected MapAccess computeValue(Class<?> c) {
            return new MapAccess(field(c, "name"), field(c, "key"), field(c, "cpu"), field(c, "ip"));
        }
    };

    private static Field field(Class<?> c, String name) {
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField(name);
                f.trySetAccessible();
                return f;
            } catch (NoSuchFieldException e) {
                // keep looking in the superclass
            }
        }
        return null;
    }

    private static Object get(Field f, Object o) {
        if (f == null || o == null) {
            return null;
        }
        try {
            return f.get(o);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    /**
     * The lockdep_map of {@code lock}: its dep_map field, or {@code lock} itself when it is shaped
     * like a map (the contract's hooks pass the map), or null for a lock without one.
     */
    static Object depMap(Object lock) {
        Access a = LOCKS.get(lock.getClass());
        if (a.isMap) {
            return lock;
        }
        return get(a.depMap, lock);
    }

    /**
     * What the kernel compares as {@code hlock->instance}: the lock's map, or the lock itself when
     * it has none.
     */
    static Object instance(Object lock) {
        Object m = depMap(lock);
        return m != null ? m : lock;
    }

    /** {@code lock->cpu} of the map {@code instance} (CONFIG_LOCK_STAT), or -1 when it has none. */
    static long statCpu(Object instance) {
        MapAccess a = MAPS.get(instance.getClass());
        return a.cpu == null ? -1 : (long) a.cpu.getVolatile(instance);
    }

    /** {@code lock->ip} of the map {@code instance}, or null. */
    static Object statIp(Object instance) {
        MapAccess a = MAPS.get(instance.getClass());
        return a.ip == null ? null : (Object) a.ip.getVolatile(instance);
    }

    /** Sets {@code lock->cpu} and {@code lock->ip} (__lock_acquired's tail); a map without them is left alone. */
    static void setStat(Object instance, long cpu, Object ip) {
        MapAccess a = MAPS.get(instance.getClass());
        if (a.cpu != null && a.ip != null) {
            a.cpu.setVolatile(instance, cpu);
            a.ip.setVolatile(instance, ip);
        }
    }

    private static final ClassValue<Field> OWNER = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> c) {
            return field(c, "owner");
        }
    };

    /**
     * Whether {@code lock} spins (spinlock_t, rwlock_t): for a map, its {@code owner}'s type (the
     * port's container_of); for a lock with a dep_map, its own type.
     */
    static boolean spinning(Object lock) {
        Access a = LOCKS.get(lock.getClass());
        if (a.isMap) {
            Object owner = get(OWNER.get(lock.getClass()), lock);
            return owner != null && LOCKS.get(owner.getClass()).spinning;
        }
        return a.spinning;
    }

    /**
     * The class whose frames stand for the lock's inline wrappers, skipped when the runtime looks
     * for the acquisition site: for a map, its owner's (spinlock_t for spin_lock's map), else the
     * lock's own.
     */
    static Class<?> siteClass(Object lock) {
        Access a = LOCKS.get(lock.getClass());
        if (a.isMap) {
            Object owner = get(OWNER.get(lock.getClass()), lock);
            return owner != null ? owner.getClass() : lock.getClass();
        }
        return lock.getClass();
    }

    /** dep_map.name, or the simple class name when there is none. */
    static String name(Object lock) {
        Object map = depMap(lock);
        if (map != null) {
            Object n = get(MAPS.get(map.getClass()).name, map);
            if (n != null) {
                return n.toString();
            }
        }
        return lock.getClass().getSimpleName();
    }

    /** dep_map.key (falling back to the name), or the lock's Class when there is no dep_map. */
    static Object key(Object lock) {
        Object map = depMap(lock);
        if (map == null) {
            return lock.getClass();
        }
        MapAccess a = MAPS.get(map.getClass());
        Object k = get(a.key, map);
        if (k != null) {
            return k;
        }
        Object n = get(a.name, map);
        return n != null ? n : map;
    }

    /**
     * lockdep_init_map's stores (kernel/locking/lockdep.c 2974, 2992): sets the map's {@code name}
     * and {@code key} where they are writable (the port's lockdep_map makes {@code key} settable
     * for lockdep_set_class); a final field is left as it is. Best effort: false when nothing
     * could be set.
     */
    static boolean setNameKey(Object lock, String name, Object key) {
        Object map = depMap(lock);
        if (map == null) {
            return false;
        }
        MapAccess a = MAPS.get(map.getClass());
        boolean set = false;
        set |= put(a.name, map, name);
        set |= put(a.key, map, key);
        return set;
    }

    private static boolean put(Field f, Object o, Object v) {
        if (f == null || v == null || java.lang.reflect.Modifier.isFinal(f.getModifiers()) || !f.getType().isInstance(v)) {
            return false;
        }
        try {
            f.set(o, v);
            return true;
        } catch (IllegalAccessException e) {
            return false;
        }
    }
}
