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
    MAX_LOCK_DEPTH,
    /** {@code [ INFO: inconsistent lock state ]}: a class used both in an irq and with that irq enabled. */
    INCONSISTENT_LOCK_STATE,
    /** {@code [ INFO: possible irq lock inversion dependency detected ]}: a new usage bit makes an old dependency illegal. */
    IRQ_LOCK_INVERSION,
    /** {@code [ INFO: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected ]} (and SOFTIRQ, -READ): a new dependency joins them. */
    IRQ_SAFE_TO_UNSAFE,
    /** {@code [ BUG: bad contention detected! ]}: lock_contended for a lock this thread has not acquired. */
    BAD_CONTENTION,
    /** {@code [ BUG: Nested lock was not taken ]}: a nest_lock acquisition without the nest lock held. */
    NESTED_LOCK_NOT_TAKEN,
    /** {@code BUG: looking up invalid subclass: N}: a subclass of 8 or more; lockdep turns itself off. */
    INVALID_SUBCLASS,
    /** {@code BUG: MAX_LOCKDEP_KEYS too low!}: 8191 lock classes; lockdep turns itself off. */
    MAX_LOCKDEP_KEYS,
    /** {@code BUG: MAX_LOCKDEP_ENTRIES too low!}: 32768 dependency list entries; lockdep turns itself off. */
    MAX_LOCKDEP_ENTRIES,
    /** {@code BUG: MAX_LOCKDEP_CHAINS too low!}: 65536 lock chains; lockdep turns itself off. */
    MAX_LOCKDEP_CHAINS,
    /** {@code [ BUG: held lock freed! ]}: a lock the task holds is re-initialised (debug_check_no_locks_freed). */
    HELD_LOCK_FREED;

    /** What a folded repeat is called in {@code [the same WARN 3 more times]}. */
    String repeatLabel() {
        switch (this) {
            case ASSERT_HELD:
                return "WARN";
            case SLEEP_IN_ATOMIC:
            case MAX_LOCK_DEPTH:
            case INVALID_SUBCLASS:
            case MAX_LOCKDEP_KEYS:
            case MAX_LOCKDEP_ENTRIES:
            case MAX_LOCKDEP_CHAINS:
                return "BUG";
            default:
                return "report";
        }
    }
}
