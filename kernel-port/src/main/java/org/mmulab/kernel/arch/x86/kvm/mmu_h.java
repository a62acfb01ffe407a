// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;

/**
 * {@code arch/x86/kvm/mmu.h}: the bits of a page-table entry and the page-fault error code.
 *
 * <p>The seed commit's long comment (mmu.h 107-139) sits above {@link #is_writable_pte(long)}; in
 * our words: KVM write-protects an spte for two different reasons. (a) To shadow a guest page
 * table, it clears {@code SPTE_MMU_WRITEABLE} as well as the W bit, and must flush the TLBs before
 * dropping {@code mmu_lock}, or another vCPU keeps writing a page KVM believes is frozen. (b) For
 * dirty logging, it clears only the W bit and leaves {@code SPTE_MMU_WRITEABLE} set; the flush can
 * wait until the dirty bitmap goes back to userspace, because every page it protects is already
 * in the bitmap being returned. The danger is (a) meeting an spte that (b) made read-only but
 * whose writable TLB entries are still out there: (a) then sees W clear and would skip the flush.
 * So (a) decides by {@code SPTE_MMU_WRITEABLE}, which (b) never touches: if that bit was set, a
 * writable translation may exist and a flush is owed. {@code mmu_spte_update} applies the same
 * rule to every present-to-present update. Rule of thumb: ask {@code SPTE_MMU_WRITEABLE} whether
 * a writable TLB entry can exist; ask {@code PT_WRITABLE_MASK} only when fixing a fault or when
 * write-protecting for dirty logging.
 */
@KernelSource(file = "arch/x86/kvm/mmu.h", lines = "1-181", name = "mmu.h")
public final class mmu_h {
    private mmu_h() {}

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "7") public static final int PT64_PT_BITS = 9;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "8") public static final int PT64_ENT_PER_PAGE = 1 << PT64_PT_BITS;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "9") public static final int PT32_PT_BITS = 10;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "12") public static final int PT_WRITABLE_SHIFT = 1;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "14") public static final long PT_PRESENT_MASK = 1L << 0;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "15") public static final long PT_WRITABLE_MASK = 1L << PT_WRITABLE_SHIFT;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "16") public static final long PT_USER_MASK = 1L << 2;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "17") public static final long PT_PWT_MASK = 1L << 3;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "18") public static final long PT_PCD_MASK = 1L << 4;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "19") public static final int PT_ACCESSED_SHIFT = 5;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "20") public static final long PT_ACCESSED_MASK = 1L << PT_ACCESSED_SHIFT;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "21") public static final int PT_DIRTY_SHIFT = 6;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "22") public static final long PT_DIRTY_MASK = 1L << PT_DIRTY_SHIFT;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "23") public static final int PT_PAGE_SIZE_SHIFT = 7;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "24") public static final long PT_PAGE_SIZE_MASK = 1L << PT_PAGE_SIZE_SHIFT;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "25") public static final long PT_PAT_MASK = 1L << 7;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "26") public static final long PT_GLOBAL_MASK = 1L << 8;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "27") public static final int PT64_NX_SHIFT = 63;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "28") public static final long PT64_NX_MASK = 1L << PT64_NX_SHIFT;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "39") public static final int PT64_ROOT_LEVEL = 4;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "40") public static final int PT32_ROOT_LEVEL = 2;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "41") public static final int PT32E_ROOT_LEVEL = 3;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "43") public static final int PT_PDPE_LEVEL = 3;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "44") public static final int PT_DIRECTORY_LEVEL = 2;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "45") public static final int PT_PAGE_TABLE_LEVEL = 1;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "53") public static final int PFERR_PRESENT_MASK = 1 << 0;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "54") public static final int PFERR_WRITE_MASK = 1 << 1;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "55") public static final int PFERR_USER_MASK = 1 << 2;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "56") public static final int PFERR_RSVD_MASK = 1 << 3;
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "57") public static final int PFERR_FETCH_MASK = 1 << 4;

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "85-92")
    public static int kvm_mmu_available_pages(kvm kvm) {
        if (kvm.arch.n_max_mmu_pages > kvm.arch.n_used_mmu_pages) {
            return kvm.arch.n_max_mmu_pages - kvm.arch.n_used_mmu_pages;
        }
        return 0;
    }

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "94-100")
    public static int kvm_mmu_reload(kvm_vcpu vcpu) {
        if (vcpu.arch.mmu.root_hpa != kvm_host_h.INVALID_PAGE) {
            return 0;
        }
        return mmu.kvm_mmu_load(vcpu);
    }

    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "102-105")
    public static boolean is_present_gpte(long pte) {
        return (pte & PT_PRESENT_MASK) != 0;
    }

    /**
     * The hardware W bit. See the class comment for when this, and when
     * {@code SPTE_MMU_WRITEABLE}, is the right question.
     */
    @KernelSource(file = "arch/x86/kvm/mmu.h", lines = "140-143")
    public static boolean is_writable_pte(long pte) {
        return (pte & PT_WRITABLE_MASK) != 0;
    }
}
