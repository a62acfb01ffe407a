// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/**
 * One entry of a thread's held-lock stack (the kernel's {@code struct held_lock}). Entries live in
 * {@link HeldLocks}' preallocated array and are refilled in place, as the kernel refills
 * {@code curr->held_locks[depth]}, so taking a lock allocates nothing.
 */
final class HeldLock {
    Object instance;
    LockClass cls;
    /** The acquisition site, class.method(File:line), printed where the kernel prints [<ip>] sym. */
    Object site;
    boolean trylock;
    boolean spin;
    /** The thread's chain key before this entry was pushed. */
    long prevChainKey;

    /**
     * Refills the entry. A reference is stored only when it changes: a lock retaken at the same
     * depth finds its entry as it left it, and skips the GC's card-marking barrier on each store.
     */
    HeldLock set(Object instance, LockClass cls, Object site, boolean trylock, boolean spin, long prevChainKey) {
        if (this.instance != instance) {
            this.instance = instance;
        }
        if (this.cls != cls) {
            this.cls = cls;
        }
        if (this.site != site) {
            this.site = site;
        }
        this.trylock = trylock;
        this.spin = spin;
        this.prevChainKey = prevChainKey;
        return this;
    }
}
