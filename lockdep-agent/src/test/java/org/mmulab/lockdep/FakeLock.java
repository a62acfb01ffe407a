// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/** A lock shaped like the port's spinlock_t / mutex: a public final dep_map with name and key. */
public final class FakeLock {
    /** Shaped like the port's lockdep_map. */
    public static final class Map {
        public final String name;
        public final Object key;
        /** CONFIG_LOCK_STAT's cpu and ip, as the port's lockdep_map has them. */
        public volatile long cpu;
        public volatile Object ip;

        Map(String name, Object key) {
            this.name = name;
            this.key = key;
        }
    }

    public final Map dep_map;

    /** Key = name, as in the port: every lock with this name is one class. */
    public FakeLock(String name) {
        this.dep_map = new Map(name, name);
    }

    public FakeLock(String name, Object key) {
        this.dep_map = new Map(name, key);
    }
}
