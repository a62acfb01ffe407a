// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/** One entry of a thread's held-lock stack (the kernel's {@code struct held_lock}). */
final class HeldLock {
    final Object instance;
    final LockClass cls;
    /** The acquisition site, class.method(File:line), printed where the kernel prints [<ip>] sym. */
    final Object site;
    final boolean trylock;
    final boolean spin;
    /** The thread's chain key before this entry was pushed. */
    long prevChainKey;

    HeldLock(Object instance, LockClass cls, Object site, boolean trylock, boolean spin, long prevChainKey) {
        this.instance = instance;
        this.cls = cls;
        this.site = site;
        this.trylock = trylock;
        this.spin = spin;
        this.prevChainKey = prevChainKey;
    }
}
