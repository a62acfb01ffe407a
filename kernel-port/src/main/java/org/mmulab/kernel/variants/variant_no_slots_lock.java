// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.variants;

import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_USER_MEM_SLOTS;
import static org.mmulab.kernel.linux.bitops.BITS_PER_LONG;
import static org.mmulab.kernel.linux.errno.EFAULT;
import static org.mmulab.kernel.linux.errno.EINVAL;
import static org.mmulab.kernel.linux.errno.ENOENT;
import static org.mmulab.kernel.linux.kvm_host_h.id_to_memslot;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_dirty_bitmap_bytes;
import static org.mmulab.kernel.linux.spinlock_t.spin_lock;
import static org.mmulab.kernel.linux.spinlock_t.spin_unlock;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_flush_remote_tlbs;

import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.arch.x86.include.asm.uaccess;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;

/**
 * Variant {@code no-slots-lock}, a teaching break: v3.16's {@code kvm_vm_ioctl_get_dirty_log}
 * (x86.c 3599-3664) without {@code mutex_lock(&kvm->slots_lock)}. Both it and
 * {@code kvm_mmu_slot_remove_write_access} flush after {@code spin_unlock}; unserialized, a
 * harvest can run between the other's write-protect and its flush, see no dirty bit, skip its own
 * flush, and return while vCPUs still hold writable TLB entries for write-protected pages: the
 * writes they make are never logged. The {@code lockdep_assert_held} stays, as in a patch that
 * dropped only the lock, so lockdep (the agent) reports the broken rule on every call.
 */
public final class variant_no_slots_lock {
    private variant_no_slots_lock() {}

    public static int kvm_vm_ioctl_get_dirty_log(kvm kvm, kvm_dirty_log log) {
        int r;
        kvm_memory_slot memslot;
        long n;
        LongPtr dirty_bitmap;
        LongPtr dirty_bitmap_buffer;
        boolean is_dirty = false;

        r = -EINVAL;
        if (Integer.compareUnsigned(log.slot, KVM_USER_MEM_SLOTS) >= 0) {
            return r;
        }

        memslot = id_to_memslot(kvm.memslots, log.slot);

        dirty_bitmap = memslot.dirty_bitmap;
        r = -ENOENT;
        if (dirty_bitmap == null) {
            return r;
        }

        n = kvm_dirty_bitmap_bytes(memslot);

        dirty_bitmap_buffer = dirty_bitmap.plus((int) (n / 8));
        for (int i = 0; i < n / 8; i++) {
            dirty_bitmap_buffer.put(i, 0);
        }

        spin_lock(kvm.mmu_lock);

        for (int i = 0; i < n / 8; i++) {
            long mask;

            if (dirty_bitmap.at(i) == 0) {
                continue;
            }

            is_dirty = true;

            mask = cmpxchg.xchg(dirty_bitmap.plus(i), 0);
            dirty_bitmap_buffer.put(i, mask);

            mmu.kvm_mmu_write_protect_pt_masked(kvm, memslot, (long) i * BITS_PER_LONG, mask);
        }

        spin_unlock(kvm.mmu_lock);

        lockdep.lockdep_assert_held(kvm.slots_lock);

        if (is_dirty) {
            kvm_flush_remote_tlbs(kvm);
        }

        r = -EFAULT;
        if (uaccess.copy_to_user(log.dirty_bitmap, dirty_bitmap_buffer, n) != 0) {
            return r;
        }

        return 0;
    }
}
