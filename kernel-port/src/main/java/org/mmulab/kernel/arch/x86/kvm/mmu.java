// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULATE_DONE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULATE_FAIL;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULATE_USER_EXIT;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.EMULTYPE_RETRY;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.INVALID_PAGE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_MIN_ALLOC_MMU_PAGES;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_MIN_FREE_MMU_PAGES;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_MMU_HASH_SHIFT;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_NR_PAGE_SIZES;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_PAGES_PER_HPAGE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_PERMILLE_MMU_PAGES;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.VALID_PAGE;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.gfn_to_index;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.page_header;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_PRESENT_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_RSVD_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PFERR_WRITE_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT32E_ROOT_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT32_PT_BITS;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT32_ROOT_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT64_ENT_PER_PAGE;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT64_PT_BITS;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT64_ROOT_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_DIRECTORY_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_PAGE_SIZE_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_PAGE_TABLE_LEVEL;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_PRESENT_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_USER_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.PT_WRITABLE_MASK;
import static org.mmulab.kernel.arch.x86.kvm.mmu_h.is_writable_pte;
import static org.mmulab.kernel.linux.bug.BUG;
import static org.mmulab.kernel.linux.bug.BUG_ON;
import static org.mmulab.kernel.linux.bug.WARN_ON;
import static org.mmulab.kernel.linux.errno.EFAULT;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_PFN_ERR_RO_FAULT;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_SYNC;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_MEMSLOT_INVALID;
import static org.mmulab.kernel.linux.kvm_host_h.OUTSIDE_GUEST_MODE;
import static org.mmulab.kernel.linux.kvm_host_h.READING_SHADOW_PAGE_TABLES;
import static org.mmulab.kernel.linux.kvm_host_h.id_to_memslot;
import static org.mmulab.kernel.linux.kvm_host_h.is_error_noslot_pfn;
import static org.mmulab.kernel.linux.kvm_host_h.is_error_pfn;
import static org.mmulab.kernel.linux.kvm_host_h.is_noslot_pfn;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_make_request;
import static org.mmulab.kernel.linux.kvm_host_h.kvm_memslots;
import static org.mmulab.kernel.linux.kvm_host_h.mmu_notifier_retry;
import static org.mmulab.kernel.linux.mm.PAGE_SHIFT;
import static org.mmulab.kernel.linux.mm.PAGE_SIZE;
import static org.mmulab.kernel.linux.mm.__pa;
import static org.mmulab.kernel.linux.mm.__va;
import static org.mmulab.kernel.linux.mm.assign;
import static org.mmulab.kernel.linux.mm.deref;
import static org.mmulab.kernel.linux.sched.cond_resched_lock;
import static org.mmulab.kernel.linux.sched.need_resched;
import static org.mmulab.kernel.linux.sched.spin_needbreak;
import static org.mmulab.kernel.linux.spinlock_t.spin_lock;
import static org.mmulab.kernel.linux.spinlock_t.spin_unlock;
import static org.mmulab.kernel.virt.kvm.kvm_main.gfn_to_memslot;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_flush_remote_tlbs;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_release_pfn_clean;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_set_pfn_accessed;
import static org.mmulab.kernel.virt.kvm.kvm_main.kvm_set_pfn_dirty;
import static org.mmulab.kernel.virt.kvm.kvm_main.mark_page_dirty;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;
import org.mmulab.hw.Vmcs;
import org.mmulab.kernel.linux.KernelBug;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.cmpxchg;
import org.mmulab.kernel.arch.x86.include.asm.kvm_lpage_info;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_memory_cache;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page_role;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.gfp;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.kmem_cache;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.smp;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * {@code arch/x86/kvm/mmu.c} of Linux v3.16, the parts that dirty logging and the TDP (EPT) fault
 * path use: the spte helpers, the rmaps, write protection, shadow-page allocation and the shadow
 * walk, the fast and slow page fault, and the whole-slot write protect of the seed commit.
 *
 * <p>Each method keeps its kernel name and carries its v3.16 line range. Pointers to sptes are
 * {@code long} addresses ({@link mm#deref(long)} is {@code *sptep}); an rmap head is an
 * {@code unsigned long} word ({@link LongPtr}). x86-64 only, so the 32-bit split-spte helpers
 * (mmu.c 387-519) are not ported.
 */
@KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1-4608", name = "mmu.c")
public final class mmu {
    private static final Logger log = LogManager.getLogger("kvm.mmu");

    private mmu() {}

    /** Two-dimensional paging (EPT) is on; set by {@link #kvm_enable_tdp()}. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "52")
    public static volatile boolean tdp_enabled = false;

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "92") public static final int PTE_PREFETCH_NUM = 8;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "94") public static final int PT_FIRST_AVAIL_BITS_SHIFT = 10;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "95") public static final int PT64_SECOND_AVAIL_BITS_SHIFT = 52;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "97") public static final int PT64_LEVEL_BITS = 9;

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "99-100")
    public static int PT64_LEVEL_SHIFT(int level) {
        return PAGE_SHIFT + (level - 1) * PT64_LEVEL_BITS;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "102-103")
    public static int PT64_INDEX(long address, int level) {
        return (int) ((address >>> PT64_LEVEL_SHIFT(level)) & ((1 << PT64_LEVEL_BITS) - 1));
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "119")
    public static final long PT64_BASE_ADDR_MASK = ((1L << 52) - 1) & ~(PAGE_SIZE - 1);

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "122-124")
    public static long PT64_LVL_ADDR_MASK(int level) {
        return PT64_BASE_ADDR_MASK & ~((1L << (PAGE_SHIFT + (level - 1) * PT64_LEVEL_BITS)) - 1);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "139") public static final int ACC_EXEC_MASK = 1;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "140") public static final int ACC_WRITE_MASK = (int) PT_WRITABLE_MASK;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "141") public static final int ACC_USER_MASK = (int) PT_USER_MASK;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "142") public static final int ACC_ALL = ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK;

    /** Software bit 10: the host page behind this spte is writable. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "149")
    public static final long SPTE_HOST_WRITEABLE = 1L << PT_FIRST_AVAIL_BITS_SHIFT;
    /** Software bit 11: the MMU has not write-protected this spte for shadowing. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "150")
    public static final long SPTE_MMU_WRITEABLE = 1L << (PT_FIRST_AVAIL_BITS_SHIFT + 1);

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "152")
    public static int SHADOW_PT_INDEX(long addr, int level) {
        return PT64_INDEX(addr, level);
    }

    /** sptes per {@link pte_list_desc}. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "155")
    public static final int PTE_LIST_EXT = 3;

    /**
     * {@code struct pte_list_desc}: an rmap chain node. It has a kernel address ({@link #addr}) so an
     * rmap head can point at it with bit 0 set.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "157-160", name = "struct pte_list_desc")
    public static final class pte_list_desc {
        public final long addr;
        /** {@code u64 *sptes[PTE_LIST_EXT]}: spte addresses, 0 for NULL. */
        public final long[] sptes = new long[PTE_LIST_EXT];
        public pte_list_desc more;

        pte_list_desc(long addr) {
            this.addr = addr;
        }
    }

    /** {@code struct kvm_shadow_walk_iterator}: where a walk of the shadow tables stands. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "162-168", name = "struct kvm_shadow_walk_iterator")
    public static final class kvm_shadow_walk_iterator {
        public long addr;
        public long shadow_addr;
        /** {@code u64 *sptep} */
        public long sptep;
        public int level;
        public int index;
    }

    /** {@code kmem_cache pte_list_desc_cache}: 4 words per descriptor. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "181")
    public static final kmem_cache<pte_list_desc> pte_list_desc_cache =
            kmem_cache.kmem_cache_create("pte_list_desc", 8L * (PTE_LIST_EXT + 1), pte_list_desc::new);

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "182")
    public static final kmem_cache<kvm_mmu_page> mmu_page_header_cache =
            kmem_cache.kmem_cache_create("kvm_mmu_page_header", 256, addr -> {
                kvm_mmu_page sp = new kvm_mmu_page();
                sp.self = addr;
                return sp;
            });

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "185") public static volatile long shadow_nx_mask;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "186") public static volatile long shadow_x_mask;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "187") public static volatile long shadow_user_mask;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "188") public static volatile long shadow_accessed_mask;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "189") public static volatile long shadow_dirty_mask;
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "190") public static volatile long shadow_mmio_mask;

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "195-198")
    public static void kvm_mmu_set_mmio_spte_mask(long mmio_mask) {
        shadow_mmio_mask = mmio_mask;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "260-263")
    public static boolean is_mmio_spte(long spte) {
        return (spte & shadow_mmio_mask) == shadow_mmio_mask;
    }

    /** Called by the vendor module with its spte layout; vmx.c 8990-8993 passes the EPT bits. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "304-312")
    public static void kvm_mmu_set_mask_ptes(long user_mask, long accessed_mask, long dirty_mask, long nx_mask, long x_mask) {
        shadow_user_mask = user_mask;
        shadow_accessed_mask = accessed_mask;
        shadow_dirty_mask = dirty_mask;
        shadow_nx_mask = nx_mask;
        shadow_x_mask = x_mask;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "325-328")
    public static boolean is_shadow_present_pte(long pte) {
        return (pte & PT_PRESENT_MASK) != 0 && !is_mmio_spte(pte);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "330-333")
    public static boolean is_large_pte(long pte) {
        return (pte & PT_PAGE_SIZE_MASK) != 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "335-338")
    public static boolean is_rmap_spte(long pte) {
        return is_shadow_present_pte(pte);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "340-347")
    public static boolean is_last_spte(long pte, int level) {
        if (level == PT_PAGE_TABLE_LEVEL) {
            return true;
        }
        if (is_large_pte(pte)) {
            return true;
        }
        return false;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "349-352")
    public static long spte_to_pfn(long pte) {
        return (pte & PT64_BASE_ADDR_MASK) >>> PAGE_SHIFT;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "362-365")
    public static void __set_spte(long sptep, long spte) {
        assign(sptep, spte);
    }

    /** A plain store: a W bit set meanwhile by a lockless writer would be lost. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "367-370")
    public static void __update_clear_spte_fast(long sptep, long spte) {
        assign(sptep, spte);
    }

    /** An atomic exchange: nothing set meanwhile is lost, and the old value is returned. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "372-375")
    public static long __update_clear_spte_slow(long sptep, long spte) {
        return cmpxchg.xchg(sptep, spte);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "377-380")
    public static long __get_spte_lockless(long sptep) {
        return deref(sptep);
    }

    /** Both software bits set: the fast page fault may make this spte writable without mmu_lock. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "521-525")
    public static boolean spte_is_locklessly_modifiable(long spte) {
        return (spte & (SPTE_HOST_WRITEABLE | SPTE_MMU_WRITEABLE)) == (SPTE_HOST_WRITEABLE | SPTE_MMU_WRITEABLE);
    }

    /**
     * Whether something other than an mmu_lock holder may change this spte (the fast page fault,
     * or the CPU setting A/D bits), so an update must be an atomic exchange.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "527-549")
    public static boolean spte_has_volatile_bits(long spte) {
        // A spte the fast path may change is always updated atomically: that keeps the dirty bit
        // and gives mmu_spte_update a stable view of the old W bit.
        if (spte_is_locklessly_modifiable(spte)) {
            return true;
        }

        if (shadow_accessed_mask == 0) {
            return false;
        }

        if (!is_shadow_present_pte(spte)) {
            return false;
        }

        if ((spte & shadow_accessed_mask) != 0 && (!is_writable_pte(spte) || (spte & shadow_dirty_mask) != 0)) {
            return false;
        }

        return true;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "551-554")
    public static boolean spte_is_bit_cleared(long old_spte, long new_spte, long bit_mask) {
        return (old_spte & bit_mask) != 0 && (new_spte & bit_mask) == 0;
    }

    /** Non-present to present. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "562-566")
    public static void mmu_spte_set(long sptep, long new_spte) {
        WARN_ON(is_shadow_present_pte(deref(sptep)));
        __set_spte(sptep, new_spte);
    }

    /**
     * Present to present, same pfn. Returns true when the caller owes a TLB flush: the old spte
     * could have had a writable TLB entry ({@link #spte_is_locklessly_modifiable}, i.e.
     * SPTE_MMU_WRITEABLE and SPTE_HOST_WRITEABLE) and the new one is not writable. This is the
     * test the seed commit relies on: it does not ask the old W bit, which dirty logging may
     * already have cleared without a flush.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "577-612")
    public static boolean mmu_spte_update(long sptep, long new_spte) {
        long old_spte = deref(sptep);
        boolean ret = false;

        WARN_ON(!is_rmap_spte(new_spte));

        if (!is_shadow_present_pte(old_spte)) {
            mmu_spte_set(sptep, new_spte);
            return ret;
        }

        if (!spte_has_volatile_bits(old_spte)) {
            __update_clear_spte_fast(sptep, new_spte);
        } else {
            old_spte = __update_clear_spte_slow(sptep, new_spte);
        }

        // The exchange above returned the true old value even if the fast page fault raced with
        // us, so this test cannot miss a writable spte.
        if (spte_is_locklessly_modifiable(old_spte) && !is_writable_pte(new_spte)) {
            ret = true;
        }

        if (shadow_accessed_mask == 0) {
            return ret;
        }

        if (spte_is_bit_cleared(old_spte, new_spte, shadow_accessed_mask)) {
            kvm_set_pfn_accessed(spte_to_pfn(old_spte));
        }
        if (spte_is_bit_cleared(old_spte, new_spte, shadow_dirty_mask)) {
            kvm_set_pfn_dirty(spte_to_pfn(old_spte));
        }

        return ret;
    }

    /** Present to non-present for a leaf, passing the A/D state on to the host page. Returns 1 if it was an rmap spte. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "619-646")
    public static int mmu_spte_clear_track_bits(long sptep) {
        long pfn;
        long old_spte = deref(sptep);

        if (!spte_has_volatile_bits(old_spte)) {
            __update_clear_spte_fast(sptep, 0L);
        } else {
            old_spte = __update_clear_spte_slow(sptep, 0L);
        }

        if (!is_rmap_spte(old_spte)) {
            return 0;
        }

        pfn = spte_to_pfn(old_spte);

        if (shadow_accessed_mask == 0 || (old_spte & shadow_accessed_mask) != 0) {
            kvm_set_pfn_accessed(pfn);
        }
        if (shadow_dirty_mask == 0 || (old_spte & shadow_dirty_mask) != 0) {
            kvm_set_pfn_dirty(pfn);
        }
        return 1;
    }

    /** Clears a spte without looking at its state bits (upper-level entries). */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "653-656")
    public static void mmu_spte_clear_no_track(long sptep) {
        __update_clear_spte_fast(sptep, 0L);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "658-661")
    public static long mmu_spte_get_lockless(long sptep) {
        return __get_spte_lockless(sptep);
    }

    /**
     * Interrupts off and mode READING_SHADOW_PAGE_TABLES: a flusher's IPI now waits for
     * {@link #walk_shadow_page_lockless_end}, so no page table can be freed under the walk.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "663-676")
    public static void walk_shadow_page_lockless_begin(kvm_vcpu vcpu) {
        irqflags.local_irq_disable();
        vcpu.set_mode(READING_SHADOW_PAGE_TABLES);
        smp.smp_mb();
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "678-688")
    public static void walk_shadow_page_lockless_end(kvm_vcpu vcpu) {
        smp.smp_mb();
        vcpu.set_mode(OUTSIDE_GUEST_MODE);
        irqflags.local_irq_enable();
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "690-704")
    static int mmu_topup_memory_cache(kvm_mmu_memory_cache cache, kmem_cache<?> base_cache, int min) {
        Object obj;

        if (cache.nobjs >= min) {
            return 0;
        }
        while (cache.nobjs < cache.objects.length) {
            obj = kmem_cache.kmem_cache_zalloc(base_cache, gfp.GFP_KERNEL);
            cache.objects[cache.nobjs++] = obj;
        }
        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "706-709")
    static int mmu_memory_cache_free_objects(kvm_mmu_memory_cache cache) {
        return cache.nobjs;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "718-732")
    static int mmu_topup_memory_cache_page(kvm_mmu_memory_cache cache, int min) {
        if (cache.nobjs >= min) {
            return 0;
        }
        while (cache.nobjs < cache.objects.length) {
            long page = mm.__get_free_page();
            cache.objects[cache.nobjs++] = page;
        }
        return 0;
    }

    /** Fills the three caches with sleeping allocations, before any spinlock is taken. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "740-755")
    public static int mmu_topup_memory_caches(kvm_vcpu vcpu) {
        int r;

        r = mmu_topup_memory_cache(vcpu.arch.mmu_pte_list_desc_cache, pte_list_desc_cache, 8 + PTE_PREFETCH_NUM);
        if (r != 0) {
            return r;
        }
        r = mmu_topup_memory_cache_page(vcpu.arch.mmu_page_cache, 8);
        if (r != 0) {
            return r;
        }
        r = mmu_topup_memory_cache(vcpu.arch.mmu_page_header_cache, mmu_page_header_cache, 4);
        return r;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "766-773")
    static Object mmu_memory_cache_alloc(kvm_mmu_memory_cache mc) {
        BUG_ON(mc.nobjs == 0);
        Object p = mc.objects[--mc.nobjs];
        mc.objects[mc.nobjs] = null;
        return p;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "775-778")
    static pte_list_desc mmu_alloc_pte_list_desc(kvm_vcpu vcpu) {
        return (pte_list_desc) mmu_memory_cache_alloc(vcpu.arch.mmu_pte_list_desc_cache);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "780-783")
    static void mmu_free_pte_list_desc(pte_list_desc pte_list_desc) {
        kmem_cache.kmem_cache_free(pte_list_desc_cache, pte_list_desc.addr);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "785-791")
    public static long kvm_mmu_page_get_gfn(kvm_mmu_page sp, int index) {
        if (sp.role.direct == 0) {
            return sp.gfns[index];
        }
        return sp.gfn + ((long) index << ((sp.role.level - 1) * PT64_LEVEL_BITS));
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "793-799")
    static void kvm_mmu_page_set_gfn(kvm_mmu_page sp, int index, long gfn) {
        if (sp.role.direct != 0) {
            BUG_ON(gfn != kvm_mmu_page_get_gfn(sp, index));
        } else {
            sp.gfns[index] = gfn;
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "805-813")
    static kvm_lpage_info lpage_info_slot(long gfn, kvm_memory_slot slot, int level) {
        long idx = gfn_to_index(gfn, slot.base_gfn, level);
        return slot.arch.lpage_info[level - 2][(int) idx];
    }

    /** A shadowed guest page table lives in this gfn: no large page may map it. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "815-828")
    static void account_shadowed(kvm kvm, long gfn) {
        kvm_memory_slot slot;
        kvm_lpage_info linfo;

        slot = gfn_to_memslot(kvm, gfn);
        for (int i = PT_DIRECTORY_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            linfo = lpage_info_slot(gfn, slot, i);
            linfo.write_count += 1;
        }
        kvm.arch.indirect_shadow_pages++;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "830-844")
    static void unaccount_shadowed(kvm kvm, long gfn) {
        kvm_memory_slot slot;
        kvm_lpage_info linfo;

        slot = gfn_to_memslot(kvm, gfn);
        for (int i = PT_DIRECTORY_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            linfo = lpage_info_slot(gfn, slot, i);
            linfo.write_count -= 1;
            WARN_ON(linfo.write_count < 0);
        }
        kvm.arch.indirect_shadow_pages--;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "846-860")
    static int has_wrprotected_page(kvm kvm, long gfn, int level) {
        kvm_memory_slot slot;
        kvm_lpage_info linfo;

        slot = gfn_to_memslot(kvm, gfn);
        if (slot != null) {
            linfo = lpage_info_slot(gfn, slot, level);
            return linfo.write_count;
        }

        return 1;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "862-878")
    static int host_mapping_level(kvm kvm, long gfn) {
        long page_size;
        int ret = 0;

        page_size = kvm_main.kvm_host_page_size(kvm, gfn);

        for (int i = PT_PAGE_TABLE_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            if (page_size >= (PAGE_SIZE << ((i - 1) * 9))) {
                ret = i;
            } else {
                break;
            }
        }

        return ret;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "880-892")
    static kvm_memory_slot gfn_to_memslot_dirty_bitmap(kvm_vcpu vcpu, long gfn, boolean no_dirty_log) {
        kvm_memory_slot slot;

        slot = gfn_to_memslot(vcpu.kvm, gfn);
        if (slot == null || (slot.flags & KVM_MEMSLOT_INVALID) != 0 || (no_dirty_log && slot.dirty_bitmap != null)) {
            slot = null;
        }

        return slot;
    }

    /** True when the gfn's slot logs dirty pages: it must then be mapped with 4K sptes. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "894-897")
    public static boolean mapping_level_dirty_bitmap(kvm_vcpu vcpu, long large_gfn) {
        return gfn_to_memslot_dirty_bitmap(vcpu, large_gfn, true) == null;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "899-915")
    public static int mapping_level(kvm_vcpu vcpu, long large_gfn) {
        int host_level, level, max_level;

        host_level = host_mapping_level(vcpu.kvm, large_gfn);

        if (host_level == PT_PAGE_TABLE_LEVEL) {
            return host_level;
        }

        max_level = Math.min(x86.kvm_x86_ops.get_lpage_level(), host_level);

        for (level = PT_DIRECTORY_LEVEL; level <= max_level; ++level) {
            if (has_wrprotected_page(vcpu.kvm, large_gfn, level) != 0) {
                break;
            }
        }

        return level - 1;
    }

    /**
     * Adds {@code spte} to the rmap {@code pte_list}. The head word holds either one spte address
     * (bit 0 clear) or the address of a descriptor chain with bit 0 set. Returns how many entries
     * were there before (0 for an empty head).
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "929-961")
    public static int pte_list_add(kvm_vcpu vcpu, long spte, LongPtr pte_list) {
        pte_list_desc desc;
        int i, count = 0;

        if (pte_list.get() == 0) {
            pte_list.set(spte);
        } else if ((pte_list.get() & 1) == 0) {
            desc = mmu_alloc_pte_list_desc(vcpu);
            desc.sptes[0] = pte_list.get();
            desc.sptes[1] = spte;
            pte_list.set(desc.addr | 1);
            ++count;
        } else {
            desc = pte_list_desc_cache.lookup(pte_list.get() & ~1L);
            while (desc.sptes[PTE_LIST_EXT - 1] != 0 && desc.more != null) {
                desc = desc.more;
                count += PTE_LIST_EXT;
            }
            if (desc.sptes[PTE_LIST_EXT - 1] != 0) {
                desc.more = mmu_alloc_pte_list_desc(vcpu);
                desc = desc.more;
            }
            for (i = 0; desc.sptes[i] != 0; ++i) {
                ++count;
            }
            desc.sptes[i] = spte;
        }
        return count;
    }

    /** Fills the hole at {@code i} with the descriptor's last entry; frees the descriptor when it empties. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "963-983")
    static void pte_list_desc_remove_entry(LongPtr pte_list, pte_list_desc desc, int i, pte_list_desc prev_desc) {
        // >>> exercise 5: the helper
        int j;

        for (j = PTE_LIST_EXT - 1; desc.sptes[j] == 0 && j > i; --j) {
            // find the last used entry
        }
        desc.sptes[i] = desc.sptes[j];
        desc.sptes[j] = 0;
        if (j != 0) {
            return;
        }
        if (prev_desc == null && desc.more == null) {
            pte_list.set(desc.sptes[0]);
        } else if (prev_desc != null) {
            prev_desc.more = desc.more;
        } else {
            pte_list.set(desc.more.addr | 1);
        }
        mmu_free_pte_list_desc(desc);
        // kit: // TODO(ex5): fill the hole at i with the descriptor's last used entry; when the descriptor
        // kit: // empties, unlink it from the chain (or the head) and free it.
        // kit: throw new UnsupportedOperationException("exercise 5 is not done yet: write pte_list_desc_remove_entry (mmu.java)");
        // <<< exercise 5
    }

    /** Removes {@code spte} from the rmap; a spte that is not there is a kernel bug. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "985-1019")
    public static void pte_list_remove(long spte, LongPtr pte_list) {
        // >>> exercise 5: the function
        pte_list_desc desc;
        pte_list_desc prev_desc;
        int i;

        if (pte_list.get() == 0) {
            log.error(String.format("pte_list_remove: %016x 0->BUG", spte));
            BUG();
        } else if ((pte_list.get() & 1) == 0) {
            if (pte_list.get() != spte) {
                log.error(String.format("pte_list_remove:  %016x 1->BUG", spte));
                BUG();
            }
            pte_list.set(0);
        } else {
            desc = pte_list_desc_cache.lookup(pte_list.get() & ~1L);
            prev_desc = null;
            while (desc != null) {
                for (i = 0; i < PTE_LIST_EXT && desc.sptes[i] != 0; ++i) {
                    if (desc.sptes[i] == spte) {
                        pte_list_desc_remove_entry(pte_list, desc, i, prev_desc);
                        return;
                    }
                }
                prev_desc = desc;
                desc = desc.more;
            }
            log.error(String.format("pte_list_remove: %016x many->many", spte));
            BUG();
        }
        // kit: // TODO(ex5): three shapes of head: empty, one spte, a descriptor chain; a spte that is not
        // kit: // there is a kernel bug (BUG()).
        // kit: throw new UnsupportedOperationException("exercise 5 is not done yet: write pte_list_remove (mmu.java)");
        // <<< exercise 5
    }

    /** Calls {@code fn} on every spte of the rmap. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1021-1039")
    public static void pte_list_walk(LongPtr pte_list, LongConsumer fn) {
        pte_list_desc desc;
        int i;

        if (pte_list.get() == 0) {
            return;
        }

        if ((pte_list.get() & 1) == 0) {
            fn.accept(pte_list.get());
            return;
        }

        desc = pte_list_desc_cache.lookup(pte_list.get() & ~1L);
        while (desc != null) {
            for (i = 0; i < PTE_LIST_EXT && desc.sptes[i] != 0; ++i) {
                fn.accept(desc.sptes[i]);
            }
            desc = desc.more;
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1041-1048")
    public static LongPtr __gfn_to_rmap(long gfn, int level, kvm_memory_slot slot) {
        long idx;

        idx = gfn_to_index(gfn, slot.base_gfn, level);
        return slot.arch.rmap_ptr(level - PT_PAGE_TABLE_LEVEL, (int) idx); // &rmap[level - 1][idx], kept
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1053-1059")
    public static LongPtr gfn_to_rmap(kvm kvm, long gfn, int level) {
        kvm_memory_slot slot;

        slot = gfn_to_memslot(kvm, gfn);
        return __gfn_to_rmap(gfn, level, slot);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1061-1067")
    static boolean rmap_can_add(kvm_vcpu vcpu) {
        return mmu_memory_cache_free_objects(vcpu.arch.mmu_pte_list_desc_cache) != 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1069-1078")
    public static int rmap_add(kvm_vcpu vcpu, long spte, long gfn) {
        kvm_mmu_page sp;
        LongPtr rmapp;

        sp = page_header(__pa(spte));
        kvm_mmu_page_set_gfn(sp, spte_index(sp, spte), gfn);
        rmapp = gfn_to_rmap(vcpu.kvm, gfn, sp.role.level);
        return pte_list_add(vcpu, spte, rmapp);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1080-1090")
    public static void rmap_remove(kvm kvm, long spte) {
        kvm_mmu_page sp;
        long gfn;
        LongPtr rmapp;

        sp = page_header(__pa(spte));
        gfn = kvm_mmu_page_get_gfn(sp, spte_index(sp, spte));
        rmapp = gfn_to_rmap(kvm, gfn, sp.role.level);
        pte_list_remove(spte, rmapp);
    }

    /** {@code spte - sp->spt}: the index of a spte inside its page. */
    static int spte_index(kvm_mmu_page sp, long sptep) {
        return (int) ((sptep - sp.spt) >>> 3);
    }

    /** {@code struct rmap_iterator}: {@code desc} is null when the head holds a single spte. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1096-1100", name = "struct rmap_iterator")
    public static final class rmap_iterator {
        pte_list_desc desc;
        int pos;
    }

    /** Starts an rmap walk; returns the first spte address or 0. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1109-1122")
    public static long rmap_get_first(long rmap, rmap_iterator iter) {
        if (rmap == 0) {
            return 0;
        }

        if ((rmap & 1) == 0) {
            iter.desc = null;
            return rmap;
        }

        iter.desc = pte_list_desc_cache.lookup(rmap & ~1L);
        iter.pos = 0;
        return iter.desc.sptes[iter.pos];
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1129-1151")
    public static long rmap_get_next(rmap_iterator iter) {
        if (iter.desc != null) {
            if (iter.pos < PTE_LIST_EXT - 1) {
                long sptep;

                ++iter.pos;
                sptep = iter.desc.sptes[iter.pos];
                if (sptep != 0) {
                    return sptep;
                }
            }

            iter.desc = iter.desc.more;

            if (iter.desc != null) {
                iter.pos = 0;
                // a descriptor in the chain never has an empty first entry
                return iter.desc.sptes[iter.pos];
            }
        }

        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1153-1157")
    public static void drop_spte(kvm kvm, long sptep) {
        if (mmu_spte_clear_track_bits(sptep) != 0) {
            rmap_remove(kvm, sptep);
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1160-1171")
    static boolean __drop_large_spte(kvm kvm, long sptep) {
        if (is_large_pte(deref(sptep))) {
            WARN_ON(page_header(__pa(sptep)).role.level == PT_PAGE_TABLE_LEVEL);
            drop_spte(kvm, sptep);
            kvm.stat.lpages.decrementAndGet();
            return true;
        }

        return false;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1173-1177")
    static void drop_large_spte(kvm_vcpu vcpu, long sptep) {
        if (__drop_large_spte(vcpu.kvm, sptep)) {
            kvm_flush_remote_tlbs(vcpu.kvm);
        }
    }

    // >>> exercise 1: what spte_write_protect decides
    /**
     * Write-protects one spte. {@code pt_protect} is true when a guest page table is being shadowed
     * (clear SPTE_MMU_WRITEABLE too) and false for dirty logging (clear only W). Returns whether a
     * TLB flush is owed, from {@link #mmu_spte_update}. With {@code pt_protect}, a spte that is
     * already read-only but still SPTE_MMU_WRITEABLE (dirty logging got there first, maybe with
     * its flush still pending) is updated anyway, so that flush is reported owed.
     */
    // kit: /**
    // kit:  * Exercise 1 (docs/exercises/ex1-spte-write-protect.md): write-protect one spte, for
    // kit:  * dirty logging ({@code pt_protect} false) or for shadowing a guest page table (true), and
    // kit:  * return whether the caller owes a TLB flush.
    // kit:  */
    // <<< exercise 1
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1192-1207")
    public static boolean spte_write_protect(kvm kvm, long sptep, boolean pt_protect) {
        // >>> exercise 1: the body
        long spte = deref(sptep);

        if (!is_writable_pte(spte) && !(pt_protect && spte_is_locklessly_modifiable(spte))) {
            return false;
        }

        if (pt_protect) {
            spte &= ~SPTE_MMU_WRITEABLE;
        }
        spte = spte & ~PT_WRITABLE_MASK;

        return mmu_spte_update(sptep, spte);
        // kit: // TODO(ex1): decide whether there is anything to do, build the new spte, store it
        // kit: // through the right helper and return whether a TLB flush is owed.
        // kit: throw new UnsupportedOperationException("exercise 1 is not done yet: write spte_write_protect (mmu.java)");
        // <<< exercise 1
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1209-1224")
    public static boolean __rmap_write_protect(kvm kvm, LongPtr rmapp, boolean pt_protect) {
        long sptep;
        rmap_iterator iter = new rmap_iterator();
        boolean flush = false;

        for (sptep = rmap_get_first(rmapp.get(), iter); sptep != 0;) {
            BUG_ON((deref(sptep) & PT_PRESENT_MASK) == 0);

            flush |= spte_write_protect(kvm, sptep, pt_protect);
            sptep = rmap_get_next(iter);
        }

        return flush;
    }

    /**
     * Write-protects (for dirty logging) the 4K pages whose bits are set in {@code mask}, the
     * {@code BITS_PER_LONG} pages starting at {@code gfn_offset} in the slot. Large pages need no
     * care: a logged slot has none.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1236-1250")
    public static void kvm_mmu_write_protect_pt_masked(kvm kvm, kvm_memory_slot slot, long gfn_offset, long mask) {
        // >>> exercise 2: the body
        LongPtr rmapp;

        while (mask != 0) {
            rmapp = __gfn_to_rmap(slot.base_gfn + gfn_offset + bitops.__ffs(mask), PT_PAGE_TABLE_LEVEL, slot);
            __rmap_write_protect(kvm, rmapp, false);

            // clear the lowest set bit
            mask &= mask - 1;
        }
        // kit: // TODO(ex2): walk the set bits of mask; for each, find the gfn's 4K rmap and write-protect it
        // kit: // the dirty-logging way.
        // kit: throw new UnsupportedOperationException("exercise 2 is not done yet: write kvm_mmu_write_protect_pt_masked (mmu.java)");
        // <<< exercise 2
    }

    /** Write-protects a gfn at every level for shadowing ({@code pt_protect}); true if a flush is owed. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1252-1268")
    public static boolean rmap_write_protect(kvm kvm, long gfn) {
        kvm_memory_slot slot;
        LongPtr rmapp;
        boolean write_protected = false;

        slot = gfn_to_memslot(kvm, gfn);

        for (int i = PT_PAGE_TABLE_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            rmapp = __gfn_to_rmap(gfn, i, slot);
            write_protected |= __rmap_write_protect(kvm, rmapp, true);
        }

        return write_protected;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1519-1523")
    static void kvm_mod_used_mmu_pages(kvm kvm, int nr) {
        kvm.arch.n_used_mmu_pages += nr;
    }

    /**
     * Frees a zapped shadow page. The C version unlinks {@code sp} from its lists by itself
     * (hlist_del, list_del); here the lists belong to {@code kvm}, so it is passed in.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1525-1534")
    static void kvm_mmu_free_page(kvm kvm, kvm_mmu_page sp) {
        kvm.arch.mmu_page_hash.get(kvm_page_table_hashfn(sp.gfn)).remove(sp);
        if (!kvm.arch.zapped_obsolete_pages.remove(sp)) {
            kvm.arch.active_mmu_pages.remove(sp);
        }
        mm.free_page(sp.spt);
        if (sp.role.direct == 0) {
            mm.free_page(sp.gfns_page);
        }
        kmem_cache.kmem_cache_free(mmu_page_header_cache, sp.self);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1536-1539")
    static int kvm_page_table_hashfn(long gfn) {
        return (int) (gfn & ((1 << KVM_MMU_HASH_SHIFT) - 1));
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1541-1548")
    static void mmu_page_add_parent_pte(kvm_vcpu vcpu, kvm_mmu_page sp, long parent_pte) {
        if (parent_pte == 0) {
            return;
        }

        pte_list_add(vcpu, parent_pte, sp.parent_ptes);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1563-1584")
    static kvm_mmu_page kvm_mmu_alloc_page(kvm_vcpu vcpu, long parent_pte, int direct) {
        kvm_mmu_page sp;

        sp = (kvm_mmu_page) mmu_memory_cache_alloc(vcpu.arch.mmu_page_header_cache);
        sp.spt = (Long) mmu_memory_cache_alloc(vcpu.arch.mmu_page_cache);
        if (direct == 0) {
            // the kernel uses a second page as the gfn array
            sp.gfns_page = (Long) mmu_memory_cache_alloc(vcpu.arch.mmu_page_cache);
            sp.gfns = new long[PT64_ENT_PER_PAGE];
        }
        mm.set_page_private(mm.virt_to_page(sp.spt), sp);

        // active_mmu_pages is a FIFO: new pages at the head, never moved until zapped
        vcpu.kvm.arch.active_mmu_pages.addFirst(sp);
        sp.parent_ptes.set(0);
        mmu_page_add_parent_pte(vcpu, sp, parent_pte);
        kvm_mod_used_mmu_pages(vcpu.kvm, +1);
        return sp;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1587-1590")
    static void kvm_mmu_mark_parents_unsync(kvm_mmu_page sp) {
        pte_list_walk(sp.parent_ptes, mmu::mark_unsync);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1592-1604")
    static void mark_unsync(long spte) {
        kvm_mmu_page sp;
        int index;

        sp = page_header(__pa(spte));
        index = spte_index(sp, spte);
        if (bitops.test_and_set_bit(index, sp.unsync_child_bitmap)) {
            return;
        }
        if (sp.unsync_children++ != 0) {
            return;
        }
        kvm_mmu_mark_parents_unsync(sp);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1703-1709")
    static void kvm_unlink_unsync_page(kvm kvm, kvm_mmu_page sp) {
        WARN_ON(!sp.unsync);
        sp.unsync = false;
        kvm.stat.mmu_unsync.decrementAndGet();
    }

    /** {@code for_each_gfn_sp}: the shadow pages in {@code gfn}'s hash bucket whose gfn matches. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1726-1729", name = "for_each_gfn_sp")
    static List<kvm_mmu_page> for_each_gfn_sp(kvm kvm, long gfn) {
        List<kvm_mmu_page> out = new ArrayList<>();
        for (kvm_mmu_page sp : kvm.arch.mmu_page_hash.get(kvm_page_table_hashfn(gfn))) {
            if (sp.gfn == gfn) {
                out.add(sp);
            }
        }
        return out;
    }

    /** {@code for_each_gfn_indirect_valid_sp}: as above, indirect and not invalid. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1731-1733", name = "for_each_gfn_indirect_valid_sp")
    static List<kvm_mmu_page> for_each_gfn_indirect_valid_sp(kvm kvm, long gfn) {
        List<kvm_mmu_page> out = for_each_gfn_sp(kvm, gfn);
        out.removeIf(sp -> sp.role.direct != 0 || sp.role.invalid != 0);
        return out;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1896-1902")
    static void init_shadow_page_table(kvm_mmu_page sp) {
        for (int i = 0; i < PT64_ENT_PER_PAGE; ++i) {
            assign(sp.spt + 8L * i, 0L);
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1904-1907")
    static void __clear_sp_write_flooding_count(kvm_mmu_page sp) {
        sp.write_flooding_count = 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1916-1919")
    static boolean is_obsolete_sp(kvm kvm, kvm_mmu_page sp) {
        return sp.mmu_valid_gen != kvm.arch.mmu_valid_gen;
    }

    /**
     * Finds or creates the shadow page for ({@code gfn}, role). A new indirect page (a shadowed
     * guest page table) write-protects its gfn with {@code pt_protect} and flushes at once, under
     * {@code mmu_lock}: the first kind of write protection of the mmu.h comment.
     *
     * <p>Not ported: re-syncing an unsync indirect page ({@code kvm_sync_page_transient},
     * {@code kvm_sync_pages}); the port reports that path as a kernel bug rather than guess.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1921-1990")
    public static kvm_mmu_page kvm_mmu_get_page(kvm_vcpu vcpu, long gfn, long gaddr, int level, int direct, int access,
                                                long parent_pte) {
        kvm_mmu_page_role role;
        int quadrant;
        kvm_mmu_page sp;
        boolean need_sync = false;

        role = vcpu.arch.mmu.base_role.copy();
        role.level = level;
        role.direct = direct;
        if (role.direct != 0) {
            role.cr4_pae = 0;
        }
        role.access = access;
        if (!vcpu.arch.mmu.direct_map && vcpu.arch.mmu.root_level <= PT32_ROOT_LEVEL) {
            quadrant = (int) (gaddr >>> (PAGE_SHIFT + (PT64_PT_BITS * level)));
            quadrant &= (1 << ((PT32_PT_BITS - PT64_PT_BITS) * level)) - 1;
            role.quadrant = quadrant;
        }
        for (kvm_mmu_page s : for_each_gfn_sp(vcpu.kvm, gfn)) {
            if (is_obsolete_sp(vcpu.kvm, s)) {
                continue;
            }

            if (!need_sync && s.unsync) {
                need_sync = true;
            }

            if (s.role.word() != role.word()) {
                continue;
            }

            if (s.unsync) {
                throw new KernelBug(
                        "kvm_sync_page_transient (mmu.c 1756-1767) is outside the port's scope: " + s);
            }

            mmu_page_add_parent_pte(vcpu, s, parent_pte);
            if (s.unsync_children != 0) {
                kvm_make_request(KVM_REQ_MMU_SYNC, vcpu);
                kvm_mmu_mark_parents_unsync(s);
            } else if (s.unsync) {
                kvm_mmu_mark_parents_unsync(s);
            }

            __clear_sp_write_flooding_count(s);
            return s;
        }
        vcpu.kvm.stat.mmu_cache_miss.incrementAndGet();
        sp = kvm_mmu_alloc_page(vcpu, parent_pte, direct);
        sp.gfn = gfn;
        sp.role = role;
        vcpu.kvm.arch.mmu_page_hash.get(kvm_page_table_hashfn(gfn)).add(0, sp);
        if (direct == 0) {
            if (rmap_write_protect(vcpu.kvm, gfn)) {
                kvm_flush_remote_tlbs(vcpu.kvm);
            }
            if (level > PT_PAGE_TABLE_LEVEL && need_sync) {
                throw new KernelBug(
                        "kvm_sync_pages (mmu.c 1783-1805) is outside the port's scope: gfn " + gfn);
            }

            account_shadowed(vcpu.kvm, gfn);
        }
        sp.mmu_valid_gen = vcpu.kvm.arch.mmu_valid_gen;
        init_shadow_page_table(sp);
        return sp;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1992-2012")
    public static void shadow_walk_init(kvm_shadow_walk_iterator iterator, kvm_vcpu vcpu, long addr) {
        iterator.addr = addr;
        iterator.shadow_addr = vcpu.arch.mmu.root_hpa;
        iterator.level = vcpu.arch.mmu.shadow_root_level;

        if (iterator.level == PT64_ROOT_LEVEL && vcpu.arch.mmu.root_level < PT64_ROOT_LEVEL
                && !vcpu.arch.mmu.direct_map) {
            --iterator.level;
        }

        if (iterator.level == PT32E_ROOT_LEVEL) {
            iterator.shadow_addr = vcpu.arch.mmu.pae_root[(int) ((addr >>> 30) & 3)];
            iterator.shadow_addr &= PT64_BASE_ADDR_MASK;
            --iterator.level;
            if (iterator.shadow_addr == 0) {
                iterator.level = 0;
            }
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2014-2022")
    public static boolean shadow_walk_okay(kvm_shadow_walk_iterator iterator) {
        if (iterator.level < PT_PAGE_TABLE_LEVEL) {
            return false;
        }

        iterator.index = SHADOW_PT_INDEX(iterator.addr, iterator.level);
        iterator.sptep = __va(iterator.shadow_addr) + 8L * iterator.index;
        return true;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2024-2034")
    public static void __shadow_walk_next(kvm_shadow_walk_iterator iterator, long spte) {
        if (is_last_spte(spte, iterator.level)) {
            iterator.level = 0;
            return;
        }

        iterator.shadow_addr = spte & PT64_BASE_ADDR_MASK;
        --iterator.level;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2036-2039")
    public static void shadow_walk_next(kvm_shadow_walk_iterator iterator) {
        __shadow_walk_next(iterator, deref(iterator.sptep));
    }

    /** Points a non-leaf spte at the child table {@code sp}, with full permissions. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2041-2055")
    static void link_shadow_page(long sptep, kvm_mmu_page sp, boolean accessed) {
        long spte;

        // EPT read and write bits sit where PT_PRESENT_MASK and PT_WRITABLE_MASK are (a build-time check in C)
        spte = __pa(sp.spt) | PT_PRESENT_MASK | PT_WRITABLE_MASK | shadow_user_mask | shadow_x_mask;

        if (accessed) {
            spte |= shadow_accessed_mask;
        }

        mmu_spte_set(sptep, spte);
    }

    /** Clears one spte of {@code sp}: a leaf leaves its rmap, a link leaves the child's parent list. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2079-2102")
    static boolean mmu_page_zap_pte(kvm kvm, kvm_mmu_page sp, long spte) {
        long pte;
        kvm_mmu_page child;

        pte = deref(spte);
        if (is_shadow_present_pte(pte)) {
            if (is_last_spte(pte, sp.role.level)) {
                drop_spte(kvm, spte);
                if (is_large_pte(pte)) {
                    kvm.stat.lpages.decrementAndGet();
                }
            } else {
                child = page_header(pte & PT64_BASE_ADDR_MASK);
                drop_parent_pte(child, spte);
            }
            return true;
        }

        if (is_mmio_spte(pte)) {
            mmu_spte_clear_no_track(spte);
        }

        return false;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2104-2111")
    static void kvm_mmu_page_unlink_children(kvm kvm, kvm_mmu_page sp) {
        for (int i = 0; i < PT64_ENT_PER_PAGE; ++i) {
            mmu_page_zap_pte(kvm, sp, sp.spt + 8L * i);
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2118-2125")
    static void kvm_mmu_unlink_parents(kvm kvm, kvm_mmu_page sp) {
        long sptep;
        rmap_iterator iter = new rmap_iterator();

        while ((sptep = rmap_get_first(sp.parent_ptes.get(), iter)) != 0) {
            drop_parent_pte(sp, sptep);
        }
    }

    /** Zapping the unsync children of a shadowed guest table is outside the port: none exist on a direct map. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2127-2151", note = "only the no-unsync-children case")
    static int mmu_zap_unsync_children(kvm kvm, kvm_mmu_page parent, List<kvm_mmu_page> invalid_list) {
        if (parent.role.level == PT_PAGE_TABLE_LEVEL) {
            return 0;
        }
        if (parent.unsync_children == 0) {
            return 0; // mmu_unsync_walk finds nothing
        }
        throw new KernelBug("mmu_unsync_walk (mmu.c 1693-1701) is outside the port's scope: " + parent);
    }

    /**
     * Unlinks {@code sp} from its children and parents and marks it invalid. A page that is no
     * vCPU's root goes to {@code invalid_list}, to be freed by {@link #kvm_mmu_commit_zap_page}
     * after a flush; a root stays until its last vCPU lets go, and the vCPUs are told to reload.
     * Returns how many pages went to the list.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2153-2187")
    static int kvm_mmu_prepare_zap_page(kvm kvm, kvm_mmu_page sp, List<kvm_mmu_page> invalid_list) {
        int ret;

        kvm.stat.mmu_shadow_zapped.incrementAndGet();
        ret = mmu_zap_unsync_children(kvm, sp, invalid_list);
        kvm_mmu_page_unlink_children(kvm, sp);
        kvm_mmu_unlink_parents(kvm, sp);

        if (sp.role.invalid == 0 && sp.role.direct == 0) {
            unaccount_shadowed(kvm, sp.gfn);
        }

        if (sp.unsync) {
            kvm_unlink_unsync_page(kvm, sp);
        }
        if (sp.root_count == 0) {
            // Count self
            ret++;
            kvm.arch.active_mmu_pages.remove(sp);
            kvm.arch.zapped_obsolete_pages.remove(sp);
            invalid_list.add(0, sp);
            kvm_mod_used_mmu_pages(kvm, -1);
        } else {
            kvm.arch.active_mmu_pages.remove(sp);
            kvm.arch.active_mmu_pages.addFirst(sp);

            // an obsolete root is unusable already, see kvm_mmu_invalidate_zap_all_pages()
            if (sp.role.invalid == 0 && !is_obsolete_sp(kvm, sp)) {
                kvm_main.kvm_reload_remote_mmus(kvm);
            }
        }

        sp.role.invalid = 1;
        return ret;
    }

    /**
     * Frees the pages of {@code invalid_list}, after a remote flush has waited for every vCPU to
     * leave guest mode and every lockless walk ({@link #walk_shadow_page_lockless_begin}) to end:
     * nobody can be reading them any more.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2189-2212")
    static void kvm_mmu_commit_zap_page(kvm kvm, List<kvm_mmu_page> invalid_list) {
        if (invalid_list.isEmpty()) {
            return;
        }

        smp.smp_mb();

        // waits for guest mode and lockless walks to end
        kvm_flush_remote_tlbs(kvm);

        for (kvm_mmu_page sp : new ArrayList<>(invalid_list)) {
            WARN_ON(sp.role.invalid == 0 || sp.root_count != 0);
            invalid_list.remove(sp);
            kvm_mmu_free_page(kvm, sp);
        }
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2382-2389")
    static void __kvm_unsync_page(kvm_vcpu vcpu, kvm_mmu_page sp) {
        vcpu.kvm.stat.mmu_unsync.incrementAndGet();
        sp.unsync = true;

        kvm_mmu_mark_parents_unsync(sp);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2391-2401")
    static void kvm_unsync_pages(kvm_vcpu vcpu, long gfn) {
        for (kvm_mmu_page s : for_each_gfn_indirect_valid_sp(vcpu.kvm, gfn)) {
            if (s.unsync) {
                continue;
            }
            WARN_ON(s.role.level != PT_PAGE_TABLE_LEVEL);
            __kvm_unsync_page(vcpu, s);
        }
    }

    /** Is {@code gfn} a shadowed guest page table that must stay read-only? */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2403-2422")
    static int mmu_need_write_protect(kvm_vcpu vcpu, long gfn, boolean can_unsync) {
        boolean need_unsync = false;

        for (kvm_mmu_page s : for_each_gfn_indirect_valid_sp(vcpu.kvm, gfn)) {
            if (!can_unsync) {
                return 1;
            }

            if (s.role.level != PT_PAGE_TABLE_LEVEL) {
                return 1;
            }

            if (!s.unsync) {
                need_unsync = true;
            }
        }
        if (need_unsync) {
            kvm_unsync_pages(vcpu, gfn);
        }
        return 0;
    }

    /**
     * Builds a leaf spte. A writable mapping gets W and SPTE_MMU_WRITEABLE together and its page
     * is marked dirty right here (the write fault that made it writable is the dirtying write).
     * Returns 1 when the gfn had to stay write-protected.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2424-2500")
    static int set_spte(kvm_vcpu vcpu, long sptep, int pte_access, int level, long gfn, long pfn,
                        boolean speculative, boolean can_unsync, boolean host_writable) {
        long spte;
        int ret = 0;

        if (is_noslot_pfn(pfn)) {
            // set_mmio_spte: MMIO sptes are outside the port's scope (see handle_abnormal_pfn)
            return 0;
        }

        spte = PT_PRESENT_MASK;
        if (!speculative) {
            spte |= shadow_accessed_mask;
        }

        if ((pte_access & ACC_EXEC_MASK) != 0) {
            spte |= shadow_x_mask;
        } else {
            spte |= shadow_nx_mask;
        }

        if ((pte_access & ACC_USER_MASK) != 0) {
            spte |= shadow_user_mask;
        }

        if (level > PT_PAGE_TABLE_LEVEL) {
            spte |= PT_PAGE_SIZE_MASK;
        }
        if (tdp_enabled) {
            spte |= x86.kvm_x86_ops.get_mt_mask(vcpu, gfn, kvm_main.kvm_is_mmio_pfn(pfn));
        }

        if (host_writable) {
            spte |= SPTE_HOST_WRITEABLE;
        } else {
            pte_access &= ~ACC_WRITE_MASK;
        }

        spte |= pfn << PAGE_SHIFT;

        set_pte:
        {
            if ((pte_access & ACC_WRITE_MASK) != 0) {
                // Another vCPU may have shadowed a page in this range since mapping_level();
                // leave it unmapped and let the guest fault again.
                if (level > PT_PAGE_TABLE_LEVEL && has_wrprotected_page(vcpu.kvm, gfn, level) != 0) {
                    return ret; // goto done
                }

                spte |= PT_WRITABLE_MASK | SPTE_MMU_WRITEABLE;

                // Re-syncing a spte that is already writable needs no hash lookup and no dirty marking.
                if (!can_unsync && is_writable_pte(deref(sptep))) {
                    break set_pte;
                }

                if (mmu_need_write_protect(vcpu, gfn, can_unsync) != 0) {
                    ret = 1;
                    pte_access &= ~ACC_WRITE_MASK;
                    spte &= ~(PT_WRITABLE_MASK | SPTE_MMU_WRITEABLE);
                }
            }

            if ((pte_access & ACC_WRITE_MASK) != 0) {
                mark_page_dirty(vcpu.kvm, gfn);
            }
        }
        if (mmu_spte_update(sptep, spte)) {
            kvm_flush_remote_tlbs(vcpu.kvm);
        }
        return ret;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2502-2562")
    static void mmu_set_spte(kvm_vcpu vcpu, long sptep, int pte_access, int write_fault, int[] emulate, int level,
                             long gfn, long pfn, boolean speculative, boolean host_writable) {
        int was_rmapped = 0;
        int rmap_count;

        if (is_rmap_spte(deref(sptep))) {
            // Replacing a pointer to a 4K table with a 2M leaf: unlink the now unreachable child.
            if (level > PT_PAGE_TABLE_LEVEL && !is_large_pte(deref(sptep))) {
                kvm_mmu_page child;
                long pte = deref(sptep);

                child = page_header(pte & PT64_BASE_ADDR_MASK);
                drop_parent_pte(child, sptep);
                kvm_flush_remote_tlbs(vcpu.kvm);
            } else if (pfn != spte_to_pfn(deref(sptep))) {
                drop_spte(vcpu.kvm, sptep);
                kvm_flush_remote_tlbs(vcpu.kvm);
            } else {
                was_rmapped = 1;
            }
        }

        if (set_spte(vcpu, sptep, pte_access, level, gfn, pfn, speculative, true, host_writable) != 0) {
            if (write_fault != 0) {
                emulate[0] = 1;
            }
            kvm_mmu_flush_tlb(vcpu);
        }

        if (is_mmio_spte(deref(sptep)) && emulate != null) {
            emulate[0] = 1;
        }

        if (was_rmapped == 0 && is_large_pte(deref(sptep))) {
            vcpu.kvm.stat.lpages.incrementAndGet();
        }

        if (is_shadow_present_pte(deref(sptep))) {
            if (was_rmapped == 0) {
                rmap_count = rmap_add(vcpu, sptep, gfn);
                // rmap_recycle when the chain is long (RMAP_RECYCLE_THRESHOLD) is not ported:
                // a direct map has one spte per gfn.
            }
        }

        kvm_release_pfn_clean(pfn);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "1556-1561")
    static void drop_parent_pte(kvm_mmu_page sp, long parent_pte) {
        pte_list_remove(parent_pte, sp.parent_ptes);
        mmu_spte_clear_no_track(parent_pte);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2576-2599")
    static int direct_pte_prefetch_many(kvm_vcpu vcpu, kvm_mmu_page sp, long start, long end) {
        int access = sp.role.access;
        int i, ret;
        long gfn;

        gfn = kvm_mmu_page_get_gfn(sp, spte_index(sp, start));
        if (gfn_to_memslot_dirty_bitmap(vcpu, gfn, (access & ACC_WRITE_MASK) != 0) == null) {
            return -1;
        }

        long[] pfns = new long[(int) ((end - start) >>> 3)];
        ret = kvm_main.gfn_to_page_many_atomic(vcpu.kvm, gfn, pfns, pfns.length);
        if (ret <= 0) {
            return -1;
        }

        for (i = 0; i < ret; i++, gfn++, start += 8) {
            mmu_set_spte(vcpu, start, access, 0, null, sp.role.level, gfn, pfns[i], true, true);
        }

        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2601-2622")
    static void __direct_pte_prefetch(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep) {
        long spte, start = 0;
        int i;

        WARN_ON(sp.role.direct == 0);

        i = spte_index(sp, sptep) & ~(PTE_PREFETCH_NUM - 1);
        spte = sp.spt + 8L * i;

        for (i = 0; i < PTE_PREFETCH_NUM; i++, spte += 8) {
            if (is_shadow_present_pte(deref(spte)) || spte == sptep) {
                if (start == 0) {
                    continue;
                }
                if (direct_pte_prefetch_many(vcpu, sp, start, spte) < 0) {
                    break;
                }
                start = 0;
            } else if (start == 0) {
                start = spte;
            }
        }
    }

    /** Maps a few neighbours of a faulting gfn. EPT without A/D bits cannot tell them from real accesses, so it skips this. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2624-2642")
    static void direct_pte_prefetch(kvm_vcpu vcpu, long sptep) {
        kvm_mmu_page sp;

        if (shadow_accessed_mask == 0) {
            return;
        }

        sp = page_header(__pa(sptep));
        if (sp.role.level > PT_PAGE_TABLE_LEVEL) {
            return;
        }

        __direct_pte_prefetch(vcpu, sp, sptep);
    }

    /** Walks (building missing tables) from the root to {@code level} and installs the leaf for {@code gfn}. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2644-2680")
    static int __direct_map(kvm_vcpu vcpu, long v, int write, boolean map_writable, int level, long gfn, long pfn,
                            boolean prefault) {
        kvm_shadow_walk_iterator iterator = new kvm_shadow_walk_iterator();
        kvm_mmu_page sp;
        int[] emulate = {0};
        long pseudo_gfn;

        if (!VALID_PAGE(vcpu.arch.mmu.root_hpa)) {
            return 0;
        }

        for (shadow_walk_init(iterator, vcpu, gfn << PAGE_SHIFT); shadow_walk_okay(iterator); shadow_walk_next(iterator)) {
            if (iterator.level == level) {
                mmu_set_spte(vcpu, iterator.sptep, ACC_ALL, write, emulate, level, gfn, pfn, prefault, map_writable);
                direct_pte_prefetch(vcpu, iterator.sptep);
                vcpu.stat.pf_fixed.incrementAndGet();
                break;
            }

            drop_large_spte(vcpu, iterator.sptep);
            if (!is_shadow_present_pte(deref(iterator.sptep))) {
                long base_addr = iterator.addr;

                base_addr &= PT64_LVL_ADDR_MASK(iterator.level);
                pseudo_gfn = base_addr >>> PAGE_SHIFT;
                sp = kvm_mmu_get_page(vcpu, pseudo_gfn, iterator.addr, iterator.level - 1, 1, ACC_ALL, iterator.sptep);

                link_shadow_page(iterator.sptep, sp, true);
            }
        }
        return emulate[0];
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2695-2712")
    static int kvm_handle_bad_page(kvm_vcpu vcpu, long gfn, long pfn) {
        if (pfn == KVM_PFN_ERR_RO_FAULT) {
            return 1;
        }
        // KVM_PFN_ERR_HWPOISON would signal the VMM; the model's host memory never fails
        return -EFAULT;
    }

    /** PageTransCompound(pfn_to_page(pfn)): the model's host backs guest memory with 4K pages only. */
    static boolean PageTransCompound(long pfn) {
        return false;
    }

    /** Raises a 4K mapping to 2M when the host page is a transparent huge page (never, on this host). */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2714-2753")
    static void transparent_hugepage_adjust(kvm_vcpu vcpu, long[] gfnp, long[] pfnp, int[] levelp) {
        long pfn = pfnp[0];
        long gfn = gfnp[0];
        int level = levelp[0];

        if (!is_error_noslot_pfn(pfn) && !kvm_main.kvm_is_mmio_pfn(pfn) && level == PT_PAGE_TABLE_LEVEL
                && PageTransCompound(pfn) && has_wrprotected_page(vcpu.kvm, gfn, PT_DIRECTORY_LEVEL) == 0) {
            long mask;
            levelp[0] = level = PT_DIRECTORY_LEVEL;
            mask = KVM_PAGES_PER_HPAGE(level) - 1;
            BUG_ON((gfn & mask) != (pfn & mask));
            if ((pfn & mask) != 0) {
                gfn &= ~mask;
                gfnp[0] = gfn;
                kvm_release_pfn_clean(pfn);
                pfn &= ~mask;
                pfnp[0] = pfn;
            }
        }
    }

    /**
     * An error pfn ends the fault with its errno. A gfn outside every memslot would become an
     * MMIO spte in the kernel; MMIO emulation is outside the port, so the fault ends with
     * {@code -EFAULT} instead (departure).
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2755-2772",
            note = "no-slot gfns end with -EFAULT instead of caching MMIO info")
    static boolean handle_abnormal_pfn(kvm_vcpu vcpu, long gva, long gfn, long pfn, int access, int[] ret_val) {
        if (is_error_pfn(pfn)) {
            ret_val[0] = kvm_handle_bad_page(vcpu, gfn, pfn);
            return true;
        }

        if (is_noslot_pfn(pfn)) {
            ret_val[0] = -EFAULT;
            return true;
        }

        return false;
    }

    /** Only a write to a present, write-protected spte can be fixed without mmu_lock. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2774-2793")
    public static boolean page_fault_can_be_fast(int error_code) {
        // An MMIO spte with a stale generation must go through the slow path.
        if ((error_code & PFERR_RSVD_MASK) != 0) {
            return false;
        }

        if ((error_code & PFERR_PRESENT_MASK) == 0 || (error_code & PFERR_WRITE_MASK) == 0) {
            return false;
        }

        return true;
    }

    // >>> exercise 7: what fast_pf_fix_direct_spte does
    /**
     * Sets W with one {@code cmpxchg64}, outside {@code mmu_lock}. Only the CPU that won the
     * exchange marks the page dirty; a lost race (the spte changed under us) just lets the guest
     * retry the access. Returns true either way: the guest retries.
     */
    // kit: /**
    // kit:  * Exercise 7 (docs/exercises/ex7-why-cmpxchg64.md): make the dirty-logged spte at
    // kit:  * {@code sptep} writable again without {@code mmu_lock}; {@code spte} is the value
    // kit:  * fast_page_fault read there a moment ago. Log the write and return whether the guest
    // kit:  * should just retry the access.
    // kit:  */
    // <<< exercise 7
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2795-2813")
    public static boolean fast_pf_fix_direct_spte(kvm_vcpu vcpu, kvm_mmu_page sp, long sptep, long spte) {
        // >>> exercise 7: the body
        long gfn;

        WARN_ON(sp.role.direct == 0);

        // a direct page's gfn follows from sp->gfn, so it is stable without the lock
        gfn = kvm_mmu_page_get_gfn(sp, spte_index(sp, sptep));

        if (cmpxchg.cmpxchg64(sptep, spte, spte | PT_WRITABLE_MASK) == spte) {
            mark_page_dirty(vcpu.kvm, gfn);
        }

        return true;
        // kit: // TODO(ex7): find the gfn this spte maps, set W in the spte without losing what another
        // kit: // CPU may have stored there since spte was read, and log the write.
        // kit: throw new UnsupportedOperationException("exercise 7 is not done yet: write fast_pf_fix_direct_spte (mmu.java)");
        // <<< exercise 7
    }

    /**
     * The lockless fix of a write fault on a spte that dirty logging made read-only. Returns true
     * when the guest should just retry the access, false when the slow path must handle it.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2820-2895")
    public static boolean fast_page_fault(kvm_vcpu vcpu, long gva, int level, int error_code) {
        kvm_shadow_walk_iterator iterator = new kvm_shadow_walk_iterator();
        kvm_mmu_page sp;
        boolean ret = false;
        long spte = 0L;

        if (!VALID_PAGE(vcpu.arch.mmu.root_hpa)) {
            return false;
        }

        if (!page_fault_can_be_fast(error_code)) {
            return false;
        }

        walk_shadow_page_lockless_begin(vcpu);
        try {
            // for_each_shadow_entry_lockless
            for (shadow_walk_init(iterator, vcpu, gva);
                 shadow_walk_okay(iterator) && ((spte = mmu_spte_get_lockless(iterator.sptep)) | 1) != 0;
                 __shadow_walk_next(iterator, spte)) {
                if (!is_shadow_present_pte(spte) || iterator.level < level) {
                    break;
                }
            }

            // The mapping changed under us: let the vCPU fault again.
            if (!is_rmap_spte(spte)) {
                ret = true;
                return ret;
            }

            sp = page_header(__pa(iterator.sptep));
            if (!is_last_spte(spte, sp.role.level)) {
                return ret;
            }

            // Already writable: a stale read-only TLB entry faulted (a lazily flushed TLB).
            if (is_writable_pte(spte)) {
                ret = true;
                return ret;
            }

            // Only sptes that dirty logging write-protected may be fixed here.
            if (!spte_is_locklessly_modifiable(spte)) {
                return ret;
            }

            // A large spte would log only its first page: leave it to the slow path.
            if (sp.role.level > PT_PAGE_TABLE_LEVEL) {
                return ret;
            }

            // Direct pages only: an indirect page's gfn is not stable without the lock.
            ret = fast_pf_fix_direct_spte(vcpu, sp, iterator.sptep, spte);
            return ret;
        } finally {
            walk_shadow_page_lockless_end(vcpu);
        }
    }

    /** Lets go of this vCPU's root; the last user of an invalid root frees it. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2958-3001", note = "the 4-level root branch only")
    static void mmu_free_roots(kvm_vcpu vcpu) {
        kvm_mmu_page sp;
        List<kvm_mmu_page> invalid_list = new ArrayList<>();

        if (!VALID_PAGE(vcpu.arch.mmu.root_hpa)) {
            return;
        }

        if (vcpu.arch.mmu.shadow_root_level == PT64_ROOT_LEVEL
                && (vcpu.arch.mmu.root_level == PT64_ROOT_LEVEL || vcpu.arch.mmu.direct_map)) {
            long root = vcpu.arch.mmu.root_hpa;

            spin_lock(vcpu.kvm.mmu_lock);
            try {
                sp = page_header(root);
                --sp.root_count;
                if (sp.root_count == 0 && sp.role.invalid != 0) {
                    kvm_mmu_prepare_zap_page(vcpu.kvm, sp, invalid_list);
                    kvm_mmu_commit_zap_page(vcpu.kvm, invalid_list);
                }
            } finally {
                spin_unlock(vcpu.kvm.mmu_lock);
            }
            vcpu.arch.mmu.root_hpa = INVALID_PAGE;
            return;
        }
        throw new KernelBug("PAE roots are outside the port's scope");
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3015-3049")
    static int mmu_alloc_direct_roots(kvm_vcpu vcpu) {
        kvm_mmu_page sp;

        if (vcpu.arch.mmu.shadow_root_level == PT64_ROOT_LEVEL) {
            spin_lock(vcpu.kvm.mmu_lock);
            make_mmu_pages_available(vcpu);
            sp = kvm_mmu_get_page(vcpu, 0, 0, PT64_ROOT_LEVEL, 1, ACC_ALL, 0);
            ++sp.root_count;
            spin_unlock(vcpu.kvm.mmu_lock);
            vcpu.arch.mmu.root_hpa = __pa(sp.spt);
        } else if (vcpu.arch.mmu.shadow_root_level == PT32E_ROOT_LEVEL) {
            // four PAE roots (mmu.c 3028-3044): EPT always has a 4-level root, so not ported
            throw new KernelBug("PAE shadow roots are outside the port's scope");
        } else {
            BUG();
        }

        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3147-3153")
    static int mmu_alloc_roots(kvm_vcpu vcpu) {
        if (vcpu.arch.mmu.direct_map) {
            return mmu_alloc_direct_roots(vcpu);
        }
        throw new KernelBug("mmu_alloc_shadow_roots (shadow paging) is outside the port's scope");
    }

    /** No async page faults in this model: the pfn is looked up synchronously. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3350-3373")
    static boolean try_async_pf(kvm_vcpu vcpu, boolean prefault, long gfn, long gva, long[] pfn, boolean write,
                                boolean[] writable) {
        pfn[0] = kvm_main.gfn_to_pfn_prot(vcpu.kvm, gfn, write, writable);
        return false;
    }

    /**
     * The EPT-violation handler: try the lockless fast path, otherwise look up the host page and
     * map it under {@code mmu_lock}. Returns 0 when the guest may retry, a negative errno on
     * failure, 1 when the access must be emulated.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3375-3436")
    public static int tdp_page_fault(kvm_vcpu vcpu, long gpa, int error_code, boolean prefault) {
        long[] pfn = {0};
        int[] r = {0};
        int[] level = {0};
        boolean force_pt_level;
        long[] gfn = {gpa >>> PAGE_SHIFT};
        long mmu_seq;
        int write = error_code & PFERR_WRITE_MASK;
        boolean[] map_writable = {false};

        if ((error_code & PFERR_RSVD_MASK) != 0) {
            // handle_mmio_page_fault: MMIO is outside the port's scope
            return -EFAULT;
        }

        r[0] = mmu_topup_memory_caches(vcpu);
        if (r[0] != 0) {
            return r[0];
        }

        force_pt_level = mapping_level_dirty_bitmap(vcpu, gfn[0]);
        if (!force_pt_level) {
            level[0] = mapping_level(vcpu, gfn[0]);
            gfn[0] &= ~(KVM_PAGES_PER_HPAGE(level[0]) - 1);
        } else {
            level[0] = PT_PAGE_TABLE_LEVEL;
        }

        if (fast_page_fault(vcpu, gpa, level[0], error_code)) {
            return 0;
        }

        mmu_seq = vcpu.kvm.mmu_notifier_seq;
        smp.smp_mb(); // smp_rmb

        if (try_async_pf(vcpu, prefault, gfn[0], gpa, pfn, write != 0, map_writable)) {
            return 0;
        }

        if (handle_abnormal_pfn(vcpu, 0, gfn[0], pfn[0], ACC_ALL, r)) {
            return r[0];
        }

        spin_lock(vcpu.kvm.mmu_lock);
        try {
            if (mmu_notifier_retry(vcpu.kvm, mmu_seq)) {
                kvm_release_pfn_clean(pfn[0]);
                return 0;
            }
            make_mmu_pages_available(vcpu);
            if (!force_pt_level) {
                transparent_hugepage_adjust(vcpu, gfn, pfn, level);
            }
            r[0] = __direct_map(vcpu, gpa, write, map_writable[0], level[0], gfn[0], pfn[0], prefault);
        } finally {
            spin_unlock(vcpu.kvm.mmu_lock);
        }

        return r[0];
    }

    /**
     * The entry from an EPT violation: the MMU's fault handler fixes the mapping (0: go back into
     * the guest) or says the access must be emulated (a write to a page that stays
     * write-protected because it is shadowed); then the emulator runs the instruction, which
     * {@code insn} carries decoded. Returns 1 to re-enter the guest, 0 to go to userspace.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4187-4218", note = "no MMIO sptes, so never the is_mmio_page_fault case")
    public static int kvm_mmu_page_fault(kvm_vcpu vcpu, long cr2, int error_code, Vmcs.Instruction insn, int insn_len) {
        int r, emulation_type = EMULTYPE_RETRY;
        int er;

        r = vcpu.arch.mmu.page_fault.page_fault(vcpu, cr2, error_code, false);
        if (r < 0) {
            return r;
        }

        if (r == 0) {
            return 1;
        }

        er = x86.x86_emulate_instruction(vcpu, cr2, emulation_type, insn, insn_len);

        switch (er) {
            case EMULATE_DONE:
                return 1;
            case EMULATE_USER_EXIT:
            case EMULATE_FAIL:
                return 0;
            default:
                BUG();
                return 0;
        }
    }

    /** Asks this vCPU to flush its own TLB before it next enters the guest. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3453-3457")
    public static void kvm_mmu_flush_tlb(kvm_vcpu vcpu) {
        vcpu.stat.tlb_flush.incrementAndGet();
        kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);
    }

    /** The TDP context of a vCPU with paging off (real mode): guest-physical = guest-virtual. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3750-3790", note = "the !is_paging(vcpu) branch only")
    static void init_kvm_tdp_mmu(kvm_vcpu vcpu) {
        kvm_mmu context = vcpu.arch.walk_mmu;

        context.base_role.set_word(0);
        context.page_fault = mmu::tdp_page_fault;
        context.set_cr3 = x86.kvm_x86_ops::set_tdp_cr3;
        context.shadow_root_level = x86.kvm_x86_ops.get_tdp_level();
        context.root_hpa = INVALID_PAGE;
        context.direct_map = true;
        context.nx = false;
        context.root_level = 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3886-3894")
    static void init_kvm_mmu(kvm_vcpu vcpu) {
        if (tdp_enabled) {
            init_kvm_tdp_mmu(vcpu);
        } else {
            throw new KernelBug("shadow paging (init_kvm_softmmu) is outside the port's scope");
        }
    }

    /** Allocates the roots; the caller enters the guest on them. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3905-3920", note = "a direct map has no roots to sync")
    public static int kvm_mmu_load(kvm_vcpu vcpu) {
        int r;

        r = mmu_topup_memory_caches(vcpu);
        if (r != 0) {
            return r;
        }
        r = mmu_alloc_roots(vcpu);
        if (r != 0) {
            return r;
        }
        // set_cr3() flushes the TLB as well
        vcpu.arch.mmu.set_cr3.set_cr3(vcpu, vcpu.arch.mmu.root_hpa);
        return r;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "3923-3927")
    public static void kvm_mmu_unload(kvm_vcpu vcpu) {
        mmu_free_roots(vcpu);
        WARN_ON(VALID_PAGE(vcpu.arch.mmu.root_hpa));
    }

    /** Shadow pages are never recycled in the port; running short is logged once per VM. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4163-4180",
            note = "prepare_zap_oldest_mmu_page is not ported: a shortage is logged, not recycled")
    static void make_mmu_pages_available(kvm_vcpu vcpu) {
        if (mmu_h.kvm_mmu_available_pages(vcpu.kvm) >= KVM_MIN_FREE_MMU_PAGES) {
            return;
        }
        if (vcpu.kvm.arch.mmu_pages_short_warned) {
            return;
        }
        vcpu.kvm.arch.mmu_pages_short_warned = true;
        log.warn("only {} free shadow pages (max {}): recycling is not ported, the table grows past its budget",
                mmu_h.kvm_mmu_available_pages(vcpu.kvm), vcpu.kvm.arch.n_max_mmu_pages);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4231-4235")
    public static void kvm_enable_tdp() {
        tdp_enabled = true;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4273-4283")
    public static int kvm_mmu_create(kvm_vcpu vcpu) {
        vcpu.arch.walk_mmu = vcpu.arch.mmu;
        vcpu.arch.mmu.root_hpa = INVALID_PAGE;
        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4285-4291")
    public static void kvm_mmu_setup(kvm_vcpu vcpu) {
        init_kvm_mmu(vcpu);
    }

    /**
     * Write-protects every spte of a slot (dirty logging just turned on). The v3.16 form of the
     * seed commit: the flush comes after {@code spin_unlock}, and the caller must hold
     * {@code slots_lock} so that this and {@code kvm_vm_ioctl_get_dirty_log} (which also flushes
     * outside the spinlock) cannot interleave and lose a flush. It can flush late because it only
     * clears W: {@code SPTE_MMU_WRITEABLE} stays, so anyone who needs the flush earlier (a
     * shadow write-protect, via {@code mmu_spte_update}) still sees it is owed.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4293-4342")
    public static void kvm_mmu_slot_remove_write_access(kvm kvm, int slot) {
        kvm_memory_slot memslot;
        long last_gfn;

        memslot = id_to_memslot(kvm.memslots, slot);
        last_gfn = memslot.base_gfn + memslot.npages - 1;

        spin_lock(kvm.mmu_lock);

        for (int i = PT_PAGE_TABLE_LEVEL; i < PT_PAGE_TABLE_LEVEL + KVM_NR_PAGE_SIZES; ++i) {
            long[] rmap = memslot.arch.rmap[i - PT_PAGE_TABLE_LEVEL];
            long last_index, index;

            last_index = gfn_to_index(last_gfn, memslot.base_gfn, i);

            for (index = 0; index <= last_index; ++index) {
                LongPtr rmapp = new LongPtr(rmap, (int) index);
                if (rmapp.get() != 0) {
                    __rmap_write_protect(kvm, rmapp, false);
                }

                if (need_resched() || spin_needbreak(kvm.mmu_lock)) {
                    cond_resched_lock(kvm.mmu_lock);
                }
            }
        }

        spin_unlock(kvm.mmu_lock);

        // Serialized with kvm_vm_ioctl_get_dirty_log by slots_lock: both flush outside mmu_lock.
        lockdep.lockdep_assert_held(kvm.slots_lock);

        // Flushing after the unlock is safe: only W was cleared (present to present), and
        // mmu_spte_update decides flushes by SPTE_MMU_WRITEABLE, not by the W bit.
        kvm_flush_remote_tlbs(kvm);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4344")
    static final int BATCH_ZAP_PAGES = 10;

    /**
     * Zaps the obsolete pages, oldest first, dropping mmu_lock now and then; pages that are still
     * some vCPU's root stay (invalid) until their vCPU reloads.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4345-4391")
    static void kvm_zap_obsolete_pages(kvm kvm) {
        int batch = 0;

        restart:
        while (true) {
            // list_for_each_entry_safe_reverse, oldest first, over a copy: the walk may go on past a
            // page that was only moved to the head (a root still in use, ret 0), as the saved next
            // node lets the C walk do; after a zap (ret != 0) other pages may be gone, so restart
            List<kvm_mmu_page> oldest_first = new ArrayList<>(kvm.arch.active_mmu_pages);
            Collections.reverse(oldest_first);
            for (kvm_mmu_page sp : oldest_first) {
                int ret;

                // active_mmu_pages is FIFO: nothing older than a valid page is obsolete
                if (!is_obsolete_sp(kvm, sp)) {
                    break;
                }

                // already zapped (a root still in use)
                if (sp.role.invalid != 0) {
                    continue;
                }

                // no flush needed here: only pages of the old generation are zapped
                if (batch >= BATCH_ZAP_PAGES && cond_resched_lock(kvm.mmu_lock) != 0) {
                    batch = 0;
                    continue restart;
                }

                ret = kvm_mmu_prepare_zap_page(kvm, sp, kvm.arch.zapped_obsolete_pages);
                batch += ret;

                if (ret != 0) {
                    continue restart;
                }
            }
            break;
        }

        // flush before freeing: a lockless walk may still be reading these tables
        kvm_mmu_commit_zap_page(kvm, kvm.arch.zapped_obsolete_pages);
    }

    /**
     * Makes every shadow page obsolete at once (a new generation), tells the vCPUs to reload
     * their roots, and zaps the old pages. Needed before a memslot goes away.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4404-4423")
    public static void kvm_mmu_invalidate_zap_all_pages(kvm kvm) {
        spin_lock(kvm.mmu_lock);
        try {
            kvm.arch.mmu_valid_gen++;

            // under mmu_lock, or a vCPU could drop its root and miss the flush
            kvm_main.kvm_reload_remote_mmus(kvm);

            kvm_zap_obsolete_pages(kvm);
        } finally {
            spin_unlock(kvm.mmu_lock);
        }
    }

    /** 2% of the guest's pages, at least 64. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "4552-4568")
    public static int kvm_mmu_calculate_mmu_pages(kvm kvm) {
        int nr_mmu_pages;
        long nr_pages = 0;

        for (kvm_memory_slot memslot : kvm_memslots(kvm).memslots) {
            if (memslot.npages == 0) {
                break;
            }
            nr_pages += memslot.npages;
        }

        nr_mmu_pages = (int) (nr_pages * KVM_PERMILLE_MMU_PAGES / 1000);
        nr_mmu_pages = Math.max(nr_mmu_pages, KVM_MIN_ALLOC_MMU_PAGES);

        return nr_mmu_pages;
    }

    /** Sets the shadow-page budget. Shrinking below what is in use would zap pages: not ported, the budget stays at the use. */
    @KernelSource(file = "arch/x86/kvm/mmu.c", lines = "2234-2252", note = "no zapping when shrinking")
    public static void kvm_mmu_change_mmu_pages(kvm kvm, int goal_nr_mmu_pages) {
        spin_lock(kvm.mmu_lock);

        if (kvm.arch.n_used_mmu_pages > goal_nr_mmu_pages) {
            goal_nr_mmu_pages = kvm.arch.n_used_mmu_pages;
        }

        kvm.arch.n_max_mmu_pages = goal_nr_mmu_pages;

        spin_unlock(kvm.mmu_lock);
    }
}
