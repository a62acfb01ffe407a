// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULATE_DONE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULATE_FAIL;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_NR_PAGE_SIZES;
import static org.mmulab.kernel.linux.bug.BUG_ON;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_PAGES_PER_HPAGE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_USER_MEM_SLOTS;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.gfn_to_index;
import static org.mmulab.kernel.linux.bitops.BITS_PER_LONG;
import static org.mmulab.kernel.linux.errno.EFAULT;
import static org.mmulab.kernel.linux.errno.EINTR;
import static org.mmulab.kernel.linux.errno.EINVAL;
import static org.mmulab.kernel.linux.errno.ENOENT;
import static org.mmulab.kernel.linux.errno.ENOMEM;
import static org.mmulab.kernel.linux.kvm_host_h.EXITING_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.IN_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_RELOAD;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_SYNC;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.id_to_memslot;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_check_request;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_dirty_bitmap_bytes;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_vcpu_exiting_guest_mode;
import static org.mmulab.kernel.linux.mutex.mutex_lock;
import static org.mmulab.kernel.linux.mutex.mutex_unlock;
import static org.mmulab.kernel.linux.spinlock_t.spin_lock;
import static org.mmulab.kernel.linux.spinlock_t.spin_unlock;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_flush_remote_tlbs;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.arch.x86.include.asm.kvm_lpage_info;
import org.mmulab.kernel.arch.x86.include.asm.kvm_x86_ops;
import org.mmulab.kernel.arch.x86.include.asm.uaccess;
import org.mmulab.hw.Vmcs;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_host_h.kvm_mr_change;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.sched;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.linux.srcu_struct;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * {@code arch/x86/kvm/x86.c} of v3.16: {@code KVM_GET_DIRTY_LOG} as the seed commit left it, the
 * memslot hooks that switch dirty logging on, and the guest-entry path that consumes
 * {@code KVM_REQ_TLB_FLUSH}.
 */
@KernelSource(file = "arch/x86/kvm/x86.c", lines = "1-7590", name = "x86.c")
public final class x86 {
    private x86() {}

    /** The vendor module's operations (vmx.c); set by {@link #kvm_arch_init(kvm_x86_ops)}. */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "91")
    public static volatile kvm_x86_ops kvm_x86_ops;

    /** Module init: the vendor ops, and default (non-EPT) spte masks that vmx's hardware setup then replaces. */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "5570-5629", note = "only the ops and the spte masks")
    public static int kvm_arch_init(kvm_x86_ops ops) {
        kvm_x86_ops = ops;
        mmu.kvm_mmu_set_mask_ptes(mmu_h.PT_USER_MASK, mmu_h.PT_ACCESSED_MASK, mmu_h.PT_DIRTY_MASK, mmu_h.PT64_NX_MASK, 0);
        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7099-7124", note = "no irq sources, clocks or work items")
    public static int kvm_arch_init_vm(kvm kvm, long type) {
        if (type != 0) {
            return -EINVAL;
        }
        return 0;
    }

    /**
     * KVM_GET_DIRTY_LOG, v3.16 (after the seed commit). For every word of the live bitmap that has
     * bits set: take it and zero it in one {@code xchg} (vCPUs keep setting bits concurrently),
     * keep the taken bits in the second-half buffer, and write-protect those pages. Then, after
     * {@code spin_unlock}, flush the TLBs if anything was dirty, and copy the buffer out.
     *
     * <p>Between the write-protect and the flush a vCPU may still write through an old writable
     * TLB entry; that page is in the snapshot being returned, and the flush makes sure the next
     * write faults and is logged for the next call. The flush may come after the unlock only
     * because {@code slots_lock} keeps another flush-after-unlock writer
     * ({@code kvm_mmu_slot_remove_write_access}) away.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "3599-3664")
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
            // memset, plain stores: only this ioctl, under slots_lock, touches the second half
            // of the bitmap (the buffer)
            dirty_bitmap_buffer.clear((int) (n / 8));

            spin_lock(kvm.mmu_lock);

            for (int i = 0; i < n / 8; i++) {
                long mask;
                long offset;

                if (dirty_bitmap.at(i) == 0) {
                    continue;
                }

                is_dirty = true;

                mask = cmpxchg.xchg(dirty_bitmap.plus(i), 0);
                dirty_bitmap_buffer.put(i, mask);

                offset = (long) i * BITS_PER_LONG;
                mmu.kvm_mmu_write_protect_pt_masked(kvm, memslot, offset, mask);
            }

            spin_unlock(kvm.mmu_lock);

            // The same rule as in kvm_mmu_slot_remove_write_access().
            lockdep.lockdep_assert_held(kvm.slots_lock);

            // Flushing outside mmu_lock is fine, see kvm_mmu_slot_remove_write_access().
            if (is_dirty) {
                kvm_flush_remote_tlbs(kvm);
            }

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

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7197-7216")
    public static void kvm_arch_free_memslot(kvm kvm, kvm_memory_slot free, kvm_memory_slot dont) {
        for (int i = 0; i < KVM_NR_PAGE_SIZES; ++i) {
            if (dont == null || free.arch.rmap[i] != dont.arch.rmap[i]) {
                free.arch.rmap[i] = null;
            }
            if (i == 0) {
                continue;
            }

            if (dont == null || free.arch.lpage_info[i - 1] != dont.arch.lpage_info[i - 1]) {
                free.arch.lpage_info[i - 1] = null;
            }
        }
    }

    /**
     * The rmap heads and large-page info of a new slot. Large pages are disallowed at the slot's
     * unaligned ends, and everywhere when the gfn and the host address are not aligned alike.
     * An allocation that fails frees what was allocated and makes the whole call -ENOMEM.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7218-7275")
    public static int kvm_arch_create_memslot(kvm kvm, kvm_memory_slot slot, long npages) {
        int i;

        for (i = 0; i < KVM_NR_PAGE_SIZES; ++i) {
            long ugfn;
            int lpages;
            int level = i + 1;

            lpages = (int) (gfn_to_index(slot.base_gfn + npages - 1, slot.base_gfn, level) + 1);

            final int n = lpages;
            slot.arch.rmap[i] = kvm_main.kvm_kvzalloc((long) lpages * 8, () -> new long[n]);
            if (slot.arch.rmap[i] == null) {
                return out_free(slot);
            }
            if (i == 0) {
                continue;
            }

            slot.arch.lpage_info[i - 1] = kvm_main.kvm_kvzalloc((long) lpages * kvm_lpage_info.SIZEOF, () -> {
                kvm_lpage_info[] info = new kvm_lpage_info[n];
                for (int j = 0; j < n; j++) {
                    info[j] = new kvm_lpage_info();
                }
                return info;
            });
            if (slot.arch.lpage_info[i - 1] == null) {
                return out_free(slot);
            }

            if ((slot.base_gfn & (KVM_PAGES_PER_HPAGE(level) - 1)) != 0) {
                slot.arch.lpage_info[i - 1][0].write_count = 1;
            }
            if (((slot.base_gfn + npages) & (KVM_PAGES_PER_HPAGE(level) - 1)) != 0) {
                slot.arch.lpage_info[i - 1][lpages - 1].write_count = 1;
            }
            ugfn = slot.userspace_addr >>> mm.PAGE_SHIFT;
            // gfn and host address not aligned alike: no large pages in this slot
            if (((slot.base_gfn ^ ugfn) & (KVM_PAGES_PER_HPAGE(level) - 1)) != 0) {
                for (int j = 0; j < lpages; ++j) {
                    slot.arch.lpage_info[i - 1][j].write_count = 1;
                }
            }
        }

        return 0;
    }

    /** The {@code out_free} label of kvm_arch_create_memslot. */
    private static int out_free(kvm_memory_slot slot) {
        for (int i = 0; i < KVM_NR_PAGE_SIZES; ++i) {
            slot.arch.rmap[i] = null; // kvm_kvfree
            if (i == 0) {
                continue;
            }

            slot.arch.lpage_info[i - 1] = null;
        }
        return -ENOMEM;
    }

    /** The memslot generation moved; MMIO sptes would be invalidated here (no MMIO sptes in the port). */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7277-7284", note = "kvm_mmu_invalidate_mmio_sptes: no MMIO sptes exist")
    public static void kvm_arch_memslots_updated(kvm kvm) {
        // no MMIO sptes to invalidate
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7286-7313", note = "private slots are not mapped by the port")
    public static int kvm_arch_prepare_memory_region(kvm kvm, kvm_memory_slot memslot, kvm_userspace_memory_region mem,
                                                     kvm_mr_change change) {
        // >>> exercise 6 [keep]: kvm_arch_prepare_memory_region, as v3.16 has it
        return 0;
        // fix: if (change == kvm_mr_change.KVM_MR_MOVE) {
        // fix:     // upstream's fix (edd4fa37baa6): forget the old slot's arrays, allocate new ones for the new base
        // fix:     memslot.arch = new org.mmulab.kernel.arch.x86.include.asm.kvm_arch_memory_slot();
        // fix:     return kvm_arch_create_memslot(kvm, memslot, mem.memory_size >>> mm.PAGE_SHIFT);
        // fix: }
        // fix: return 0;
        // <<< exercise 6
    }

    /**
     * After a memslot change is published: resize the shadow-page budget and, when dirty logging
     * was asked for, write-protect the whole slot, which also rules out new large sptes in it.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7315-7350")
    public static void kvm_arch_commit_memory_region(kvm kvm, kvm_userspace_memory_region mem, kvm_memory_slot old,
                                                     kvm_mr_change change) {
        int nr_mmu_pages = 0;

        if (kvm.arch.n_requested_mmu_pages == 0) {
            nr_mmu_pages = mmu.kvm_mmu_calculate_mmu_pages(kvm);
        }

        if (nr_mmu_pages != 0) {
            mmu.kvm_mmu_change_mmu_pages(kvm, nr_mmu_pages);
        }

        // Write-protect every page of the slot for dirty logging; see fast_page_fault() for why
        // no large spte may appear in a logged slot.
        if (change != kvm_mr_change.KVM_MR_DELETE && (mem.flags & kvm_h.KVM_MEM_LOG_DIRTY_PAGES) != 0) {
            mmu.kvm_mmu_slot_remove_write_access(kvm, mem.slot);
        }
    }

    /**
     * The KVM_RUN loop: enter the guest again and again until an exit needs userspace, or a
     * signal is pending (the VMM pausing this vCPU), which returns -EINTR.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "6161-6221", note = "always runnable: no halt, timers, async pf or irq windows")
    static int __vcpu_run(kvm_vcpu vcpu) {
        int r;
        kvm kvm = vcpu.kvm;

        vcpu.srcu_idx = srcu_struct.srcu_read_lock(kvm.srcu);

        r = 1;
        while (r > 0) {
            r = vcpu_enter_guest(vcpu);

            if (r <= 0) {
                break;
            }

            if (sched.signal_pending(task_struct.current())) {
                r = -EINTR;
                vcpu.stat.signal_exits.incrementAndGet();
            }
            if (sched.need_resched()) {
                srcu_struct.srcu_read_unlock(kvm.srcu, vcpu.srcu_idx);
                sched.cond_resched();
                vcpu.srcu_idx = srcu_struct.srcu_read_lock(kvm.srcu);
            }
        }

        srcu_struct.srcu_read_unlock(kvm.srcu, vcpu.srcu_idx);

        return r;
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "6310-6354", note = "no sigmask, mmio or pio completion")
    public static int kvm_arch_vcpu_ioctl_run(kvm_vcpu vcpu) {
        return __vcpu_run(vcpu);
    }

    /** A slot is going away or moving: zap every shadow page. */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7357-7361")
    public static void kvm_arch_flush_shadow_memslot(kvm kvm, kvm_memory_slot slot) {
        mmu.kvm_mmu_invalidate_zap_all_pages(kvm);
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "2789-2833", note = "records the CPU only")
    public static void kvm_arch_vcpu_load(kvm_vcpu vcpu, int cpu) {
        vcpu.cpu = cpu;
    }

    /** Should a kick interrupt this vCPU: is it in guest mode (moving it to EXITING_GUEST_MODE)? */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7378-7381")
    public static boolean kvm_arch_vcpu_should_kick(kvm_vcpu vcpu) {
        return kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE;
    }

    /** The vendor allocates the vCPU (vmx_create_vcpu), which comes back through kvm_arch_vcpu_init. */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "6785-6793", note = "no TSC check")
    public static kvm_vcpu kvm_arch_vcpu_create(kvm kvm, int id) {
        return kvm_x86_ops.vcpu_create(kvm, id);
    }

    /** The x86 part of a new vCPU: here only its MMU. */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "7007-7082", note = "only kvm_mmu_create")
    public static int kvm_arch_vcpu_init(kvm_vcpu vcpu) {
        int r;

        BUG_ON(vcpu.kvm == null);

        r = mmu.kvm_mmu_create(vcpu);
        if (r < 0) {
            return r;
        }
        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "6795-6808")
    public static int kvm_arch_vcpu_setup(kvm_vcpu vcpu) {
        int r;

        r = kvm_main.vcpu_load(vcpu);
        if (r != 0) {
            return r;
        }
        mmu.kvm_mmu_setup(vcpu);
        kvm_main.vcpu_put(vcpu);

        return r;
    }

    /**
     * The emulator's write to guest memory: through the VMM's mapping, logged dirty. Returns 1
     * (X86EMUL_CONTINUE's "done") or 0 when the gfn has no usable mapping.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "4199-4209",
            note = "8-byte writes; kvm_write_guest of one page; kvm_mmu_pte_write is not ported (no guest page tables are shadowed through writes)")
    static int emulator_write_phys(kvm_vcpu vcpu, long gpa, long val, int bytes) {
        int ret;

        ret = kvm_main.kvm_write_guest_page(vcpu.kvm, gpa >>> mm.PAGE_SHIFT, val, (int) (gpa & (mm.PAGE_SIZE - 1)), bytes);
        if (ret < 0) {
            return 0;
        }
        return 1;
    }

    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "4938-4953", note = "no exception is queued")
    static int handle_emulation_failure(kvm_vcpu vcpu) {
        vcpu.stat.insn_emulation_fail.incrementAndGet();
        return EMULATE_FAIL;
    }

    /**
     * Emulates the instruction a fault could not fix: a guest write to a page the MMU keeps
     * write-protected (a gfn shadowed as a guest page table). The guest's instructions are 8-byte
     * MOVs, and the hardware handed over the decoded one as {@code insn}; a write goes to guest
     * memory through the VMM's mapping and marks the page dirty ({@code kvm_write_guest}), a read
     * is done through it too, and RIP moves past the instruction, so the guest continues after it.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "5164-5279",
            note = "insn is decoded already (no x86_decode_insn); one MOV to or from memory; no exceptions, MMIO, PIO or retry")
    public static int x86_emulate_instruction(kvm_vcpu vcpu, long cr2, int emulation_type, Vmcs.Instruction insn, int insn_len) {
        int r;

        vcpu.stat.insn_emulation.incrementAndGet();
        if (insn == null || insn.gpa() >>> mm.PAGE_SHIFT != cr2 >>> mm.PAGE_SHIFT) {
            return handle_emulation_failure(vcpu);
        }

        if (insn.write()) {
            r = emulator_write_phys(vcpu, insn.gpa(), insn.value(), 8);
        } else {
            long[] val = new long[1];
            r = kvm_main.kvm_read_guest_page(vcpu.kvm, insn.gpa() >>> mm.PAGE_SHIFT, val, (int) (insn.gpa() & (mm.PAGE_SIZE - 1)), 8) == 0 ? 1 : 0;
        }
        if (r == 0) {
            return handle_emulation_failure(vcpu);
        }

        kvm_cache_regs.kvm_rip_write(vcpu, kvm_cache_regs.kvm_rip_read(vcpu) + insn_len);
        return EMULATE_DONE;
    }

    /**
     * One trip into the guest and back. Before entry: consume requests (KVM_REQ_TLB_FLUSH drops
     * this vCPU's TLB), load the MMU, set IN_GUEST_MODE with interrupts off, and back out if a
     * request or a kick arrived meanwhile. After the guest exits: OUTSIDE_GUEST_MODE, then
     * interrupts on, which is when a pending flush IPI is answered. Returns 1 to go round again,
     * 0 to go to userspace, a negative errno on error.
     *
     * <p>The caller holds {@code kvm->srcu} for reading ({@code vcpu->srcu_idx}) as
     * {@code __vcpu_run} does; it is dropped while the guest runs.
     */
    @KernelSource(file = "arch/x86/kvm/x86.c", lines = "5949-6158",
            note = "only the MMU-reload, MMU-sync and TLB-flush requests, the mode protocol, run and handle_exit")
    public static int vcpu_enter_guest(kvm_vcpu vcpu) {
        int r;

        if (vcpu.requests.get() != 0) {
            if (kvm_check_request(KVM_REQ_MMU_RELOAD, vcpu)) {
                mmu.kvm_mmu_unload(vcpu);
            }
            if (kvm_check_request(KVM_REQ_MMU_SYNC, vcpu)) {
                // kvm_mmu_sync_roots: a direct map has no unsync children to sync
            }
            if (kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu)) {
                kvm_x86_ops.tlb_flush(vcpu);
            }
        }

        r = mmu_h.kvm_mmu_reload(vcpu);
        if (r != 0) {
            return r;
        }

        preempt.preempt_disable();

        // >>> exercise 8: into guest mode, or back out (v3.16 x86.c 6046-6066)
        vcpu.set_mode(IN_GUEST_MODE);

        srcu_struct.srcu_read_unlock(vcpu.kvm.srcu, vcpu.srcu_idx);

        // ->mode must be visible before ->requests is read, see make_all_cpus_request
        smp.smp_mb();

        irqflags.local_irq_disable();

        if (vcpu.mode() == EXITING_GUEST_MODE || vcpu.requests.get() != 0 || sched.need_resched()
                || sched.signal_pending(task_struct.current())) {
            vcpu.set_mode(OUTSIDE_GUEST_MODE);
            smp.smp_mb();
            irqflags.local_irq_enable();
            preempt.preempt_enable();
            vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);
            return 1;
        }
        // kit: // TODO(ex8): say that this vCPU is in guest mode, let go of kvm->srcu and turn interrupts
        // kit: // off; then, if a request, a kick, a reschedule or a signal came in meanwhile, undo all of it
        // kit: // and return 1. The order is the exercise: docs/exercises/ex8-requests-and-kicks.md.
        // kit: if (true) {
        // kit:     throw new UnsupportedOperationException("exercise 8 is not done yet: write the entry into guest mode (x86.java, vcpu_enter_guest)");
        // kit: }
        // <<< exercise 8

        kvm_x86_ops.run(vcpu);

        vcpu.set_mode(OUTSIDE_GUEST_MODE);
        smp.smp_mb();

        // handle_external_intr: interrupts back on, pending IPIs are taken here
        irqflags.local_irq_enable();

        vcpu.stat.exits.incrementAndGet();

        preempt.preempt_enable();

        vcpu.srcu_idx = srcu_struct.srcu_read_lock(vcpu.kvm.srcu);

        r = kvm_x86_ops.handle_exit(vcpu);
        return r;
    }
}
