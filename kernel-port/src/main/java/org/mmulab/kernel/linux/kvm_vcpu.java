// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import static org.mmulab.kernel.linux.mutex.mutex_init;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_vcpu_arch;
import org.mmulab.kernel.arch.x86.include.asm.kvm_vcpu_stat;

/**
 * {@code struct kvm_vcpu}: the members the MMU and the request path use. {@code mode} is changed
 * with cmpxchg by other CPUs ({@code kvm_vcpu_exiting_guest_mode}), so it is a VarHandle field;
 * {@code requests} is a word of request bits.
 *
 * <p>Not final: a vendor module embeds it in its own vCPU ({@code struct vcpu_vmx} begins with a
 * {@code struct kvm_vcpu}), and {@code to_vmx}'s {@code container_of} is a cast.
 */
@KernelSource(file = "include/linux/kvm_host.h", lines = "220-275", name = "struct kvm_vcpu",
        note = "only kvm, cpu, vcpu_id, srcu_idx, mode, requests, mutex, stat, arch")
public class kvm_vcpu {
    private static final VarHandle MODE;

    static {
        try {
            MODE = MethodHandles.lookup().findVarHandle(kvm_vcpu.class, "mode", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public final kvm kvm;
    /** The physical CPU this vCPU was last loaded on, -1 before the first load. */
    public volatile int cpu = -1;
    public final int vcpu_id;
    public int srcu_idx;
    /** OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE or READING_SHADOW_PAGE_TABLES. */
    private volatile int mode;
    /** {@code unsigned long requests}: one bit per KVM_REQ_*. */
    public final LongPtr requests = LongPtr.word();
    public final mutex mutex;
    public final kvm_vcpu_stat stat = new kvm_vcpu_stat();
    public final kvm_vcpu_arch arch = new kvm_vcpu_arch();

    public kvm_vcpu(kvm kvm, int id) {
        this.kvm = kvm;
        this.vcpu_id = id;
        this.mutex = mutex_init("&vcpu->mutex");
    }

    /** {@code vcpu->mode} */
    public int mode() {
        return mode;
    }

    /** {@code vcpu->mode = m} */
    public void set_mode(int m) {
        mode = m;
    }

    /** {@code cmpxchg(&vcpu->mode, o, n)}: returns the mode it found. */
    public int cmpxchg_mode(int o, int n) {
        return (int) MODE.compareAndExchange(this, o, n);
    }

    @Override
    public String toString() {
        return "vcpu" + vcpu_id;
    }
}
