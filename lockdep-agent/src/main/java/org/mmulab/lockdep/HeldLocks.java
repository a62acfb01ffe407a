// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A thread's held-lock stack: the kernel's {@code held_locks[MAX_LOCK_DEPTH]} array with
 * {@code lockdep_depth} (v3.16 include/linux/sched.h, task_struct). The entry above the top,
 * {@link #next()}, is filled and validated before {@link #push()} counts it, the way
 * {@code __lock_acquire} fills {@code curr->held_locks + depth} first. Unlike the kernel's array
 * this one grows past {@link Lockdep#MAX_LOCK_DEPTH}: once lockdep has turned itself off the
 * stack is still kept, because might_sleep reads the spinlock count from it.
 */
final class HeldLocks implements Iterable<HeldLock> {
    private HeldLock[] slots = new HeldLock[Lockdep.MAX_LOCK_DEPTH + 1];
    private int depth;

    HeldLocks() {
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new HeldLock();
        }
    }

    int size() {
        return depth;
    }

    boolean isEmpty() {
        return depth == 0;
    }

    HeldLock get(int i) {
        if (i < 0 || i >= depth) {
            throw new IndexOutOfBoundsException(i);
        }
        return slots[i];
    }

    /**
     * Spinlocks held: what spin_lock added to preempt_count. Counted when might_sleep asks rather
     * than kept up to date on every lock and unlock, which would put one more read-modify-write
     * on the fast path for a question asked far less often.
     */
    int spinCount() {
        int n = 0;
        for (int i = 0; i < depth; i++) {
            if (slots[i].spin) {
                n++;
            }
        }
        return n;
    }

    /** The free entry above the top, to be filled before {@link #push()}. */
    HeldLock next() {
        if (depth == slots.length) {
            HeldLock[] more = java.util.Arrays.copyOf(slots, slots.length * 2);
            for (int i = slots.length; i < more.length; i++) {
                more[i] = new HeldLock();
            }
            slots = more;
        }
        return slots[depth];
    }

    /** Counts the entry {@link #next()} returned as held. */
    void push() {
        depth++;
    }

    /**
     * Removes entry i, moving the ones above it down. The removed entry becomes the free one above
     * the top, so its fields stay readable until the next {@link #next()} is filled.
     */
    HeldLock remove(int i) {
        HeldLock h = get(i);
        if (i == depth - 1) {
            depth--; // the usual case, the top: nothing moves
            return h;
        }
        System.arraycopy(slots, i + 1, slots, i, depth - i - 1);
        slots[--depth] = h;
        return h;
    }

    /** Drops the entries from {@code n} up (curr->lockdep_depth = n); they stay readable until refilled. */
    void truncate(int n) {
        if (n < 0 || n > depth) {
            throw new IndexOutOfBoundsException(n);
        }
        depth = n;
    }

    /** The top entry, or null when none is held. */
    HeldLock top() {
        return depth == 0 ? null : slots[depth - 1];
    }

    @Override
    public Iterator<HeldLock> iterator() {
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < depth;
            }

            @Override
            public HeldLock next() {
                if (i >= depth) {
                    throw new NoSuchElementException();
                }
                return slots[i++];
            }
        };
    }
}
