// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.variants;

import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_NR_PAGE_SIZES;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_USER_MEM_SLOTS;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.gfn_to_index;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_PAGE_TABLE_LEVEL;
import static org.mmulab.kernel.linux.bitops.BITS_PER_LONG;
import static org.mmulab.kernel.linux.errno.EFAULT;
import static org.mmulab.kernel.linux.errno.EINVAL;
import static org.mmulab.kernel.linux.errno.ENOENT;
import static org.mmulab.kernel.linux.kvm_host_h.id_to_memslot;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_dirty_bitmap_bytes;
import static org.mmulab.kernel.linux.mutex.mutex_lock;
import static org.mmulab.kernel.linux.mutex.mutex_unlock;
import static org.mmulab.kernel.linux.sched.cond_resched_lock;
import static org.mmulab.kernel.linux.sched.need_resched;
import static org.mmulab.kernel.linux.sched.spin_needbreak;
import static org.mmulab.kernel.linux.spinlock_t.spin_lock;
import static org.mmulab.kernel.linux.spinlock_t.spin_unlock;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_flush_remote_tlbs;

import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.arch.x86.include.asm.uaccess;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;

/**
 * Variant {@code v3.15}: the two functions as they were before the seed commit (its pre-image,
 * the hunks at mmu.c 4309 and x86.c 3632 of upstream commit 198c74f43f0f, "KVM: MMU: flush tlb
 * out of mmu lock when write-protect the sptes"): every flush happens inside {@code mmu_lock},
 * and neither function asserts {@code slots_lock}. Correct, but the flush holds the spinlock while
 * it waits for every vCPU in guest mode to exit.
 *
 * <p>Not v3.16 code, so it carries no {@code @KernelSource}; a variant is selected by swapping
 * these whole methods in for the v3.16 ones at class-load time (see the examples' variant loader).
 */
public final class variant_v3_15 {
    private variant_v3_15() {}

    /** Pre-image of the mmu.c hunk: flush before each lock break and once more before unlocking. */
    public static void kvm_mmu_slot_remove_write_access(kvm kvm, int slot) {
        kvm_memory_slot memslot;
        long last_gfn;

        memslot = id_to_memslot(kvm.memslots, slot);
        last_gfn = memslot.base_gfn + memslot.npages - 1;

        spin_lock(kvm.mmu_lock);

        for (int i = PT_PAGE_TABLE_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            long[] rmap = memslot.arch.rmap[i - PT_PAGE_TABLE_LEVEL];
            long last_index = gfn_to_index(last_gfn, memslot.base_gfn, i);

            for (long index = 0; index <= last_index; ++index) {
                LongPtr rmapp = new LongPtr(rmap, (int) index);
                if (rmapp.get() != 0) {
                    mmu.__rmap_write_protect(kvm, rmapp, false);
                }

                if (need_resched() || spin_needbreak(kvm.mmu_lock)) {
                    kvm_flush_remote_tlbs(kvm);
                    cond_resched_lock(kvm.mmu_lock);
                }
            }
        }

        kvm_flush_remote_tlbs(kvm);
        spin_unlock(kvm.mmu_lock);
    }

    /** Pre-image of the x86.c hunk: the flush comes before {@code spin_unlock}. */
    public static int kvm_vm_ioctl_get_dirty_log(kvm kvm, kvm_dirty_log log) {
        int r;
        kvm_memory_slot memslot;
        long n;
        LongPtr dirty_bitmap;
        LongPtr dirty_bitmap_buffer;
        boolean is_dirty = false;

        mutex_lock(kvm.slots_lock);
        try {
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
            if (is_dirty) {
                kvm_flush_remote_tlbs(kvm);
            }

            spin_unlock(kvm.mmu_lock);

            r = -EFAULT;
            if (uaccess.copy_to_user(log.dirty_bitmap, dirty_bitmap_buffer, n) != 0) {
                return r;
            }

            r = 0;
            return r;
        } finally {
            mutex_unlock(kvm.slots_lock);
        }
    }
}
