// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

/**
 * The kinds of report lockdep prints, one per report shape of v3.16 (see {@link Reports}). A test
 * that breaks a rule on purpose names the kind it expects
 * ({@code @Lockdep(expect = ReportKind.CIRCULAR_DEPENDENCY)}).
 */
public enum ReportKind {
    /** {@code [ INFO: possible circular locking dependency detected ]}: a lock order that inverts one seen before. */
    CIRCULAR_DEPENDENCY,
    /** {@code [ INFO: possible recursive locking detected ]}: a lock class taken again while held. */
    RECURSIVE_LOCKING,
    /** {@code [ BUG: bad unlock balance detected! ]}: an unlock of a lock this thread does not hold. */
    BAD_UNLOCK_BALANCE,
    /** The WARN of a failed {@code lockdep_assert_held}: the lock is not held by this thread. */
    ASSERT_HELD,
    /** {@code BUG: sleeping function called from invalid context}: might_sleep under a spinlock or with irqs off. */
    SLEEP_IN_ATOMIC,
    /** {@code [ BUG: COMM/PID still has locks held! ]}: a thread (or a test) ended with locks held. */
    LOCKS_HELD_AT_EXIT,
    /** {@code [ BUG: lock held when returning to user space! ]}: an ioctl returned with a lock held. */
    HELD_RETURNING_TO_USER,
    /** {@code BUG: MAX_LOCK_DEPTH too low!}: 48 locks held at once; lockdep turns itself off. */
    MAX_LOCK_DEPTH;

    /** What a folded repeat is called in {@code [the same WARN 3 more times]}. */
    String repeatLabel() {
        switch (this) {
            case ASSERT_HELD:
                return "WARN";
            case SLEEP_IN_ATOMIC:
            case MAX_LOCK_DEPTH:
                return "BUG";
            default:
                return "report";
        }
    }
}
