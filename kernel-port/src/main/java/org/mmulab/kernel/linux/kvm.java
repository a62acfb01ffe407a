// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicInteger;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_arch;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_vm_stat;

/**
 * {@code struct kvm}: one virtual machine. The three locks of the lesson are here:
 * {@code mmu_lock} (spinlock: shadow pages, rmaps, sptes), {@code slots_lock} (mutex: memslot
 * changes, and with the seed commit also get-dirty-log) and {@code srcu} (memslot readers).
 * Lock names are the ones lockdep prints ({@code &kvm->mmu_lock}).
 */
@KernelSource(file = "include/linux/kvm_host.h", lines = "367-419", name = "struct kvm",
        note = "only the locks, memslots, vcpus, stat, arch, mmu-notifier sequence and tlbs_dirty")
public final class kvm {
    public final spinlock_t mmu_lock = spinlock_t.spin_lock_init("&kvm->mmu_lock");
    public final mutex slots_lock = mutex.mutex_init("&kvm->slots_lock");
    /** {@code struct kvm_memslots __rcu *memslots}: published with a volatile store, read under srcu. */
    public volatile kvm_memslots memslots;
    public final srcu_struct srcu = srcu_struct.init_srcu_struct("&kvm->srcu");
    public final kvm_vcpu[] vcpus = new kvm_vcpu[kvm_host_h.KVM_MAX_VCPUS];
    public final AtomicInteger online_vcpus = new AtomicInteger();
    public final mutex lock = mutex.mutex_init("&kvm->lock");
    public final kvm_vm_stat stat = new kvm_vm_stat();
    public final kvm_arch arch = new kvm_arch();
    public volatile long mmu_notifier_seq;
    public volatile long mmu_notifier_count;
    /** {@code long tlbs_dirty}: flushes owed by sync_page, cleared by kvm_flush_remote_tlbs. */
    public final LongPtr tlbs_dirty = LongPtr.word();
    /**
     * Set by an oops in one of this VM's ioctls; every ioctl then returns -EIO at once. Not in
     * v3.16: Linux 5.15 added the same field for KVM_BUG_ON (see {@link Oops}).
     */
    public volatile boolean vm_dead;
}
