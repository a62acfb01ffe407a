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

        Access(Field depMap) {
            this.depMap = depMap;
        }
    }

    private static final class MapAccess {
        final Field name;
        final Field key;

        MapAccess(Field name, Field key) {
            this.name = name;
            this.key = key;
        }
    }

    private static final ClassValue<Access> LOCKS = new ClassValue<>() {
        @Override
        protected Access computeValue(Class<?> c) {
            return new Access(field(c, "dep_map"));
        }
    };

    private static final ClassValue<MapAccess> MAPS = new ClassValue<>() {
        @Override
        protected MapAccess computeValue(Class<?> c) {
            return new MapAccess(field(c, "name"), field(c, "key"));
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

    /** The lockdep_map object of {@code lock}, or null. */
    static Object depMap(Object lock) {
        return get(LOCKS.get(lock.getClass()).depMap, lock);
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
}
