// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.util.List;
import net.bytebuddy.asm.Advice;
import org.mmulab.lockdep.explore.Sched;

/**
 * The yield points of {@code explore=true}: advice woven at the port's and the machine's events.
 * Each body is one call into {@link Sched}, which records what happened (an event with the
 * values, no text) and does nothing outside a controlled run. Lock
 * events come in pairs: a yield point before the lock is tried (another thread may take it
 * first) and one after it is held (another thread may now find it taken).
 */
final class ExploreAdvice {
    private ExploreAdvice() {}

    /** spin_lock, mutex_lock */
    static final class Lock {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object lock) {
            Sched.lockWait(lock);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object lock) {
            Sched.locked(lock);
        }
    }

    /** mutex_trylock */
    static final class Trylock {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object lock, @Advice.Return boolean taken) {
            if (taken) {
                Sched.locked(lock);
            }
        }
    }

    /** spin_unlock, mutex_unlock: after the lock is free. */
    static final class Unlock {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object lock) {
            Sched.unlocked(lock);
        }
    }

    /** mm.assign: {@code *sptep = v}. */
    static final class Assign {
        @Advice.OnMethodEnter
        static long enter(@Advice.Argument(0) long addr) {
            return Sched.peek(addr);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) long addr, @Advice.Argument(1) long v, @Advice.Enter long old) {
            Sched.spte(addr, old, v);
        }
    }

    /** mm.xchg64 */
    static final class Xchg {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) long addr, @Advice.Argument(1) long v, @Advice.Return long old) {
            Sched.spte(addr, old, v);
        }
    }

    /** mm.cmpxchg64 */
    static final class Cmpxchg {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) long addr, @Advice.Argument(1) long expected, @Advice.Argument(2) long v,
                         @Advice.Return long seen) {
            if (seen == expected) {
                Sched.spte(addr, expected, v);
            } else {
                Sched.spteCasFailed(addr);
            }
        }
    }

    /** Cpu.access(vmcs, gfn, write, word, value): a guest access, before the TLB lookup. */
    static final class Access {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(1) long gfn, @Advice.Argument(2) boolean write) {
            Sched.access(gfn, write);
        }
    }

    /** SoftTlb.lookup(gfn) */
    static final class Lookup {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) long gfn, @Advice.Return Object entry) {
            Sched.tlbLookup(gfn, entry);
        }
    }

    /** SoftTlb.fill(gfn, pfn, writable): a yield point before the entry goes in. */
    static final class Fill {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) long gfn, @Advice.Argument(2) boolean writable) {
            Sched.tlbFill(gfn, writable);
        }
    }

    /** SoftTlb.flush() */
    static final class TlbFlush {
        @Advice.OnMethodExit
        static void exit(@Advice.Return int dropped) {
            Sched.tlbFlush(dropped);
        }
    }

    /** kvm_flush_remote_tlbs */
    static final class RemoteFlush {
        @Advice.OnMethodEnter
        static void enter() {
            Sched.flushBegin();
        }

        @Advice.OnMethodExit
        static void exit() {
            Sched.flushEnd();
        }
    }

    /** kvm_make_request(req, vcpu): after the bit is set, so the row means the request is there. */
    static final class MakeRequest {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) int req, @Advice.Argument(1) Object vcpu) {
            Sched.request(req, vcpu);
        }
    }

    /** kvm_check_request(req, vcpu): a yield point only when the request was pending. */
    static final class CheckRequest {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) int req, @Advice.Return boolean seen) {
            if (seen) {
                Sched.requestSeen(req);
            }
        }
    }

    /** kvm_vcpu_kick(vcpu): after the kick was sent. */
    static final class Kick {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) Object vcpu) {
            Sched.kick(vcpu);
        }
    }

    /** kvm_vm_ioctl(kvm, ioctl, arg) */
    static final class Ioctl {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(1) int cmd) {
            Sched.ioctl(cmd);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Argument(1) int cmd, @Advice.Return long r) {
            Sched.ioctlDone(cmd, r);
        }
    }

    /** kvm_mmu_slot_remove_write_access: entered and about to return. */
    static final class SlotWriteProtect {
        @Advice.OnMethodEnter
        static void enter() {
            Sched.mark("kvm_mmu_slot_remove_write_access");
        }

        @Advice.OnMethodExit
        static void exit() {
            Sched.markDone("kvm_mmu_slot_remove_write_access");
        }
    }

    /** Oracle.checkDirtyLogCompleteness */
    static final class CheckDirtyLog {
        @Advice.OnMethodExit
        static void exit(@Advice.Return List<?> violations) {
            Sched.check("1", violations);
        }
    }

    /** Oracle.checkShadowProtected */
    static final class CheckShadow {
        @Advice.OnMethodExit
        static void exit(@Advice.Return List<?> violations) {
            Sched.check("2", violations);
        }
    }
}
