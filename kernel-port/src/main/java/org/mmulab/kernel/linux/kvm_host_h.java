// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/** Constants and inline functions of {@code include/linux/kvm_host.h}. */
@KernelSource(file = "include/linux/kvm_host.h", lines = "1-1115", name = "linux/kvm_host.h")
public final class kvm_host_h {
    private kvm_host_h() {}

    @KernelSource(file = "include/linux/kvm_host.h", lines = "45") public static final int KVM_MEMSLOT_INVALID = 1 << 16;

    @KernelSource(file = "include/linux/kvm_host.h", lines = "55") public static final long KVM_PFN_ERR_MASK = 0x7ffL << 52;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "56") public static final long KVM_PFN_ERR_NOSLOT_MASK = 0xfffL << 52;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "57") public static final long KVM_PFN_NOSLOT = 1L << 63;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "59") public static final long KVM_PFN_ERR_FAULT = KVM_PFN_ERR_MASK;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "60") public static final long KVM_PFN_ERR_HWPOISON = KVM_PFN_ERR_MASK + 1;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "61") public static final long KVM_PFN_ERR_RO_FAULT = KVM_PFN_ERR_MASK + 2;

    @KernelSource(file = "include/linux/kvm_host.h", lines = "67-70")
    public static boolean is_error_pfn(long pfn) {
        return (pfn & KVM_PFN_ERR_MASK) != 0;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "77-80")
    public static boolean is_error_noslot_pfn(long pfn) {
        return (pfn & KVM_PFN_ERR_NOSLOT_MASK) != 0;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "83-86")
    public static boolean is_noslot_pfn(long pfn) {
        return pfn == KVM_PFN_NOSLOT;
    }

    /** PAGE_OFFSET of x86-64: user addresses lie below it. */
    @KernelSource(file = "arch/x86/include/asm/page_64_types.h", lines = "33", name = "__PAGE_OFFSET")
    public static final long PAGE_OFFSET = 0xffff880000000000L;

    @KernelSource(file = "include/linux/kvm_host.h", lines = "94") public static final long KVM_HVA_ERR_BAD = PAGE_OFFSET;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "95") public static final long KVM_HVA_ERR_RO_BAD = PAGE_OFFSET + mm.PAGE_SIZE;

    @KernelSource(file = "include/linux/kvm_host.h", lines = "97-100")
    public static boolean kvm_is_error_hva(long addr) {
        return Long.compareUnsigned(addr, PAGE_OFFSET) >= 0;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "114") public static final int KVM_REQ_TLB_FLUSH = 0;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "117") public static final int KVM_REQ_MMU_RELOAD = 3;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "121") public static final int KVM_REQ_MMU_SYNC = 7;

    @KernelSource(file = "include/linux/kvm_host.h", lines = "204") public static final int OUTSIDE_GUEST_MODE = 0;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "205") public static final int IN_GUEST_MODE = 1;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "206") public static final int EXITING_GUEST_MODE = 2;
    @KernelSource(file = "include/linux/kvm_host.h", lines = "207") public static final int READING_SHADOW_PAGE_TABLES = 3;

    /** Mode names for messages. */
    public static String mode_name(int mode) {
        switch (mode) {
            case OUTSIDE_GUEST_MODE: return "OUTSIDE_GUEST_MODE";
            case IN_GUEST_MODE: return "IN_GUEST_MODE";
            case EXITING_GUEST_MODE: return "EXITING_GUEST_MODE";
            case READING_SHADOW_PAGE_TABLES: return "READING_SHADOW_PAGE_TABLES";
            default: return "mode " + mode;
        }
    }

    /** Moves a vCPU that is in guest mode to EXITING_GUEST_MODE; returns the mode it was in. */
    @KernelSource(file = "include/linux/kvm_host.h", lines = "277-280")
    public static int kvm_vcpu_exiting_guest_mode(kvm_vcpu vcpu) {
        return vcpu.cmpxchg_mode(IN_GUEST_MODE, EXITING_GUEST_MODE);
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "286") public static final long KVM_MEM_MAX_NR_PAGES = (1L << 31) - 1;

    /** Bytes of one dirty bitmap: npages rounded up to whole longs. */
    @KernelSource(file = "include/linux/kvm_host.h", lines = "298-301")
    public static long kvm_dirty_bitmap_bytes(kvm_memory_slot memslot) {
        return bitops.ALIGN(memslot.npages, bitops.BITS_PER_LONG) / 8;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "435-439")
    public static kvm_vcpu kvm_get_vcpu(kvm kvm, int i) {
        return kvm.vcpus[i];
    }

    /** rcu_dereference of kvm->memslots (legal under srcu or slots_lock). */
    @KernelSource(file = "include/linux/kvm_host.h", lines = "478-483")
    public static kvm_memslots kvm_memslots(kvm kvm) {
        return kvm.memslots;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "485-495")
    public static kvm_memory_slot id_to_memslot(kvm_memslots slots, int id) {
        int index = slots.id_to_index[id];
        kvm_memory_slot slot = slots.memslots[index];
        bug.WARN_ON(slot.id != id);
        return slot;
    }

    /** enum kvm_mr_change */
    @KernelSource(file = "include/linux/kvm_host.h", lines = "508-513", name = "enum kvm_mr_change")
    public enum kvm_mr_change { KVM_MR_CREATE, KVM_MR_DELETE, KVM_MR_MOVE, KVM_MR_FLAGS_ONLY }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "831-842")
    public static kvm_memory_slot search_memslots(kvm_memslots slots, long gfn) {
        for (kvm_memory_slot memslot : slots.memslots) {
            if (memslot.npages == 0) {
                break; // kvm_for_each_memslot stops at the first empty slot
            }
            if (gfn >= memslot.base_gfn && gfn < memslot.base_gfn + memslot.npages) {
                return memslot;
            }
        }
        return null;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "844-848")
    public static kvm_memory_slot __gfn_to_memslot(kvm_memslots slots, long gfn) {
        return search_memslots(slots, gfn);
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "850-854")
    public static long __gfn_to_hva_memslot(kvm_memory_slot slot, long gfn) {
        return slot.userspace_addr + (gfn - slot.base_gfn) * mm.PAGE_SIZE;
    }

    /** No mmu notifiers fire in this model, so the count stays 0 and the sequence never moves. */
    @KernelSource(file = "include/linux/kvm_host.h", lines = "911-930")
    public static boolean mmu_notifier_retry(kvm kvm, long mmu_seq) {
        if (kvm.mmu_notifier_count != 0) {
            return true;
        }
        return kvm.mmu_notifier_seq != mmu_seq;
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "1035-1038")
    public static void kvm_make_request(int req, kvm_vcpu vcpu) {
        bitops.set_bit(req, vcpu.requests);
    }

    @KernelSource(file = "include/linux/kvm_host.h", lines = "1040-1048")
    public static boolean kvm_check_request(int req, kvm_vcpu vcpu) {
        if (bitops.test_bit(req, vcpu.requests)) {
            bitops.clear_bit(req, vcpu.requests);
            return true;
        } else {
            return false;
        }
    }
}
