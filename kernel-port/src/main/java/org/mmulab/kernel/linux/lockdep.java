// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.function.BooleanSupplier;
import org.mmulab.kernel.KernelSource;

/**
 * {@code include/linux/lockdep.h} as a kernel built with {@code CONFIG_LOCKDEP=n} has it: the hooks
 * ({@code lock_acquire}, {@code lock_release}, {@code lock_contended}, {@code lock_acquired},
 * {@code lockdep_init_map}, {@code lock_set_class}) and the assertions compile to nothing. The
 * lockdep agent weaves the {@code CONFIG_PROVE_LOCKING} / {@code CONFIG_LOCK_STAT} bodies
 * (kernel/locking/lockdep.c) into these methods at class-load time; without it they do nothing,
 * on purpose.
 *
 * <p>The acquire/release macros of lockdep.h 481-508 ({@code spin_acquire}, {@code mutex_acquire},
 * {@code rwsem_acquire_read}, ...) are ported as the static methods they expand to, and the
 * primitives call them exactly where v3.16's spinlock_api_smp.h, rwlock_api_smp.h, mutex.c, rwsem.c
 * and ww_mutex.h do. The {@code ip} arguments are {@link #_RET_IP_()}: the port has no return
 * address to give, and the runtime takes the Java stack instead.
 */
@KernelSource(file = "include/linux/lockdep.h", lines = "1-532", name = "lockdep.h")
public final class lockdep {
    private lockdep() {}

    /**
     * A Java-only test seam, not kernel: when set, every hook of this class and of {@link irqflags}
     * reports its name and arguments to it, so a test can check that a primitive calls the hooks in
     * the kernel's order without the agent. Null (the default) costs one volatile read per hook.
     */
    interface hook_probe {
        void hook(String name, Object... args);
    }

    static volatile hook_probe probe;

    static void probe(String name, Object... args) {
        hook_probe p = probe;
        if (p != null) {
            p.hook(name, args);
        }
    }

    /** {@code _RET_IP_}: the caller's address. The port has none to give; the runtime takes the Java stack. */
    @KernelSource(file = "include/linux/kernel.h", lines = "120", name = "_RET_IP_",
            note = "always 0: a Java method has no return address")
    public static long _RET_IP_() {
        return 0L;
    }

    /** {@code _THIS_IP_}: the current address; 0 in the port, as {@link #_RET_IP_()}. */
    @KernelSource(file = "include/linux/kernel.h", lines = "121", name = "_THIS_IP_",
            note = "always 0: a Java method has no instruction pointer to take")
    public static long _THIS_IP_() {
        return 0L;
    }

    /** The subclass for taking a second lock of one class, one level deep (lockdep.h 474). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "474")
    public static final int SINGLE_DEPTH_NESTING = 1;

    // ---- the hooks: CONFIG_LOCKDEP=y declarations, CONFIG_LOCKDEP=n (empty) bodies ----

    /**
     * Tells lockdep that a lock is being acquired. {@code read}: 0 exclusive, 1 shared, 2 shared
     * with same-instance recursion; {@code check}: 1 for full validation; {@code nest_lock}: the
     * serialising outer lock of a same-class acquisition, or null.
     */
    @KernelSource(file = "include/linux/lockdep.h", lines = "332-334", name = "lock_acquire",
            note = "body empty as the CONFIG_LOCKDEP=n macro at lockdep.h 377; the agent weaves kernel/locking/lockdep.c 3586-3604")
    public static void lock_acquire(lockdep_map lock, int subclass, int trylock, int read, int check,
                                    lockdep_map nest_lock, long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("lock_acquire", lock, subclass, trylock, read, check, nest_lock);
        }
    }

    /** Tells lockdep that a lock was released; {@code nested} 1 means the most recent acquisition. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "336-337", name = "lock_release",
            note = "body empty as the CONFIG_LOCKDEP=n macro at lockdep.h 378; the agent weaves kernel/locking/lockdep.c 3607-3622")
    public static void lock_release(lockdep_map lock, int nested, long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("lock_release", lock, nested);
        }
    }

    /** CONFIG_LOCK_STAT: the lock was found taken and the task is about to wait for it. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "422", name = "lock_contended",
            note = "body empty as the !CONFIG_LOCK_STAT macro at lockdep.h 436; the agent weaves kernel/locking/lockdep.c 3798-3815")
    public static void lock_contended(lockdep_map lock, long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("lock_contended", lock);
        }
    }

    /** CONFIG_LOCK_STAT: the lock is now held (after waiting or not). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "423", name = "lock_acquired",
            note = "body empty as the !CONFIG_LOCK_STAT macro at lockdep.h 437; the agent weaves kernel/locking/lockdep.c 3818-3834")
    public static void lock_acquired(lockdep_map lock, long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("lock_acquired", lock);
        }
    }

    /**
     * Files {@code lock} under {@code name} and {@code key}. The kernel's lockdep_init_map
     * (lockdep.c 2952-2999) also stores name and key into the map; in the port the map always
     * carries them, so the callers ({@link #lockdep_set_class} and friends, the init functions) store
     * them and this hook stays empty.
     */
    @KernelSource(file = "include/linux/lockdep.h", lines = "279-280", name = "lockdep_init_map",
            note = "body empty as the CONFIG_LOCKDEP=n macro at lockdep.h 386-387; the agent weaves kernel/locking/lockdep.c 2952-2999")
    public static void lockdep_init_map(lockdep_map lock, String name, Object key, int subclass) {
        if (lockdep.probe != null) {
            lockdep.probe("lockdep_init_map", lock, name, key, subclass);
        }
    }

    /** Re-keys a lock while it is held (the held-lock stack is rebuilt under the new class). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "343-345", name = "lock_set_class",
            note = "body empty as the CONFIG_LOCKDEP=n macro at lockdep.h 379; the agent weaves kernel/locking/lockdep.c 3563-3579")
    public static void lock_set_class(lockdep_map lock, String name, Object key, int subclass, long ip) {
        if (lockdep.probe != null) {
            lockdep.probe("lock_set_class", lock, name, key, subclass);
        }
    }

    /**
     * Asserts that the current task holds {@code lock} (a {@link spinlock_t}, {@link mutex} or
     * {@link srcu_struct}). Empty without the agent, like the {@code CONFIG_LOCKDEP=n} macro at
     * lockdep.h 414; the agent gives it the meaning of the macro at lockdep.h 361-363.
     */
    @KernelSource(file = "include/linux/lockdep.h", lines = "361-363", name = "lockdep_assert_held",
            note = "body empty as with CONFIG_LOCKDEP=n (lockdep.h 414); the lockdep agent weaves the check")
    public static void lockdep_assert_held(Object lock) {
        // CONFIG_LOCKDEP=n: nothing to check.
    }

    /**
     * Forgets the current task's held locks and the lock chains, and turns {@code debug_locks} back
     * on (the locking self-test calls it between cases). CONFIG_LOCKDEP=n has no lockdep_reset; the
     * port's body does the {@code debug_locks = 1} part on the port's own switch, and the lockdep
     * agent weaves the rest: the runtime forgets its classes and graph too (what the self-test's
     * reset_locks does with lockdep_reset_lock and lockdep_free_key_range on each of its locks).
     */
    @KernelSource(file = "kernel/locking/lockdep.c", lines = "3843-3860", name = "lockdep_reset",
            note = "the agent's body also zaps every class (lockdep_reset_lock / lockdep_free_key_range, lockdep.c 3862-3961, for all locks at once)")
    public static void lockdep_reset() {
        debug_locks.debug_locks_set(1);
        if (lockdep.probe != null) {
            lockdep.probe("lockdep_reset");
        }
    }

    /**
     * {@code current->softirqs_enabled = enabled}: the CONFIG_TRACE_IRQFLAGS field of the task that
     * the locking self-test restores after each case. The field is lockdep's (the runtime keeps it
     * per thread): empty without the agent, which weaves the store.
     */
    @KernelSource(file = "include/linux/sched.h", lines = "1463", name = "softirqs_enabled",
            note = "a store to the task's field, as a hook the agent weaves")
    public static void current_softirqs_enabled_set(int enabled) {
        if (lockdep.probe != null) {
            lockdep.probe("current_softirqs_enabled_set", enabled);
        }
    }

    // ---- re-keying (lockdep.h 295-302): the =y macros, over the port's always-present map ----

    private static void reinit(lockdep_map map, String name, Object key, int subclass) {
        map.name = name;
        map.key = key;
        lockdep_init_map(map, name, key, subclass);
    }

    /** Files the lock under {@code key}, named after the key (the macro stringifies it: {@code #key}). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "295-296", name = "lockdep_set_class",
            note = "=n: lockdep.h 388; the port's map always exists, so it is re-keyed here; key_name is what #key would stringify")
    public static void lockdep_set_class(lockdep_map dep_map, Object key, String key_name) {
        reinit(dep_map, key_name, key, 0);
    }

    /** Files the lock under {@code key} with the name {@code name}. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "297-298", name = "lockdep_set_class_and_name",
            note = "=n: lockdep.h 389-390; the port's map always exists, so it is re-keyed here")
    public static void lockdep_set_class_and_name(lockdep_map dep_map, Object key, String name) {
        reinit(dep_map, name, key, 0);
    }

    /** Files the lock under {@code key} and subclass {@code sub}. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "299-300", name = "lockdep_set_class_and_subclass",
            note = "=n: lockdep.h 391-392; key_name is what #key would stringify")
    public static void lockdep_set_class_and_subclass(lockdep_map dep_map, Object key, String key_name, int sub) {
        reinit(dep_map, key_name, key, sub);
    }

    /** Keeps the key and gives the lock a default subclass; the name becomes {@code lock_name} ({@code #lock}). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "301-303", name = "lockdep_set_subclass",
            note = "=n: lockdep.h 393; lock_name is what #lock would stringify")
    public static void lockdep_set_subclass(lockdep_map dep_map, String lock_name, int sub) {
        reinit(dep_map, lock_name, dep_map.key, sub);
    }

    // ---- the acquire/release macros (lockdep.h 481-508) ----

    @KernelSource(file = "include/linux/lockdep.h", lines = "481")
    public static void lock_acquire_exclusive(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire(l, s, t, 0, 1, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "482")
    public static void lock_acquire_shared(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire(l, s, t, 1, 1, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "483")
    public static void lock_acquire_shared_recursive(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire(l, s, t, 2, 1, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "485")
    public static void spin_acquire(lockdep_map l, int s, int t, long i) {
        lock_acquire_exclusive(l, s, t, null, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "486")
    public static void spin_acquire_nest(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire_exclusive(l, s, t, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "487")
    public static void spin_release(lockdep_map l, int n, long i) {
        lock_release(l, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "489")
    public static void rwlock_acquire(lockdep_map l, int s, int t, long i) {
        lock_acquire_exclusive(l, s, t, null, i);
    }

    /** A reader of an rwlock_t may recurse (an interrupt's reader must not deadlock a task's reader). */
    @KernelSource(file = "include/linux/lockdep.h", lines = "490")
    public static void rwlock_acquire_read(lockdep_map l, int s, int t, long i) {
        lock_acquire_shared_recursive(l, s, t, null, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "491")
    public static void rwlock_release(lockdep_map l, int n, long i) {
        lock_release(l, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "497")
    public static void mutex_acquire(lockdep_map l, int s, int t, long i) {
        lock_acquire_exclusive(l, s, t, null, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "498")
    public static void mutex_acquire_nest(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire_exclusive(l, s, t, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "499")
    public static void mutex_release(lockdep_map l, int n, long i) {
        lock_release(l, n, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "501")
    public static void rwsem_acquire(lockdep_map l, int s, int t, long i) {
        lock_acquire_exclusive(l, s, t, null, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "502")
    public static void rwsem_acquire_nest(lockdep_map l, int s, int t, lockdep_map n, long i) {
        lock_acquire_exclusive(l, s, t, n, i);
    }

    /** A reader of an rw_semaphore may not recurse (read = 1): a waiting writer blocks the second down_read. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "503")
    public static void rwsem_acquire_read(lockdep_map l, int s, int t, long i) {
        lock_acquire_shared(l, s, t, null, i);
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "504")
    public static void rwsem_release(lockdep_map l, int n, long i) {
        lock_release(l, n, i);
    }

    /** A pseudo-lock's acquisition (a workqueue, a flush): no lock word, only the dependency. */
    @KernelSource(file = "include/linux/lockdep.h", lines = "506")
    public static void lock_map_acquire(lockdep_map l) {
        lock_acquire_exclusive(l, 0, 0, null, _THIS_IP_());
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "507")
    public static void lock_map_acquire_read(lockdep_map l) {
        lock_acquire_shared_recursive(l, 0, 0, null, _THIS_IP_());
    }

    @KernelSource(file = "include/linux/lockdep.h", lines = "508")
    public static void lock_map_release(lockdep_map l) {
        lock_release(l, 1, _THIS_IP_());
    }

    /**
     * LOCK_CONTENDED as CONFIG_LOCK_STAT has it: try the lock; when that fails, report the
     * contention and take it the slow way; either way report it acquired. {@code dep_map} is the
     * {@code &(_lock)->dep_map} of the macro.
     */
    @KernelSource(file = "include/linux/lockdep.h", lines = "425-432", name = "LOCK_CONTENDED",
            note = "the CONFIG_LOCK_STAT form; =n (lockdep.h 439-440) only calls lock")
    public static void LOCK_CONTENDED(lockdep_map dep_map, BooleanSupplier try_, Runnable lock) {
        if (!try_.getAsBoolean()) {
            lock_contended(dep_map, _RET_IP_());
            lock.run();
        }
        lock_acquired(dep_map, _RET_IP_());
    }
}
