// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import net.bytebuddy.asm.Advice;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.TlbTrace;

/**
 * The advice woven into the port's primitives. Each body is one call into {@link Lockdep}, so the
 * checks are ordinary, testable Java. Lock events run before the lock is taken (as
 * {@code lock_acquire} does), so a recursive or inverted acquisition is reported before it can
 * hang. Advice failures are suppressed unless they are lockdep's own error in fail mode.
 */
final class LockdepAdvice {
    private LockdepAdvice() {}

    /** spin_lock(spinlock_t) */
    static final class SpinLock {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.acquire(lock, true);
        }
    }

    /** spin_unlock(spinlock_t): released after the unlock, so nothing runs between. */
    static final class SpinUnlock {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.release(lock);
        }
    }

    /** mutex_trylock(mutex): held only if it succeeded. */
    static final class MutexTrylock {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object lock, @Advice.Return boolean taken) {
            if (taken) {
                Lockdep.acquireTry(lock, false);
            }
        }
    }

    /** mutex_unlock(mutex) */
    static final class MutexUnlock {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.release(lock);
        }
    }

    /** lockdep_assert_held(lock) */
    static final class AssertHeld {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.assertHeld(lock);
        }
    }

    /** __might_sleep(file, line, preempt_offset) */
    static final class MightSleep {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String file, @Advice.Argument(1) int line, @Advice.Argument(2) int offset) {
            Lockdep.mightSleep(file, line, offset);
        }
    }

    /**
     * kvm_flush_remote_tlbs(kvm): a JFR event begun at entry and committed at exit (so it has the
     * flush's duration); the IPI answer comes from make_all_cpus_request's advice.
     */
    static final class Flush {
        @Advice.OnMethodEnter
        static Object enter() {
            FlushIpi.reset();
            return TlbTrace.flushStarted();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object started) {
            TlbTrace.flushed(started, FlushIpi.sent());
        }
    }

    /** make_all_cpus_request(kvm, req): remembers whether an IPI went out. */
    static final class AllCpusRequest {
        @Advice.OnMethodExit
        static void exit(@Advice.Return boolean called) {
            FlushIpi.record(called);
        }
    }

    /** mmu_spte_update(sptep, new_spte): a flush owed? */
    static final class SpteUpdate {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) long sptep, @Advice.Argument(1) long spte, @Advice.Return boolean owed) {
            TlbTrace.spteUpdated(sptep, spte, owed);
        }
    }

    /** kvm_vm_ioctl / kvm_vcpu_ioctl: returning to user space with a lock held is a bug. */
    static final class IoctlExit {
        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Thrown Throwable thrown) {
            Lockdep.returnToUser(thrown); // a LockdepError unwinding gets this one as suppressed (mode=fail)
        }
    }

    /** debug_locks_off(): an oops (or anything else) turned lock debugging off in the port. */
    static final class DebugLocksOff {
        @Advice.OnMethodExit
        static void exit() {
            Lockdep.debugLocksOff();
        }
    }

    /** local_irq_disable() */
    static final class IrqDisable {
        @Advice.OnMethodExit
        static void exit() {
            Lockdep.irqsOff();
        }
    }

    /** local_irq_enable(), and safe_halt which turns interrupts on too. */
    static final class IrqEnable {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.irqsOn();
        }
    }
}
