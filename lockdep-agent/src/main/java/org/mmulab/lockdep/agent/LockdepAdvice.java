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

    /**
     * lock_acquire(lock, subclass, trylock, read, check, nest_lock, ip): every primitive's acquire
     * macro (spin_acquire, rwlock_acquire_read, mutex_acquire_nest, ...) ends here, before the lock
     * is taken, as in the kernel.
     */
    static final class LockAcquire {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock, @Advice.Argument(1) int subclass, @Advice.Argument(2) int trylock,
                          @Advice.Argument(3) int read, @Advice.Argument(4) int check, @Advice.Argument(5) Object nestLock) {
            Lockdep.lock_acquire(lock, subclass, trylock, read, check, nestLock);
        }
    }

    /** lock_release(lock, nested, ip): before the lock is released, as in the kernel. */
    static final class LockRelease {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock, @Advice.Argument(1) int nested) {
            Lockdep.lock_release(lock, nested);
        }
    }

    /** lock_contended(lock, ip): LOCK_CONTENDED's trylock failed; the task waits. */
    static final class LockContended {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.lock_contended(lock);
        }
    }

    /** lock_acquired(lock, ip): the lock is taken (after waiting or not). */
    static final class LockAcquired {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Lockdep.lock_acquired(lock);
        }
    }

    /** lockdep_init_map(lock, name, key, subclass) */
    static final class InitMap {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock, @Advice.Argument(1) String name, @Advice.Argument(2) Object key,
                          @Advice.Argument(3) int subclass) {
            Lockdep.lockdep_init_map(lock, name, key, subclass);
        }
    }

    /** lock_set_class(lock, name, key, subclass, ip) */
    static final class SetClass {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock, @Advice.Argument(1) String name, @Advice.Argument(2) Object key,
                          @Advice.Argument(3) int subclass) {
            Lockdep.lock_set_class(lock, name, key, subclass);
        }
    }

    /** trace_hardirqs_on(), and safe_halt, which turns interrupts on too. */
    static final class HardirqsOn {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_hardirqs_on();
        }
    }

    /** trace_hardirqs_off() */
    static final class HardirqsOff {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_hardirqs_off();
        }
    }

    /** trace_softirqs_on(ip) */
    static final class SoftirqsOn {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_softirqs_on();
        }
    }

    /** trace_softirqs_off(ip) */
    static final class SoftirqsOff {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_softirqs_off();
        }
    }

    /** trace_hardirq_enter() */
    static final class HardirqEnter {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_hardirq_enter();
        }
    }

    /** trace_hardirq_exit() */
    static final class HardirqExit {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.trace_hardirq_exit();
        }
    }

    /** lockdep_softirq_enter() */
    static final class SoftirqEnter {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.lockdep_softirq_enter();
        }
    }

    /** lockdep_softirq_exit() */
    static final class SoftirqExit {
        @Advice.OnMethodEnter
        static void enter() {
            Lockdep.lockdep_softirq_exit();
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

    /** debug_locks_on(): the kernel's debug_locks also reads false once the runtime has turned itself off. */
    static final class DebugLocksOn {
        @Advice.OnMethodExit
        static void exit(@Advice.Return(readOnly = false) boolean on) {
            on = on && Lockdep.enabled();
        }
    }

    /** debug_locks_silent_set(silent): the runtime stops printing its reports while it is set. */
    static final class DebugLocksSilent {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) int silent) {
            Lockdep.debug_locks_silent(silent != 0);
        }
    }

    /** debug_check_no_locks_freed(mem, len): the lock initialisers' check for a held lock in {@code mem}. */
    static final class CheckNoLocksFreed {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object mem) {
            Lockdep.debug_check_no_locks_freed(mem);
        }
    }

    /** lockdep_reset(): the runtime forgets its classes, graph, chains and held locks. */
    static final class LockdepReset {
        @Advice.OnMethodExit
        static void exit() {
            Lockdep.lockdep_reset();
        }
    }

    /** current_softirqs_enabled_set(enabled): the task's softirqs_enabled, which the runtime keeps. */
    static final class SoftirqsEnabledSet {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) int enabled) {
            Lockdep.current_softirqs_enabled(enabled != 0);
        }
    }

    /** debug_locks_off(): an oops (or anything else) turned lock debugging off in the port. */
    static final class DebugLocksOff {
        @Advice.OnMethodExit
        static void exit() {
            Lockdep.debugLocksOff();
        }
    }
}
