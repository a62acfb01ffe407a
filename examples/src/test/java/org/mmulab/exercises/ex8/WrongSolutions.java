// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex8;

import static org.mmulab.kernel.linux.kvm_host_h.EXITING_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_RELOAD;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_check_request;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_make_request;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_vcpu_exiting_guest_mode;

import java.util.List;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Grade;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.cpumask;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.sched;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.srcu_struct;
import org.mmulab.kernel.linux.task_struct;

/**
 * Wrong solutions of exercise 8 that a student could plausibly write, each swapped into the port in
 * place of {@code vcpu_enter_guest} or {@code make_all_cpus_request} (whole methods: the parts
 * outside the regions are v3.16's): every one must lose points ({@code ExercisesTest}).
 */
public final class WrongSolutions {
    private WrongSolutions() {}

    static final String X86 = "org/mmulab/kernel/arch/x86/kvm/x86";
    static final String KVM_MAIN = "org/mmulab/kernel/virt/kvm/kvm_main";
    static final String ENTER = "(Lorg/mmulab/kernel/linux/kvm_vcpu;)I";
    static final String REQUEST = "(Lorg/mmulab/kernel/linux/kvm;I)Z";

    static Grade.Target entry(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(X86, "vcpu_enter_guest", ENTER, c.getName().replace('.', '/'))));
    }

    static Grade.Target requester(String label, Class<?> c) {
        return Grade.Target.swapped(label, List.of(Swap.replace(KVM_MAIN, "make_all_cpus_request", REQUEST, c.getName().replace('.', '/'))));
    }

    public static List<Grade.Target> all() {
        return List.of(
                entry("checks the requests before publishing IN_GUEST_MODE", ChecksBeforePublishing.class),
                entry("publishes IN_GUEST_MODE but does not look at the requests again", NoRecheck.class),
                requester("the requester reads the mode before it sets the request", ModeBeforeRequest.class),
                entry("backs out but leaves vcpu->mode at IN_GUEST_MODE", BackOutKeepsMode.class),
                entry("backs out on requests but ignores a kick (EXITING_GUEST_MODE)", IgnoresKick.class),
                entry("no barrier on the entry side: publishes IN_GUEST_MODE and reads the requests with no smp_mb between",
                        NoEntryBarrier.class),
                requester("no barrier on the kick side: sets the request and reads the mode with no smp_mb between",
                        NoRequesterBarrier.class),
                entry("backs out and turns interrupts on before the barrier after OUTSIDE_GUEST_MODE", BackOutBarrierLate.class));
    }

    /** The top of vcpu_enter_guest, as v3.16 has it (outside the region). */
    static int top(kvm_vcpu vcpu) {
        if (vcpu.requests.get() != 0) {
            if (kvm_check_request(KVM_REQ_MMU_RELOAD, vcpu)) {
                mmu.kvm_mmu_unload(vcpu);
            }
            if (kvm_check_request(org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_SYNC, vcpu)) {
                // nothing to sync on a direct map
            }
            if (kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu)) {
                x86.kvm_x86_ops.tlb_flush(vcpu);
            }
        }
        return mmu_h.kvm_mmu_reload(vcpu);
    }

    /** The bottom of vcpu_enter_guest, as v3.16 has it (outside the region). */
    static int bottom(kvm_vcpu vcpu) {
        x86.kvm_x86_ops.run(vcpu);
        vcpu.set_mode(OUTSIDE_GUEST_MODE);
        smp.smp_mb();
        irqflags.local_irq_enable();
        vcpu.stat.exits.incrementAndGet();
        preempt.preempt_enable();
        vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);
        return x86.kvm_x86_ops.handle_exit(vcpu);
    }

    static int backOut(kvm_vcpu vcpu) {
        vcpu.set_mode(OUTSIDE_GUEST_MODE);
        smp.smp_mb();
        irqflags.local_irq_enable();
        preempt.preempt_enable();
        vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);
        return 1;
    }

    /** Looks at the requests with interrupts off, then says it is in guest mode: a request in between is missed. */
    public static final class ChecksBeforePublishing {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            irqflags.local_irq_disable();
            if (vcpu.mode() == EXITING_GUEST_MODE || vcpu.requests.get() != 0 || sched.need_resched()
                    || sched.signal_pending(task_struct.current())) {
                irqflags.local_irq_enable();
                preempt.preempt_enable();
                return 1;
            }
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            smp.smp_mb();
            return bottom(vcpu);
        }
    }

    /** Publishes IN_GUEST_MODE and trusts the kick alone: a request made while the mode still read OUTSIDE is missed. */
    public static final class NoRecheck {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            smp.smp_mb();
            irqflags.local_irq_disable();
            if (vcpu.mode() == EXITING_GUEST_MODE || sched.need_resched() || sched.signal_pending(task_struct.current())) {
                return backOut(vcpu);
            }
            return bottom(vcpu);
        }
    }

    /** Right entry, but the back-out forgets to leave guest mode: later requesters interrupt a vCPU that is not there. */
    public static final class BackOutKeepsMode {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            smp.smp_mb();
            irqflags.local_irq_disable();
            if (vcpu.mode() == EXITING_GUEST_MODE || vcpu.requests.get() != 0 || sched.need_resched()
                    || sched.signal_pending(task_struct.current())) {
                irqflags.local_irq_enable();
                preempt.preempt_enable();
                vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);
                return 1;
            }
            return bottom(vcpu);
        }
    }

    /** Re-checks the requests, but not whether a kick moved it to EXITING_GUEST_MODE meanwhile. */
    public static final class IgnoresKick {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            smp.smp_mb();
            irqflags.local_irq_disable();
            if (vcpu.requests.get() != 0 || sched.need_resched() || sched.signal_pending(task_struct.current())) {
                return backOut(vcpu);
            }
            return bottom(vcpu);
        }
    }

    /** Decides whom to interrupt first, then sets the requests: a vCPU that enters in between sees neither. */
    public static final class ModeBeforeRequest {
        public static boolean make_all_cpus_request(kvm kvm, int req) {
            int cpu;
            int me;
            cpumask cpus = new cpumask();
            boolean called = true;
            me = smp.get_cpu();
            try {
                for (int i = 0; i < kvm.online_vcpus.get(); i++) {
                    kvm_vcpu vcpu = kvm.vcpus[i];
                    cpu = vcpu.cpu;
                    if (cpu != -1 && cpu != me && kvm_vcpu_exiting_guest_mode(vcpu) != OUTSIDE_GUEST_MODE) {
                        cpumask.cpumask_set_cpu(cpu, cpus);
                    }
                    smp.smp_mb();
                    kvm_make_request(req, vcpu);
                }
                if (!cpumask.cpumask_empty(cpus)) {
                    smp.smp_call_function_many(cpus, x -> { }, null, true);
                } else {
                    called = false;
                }
            } finally {
                smp.put_cpu();
            }
            return called;
        }
    }

    /** Right order, but no barrier between the store of IN_GUEST_MODE and the last look at the requests. */
    public static final class NoEntryBarrier {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            irqflags.local_irq_disable();
            if (vcpu.mode() == EXITING_GUEST_MODE || vcpu.requests.get() != 0 || sched.need_resched()
                    || sched.signal_pending(task_struct.current())) {
                return backOut(vcpu);
            }
            return bottom(vcpu);
        }
    }

    /** Right entry; the back-out turns interrupts on first and only then has its barrier. */
    public static final class BackOutBarrierLate {
        public static int vcpu_enter_guest(kvm_vcpu vcpu) {
            int r = top(vcpu);
            if (r != 0) {
                return r;
            }
            preempt.preempt_disable();
            vcpu.set_mode(IN_GUEST_MODE);
            srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);
            smp.smp_mb();
            irqflags.local_irq_disable();
            if (vcpu.mode() == EXITING_GUEST_MODE || vcpu.requests.get() != 0 || sched.need_resched()
                    || sched.signal_pending(task_struct.current())) {
                vcpu.set_mode(OUTSIDE_GUEST_MODE);
                irqflags.local_irq_enable();
                smp.smp_mb();
                preempt.preempt_enable();
                vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);
                return 1;
            }
            return bottom(vcpu);
        }
    }

    /** Sets the request, then reads the mode, with no barrier between. */
    public static final class NoRequesterBarrier {
        public static boolean make_all_cpus_request(kvm kvm, int req) {
            int cpu;
            int me;
            cpumask cpus = new cpumask();
            boolean called = true;
            me = smp.get_cpu();
            try {
                for (int i = 0; i < kvm.online_vcpus.get(); i++) {
                    kvm_vcpu vcpu = kvm.vcpus[i];
                    kvm_make_request(req, vcpu);
                    cpu = vcpu.cpu;
                    if (cpu != -1 && cpu != me && kvm_vcpu_exiting_guest_mode(vcpu) != OUTSIDE_GUEST_MODE) {
                        cpumask.cpumask_set_cpu(cpu, cpus);
                    }
                }
                if (!cpumask.cpumask_empty(cpus)) {
                    smp.smp_call_function_many(cpus, x -> { }, null, true);
                } else {
                    called = false;
                }
            } finally {
                smp.put_cpu();
            }
            return called;
        }
    }
}
