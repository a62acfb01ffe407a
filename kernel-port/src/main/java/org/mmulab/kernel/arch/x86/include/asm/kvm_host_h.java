// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.mm;

/** Constants and inline helpers of {@code arch/x86/include/asm/kvm_host.h}. */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "1-1077", name = "asm/kvm_host.h")
public final class kvm_host_h {
    private kvm_host_h() {}

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "34") public static final int KVM_MAX_VCPUS = 255;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "36") public static final int KVM_USER_MEM_SLOTS = 125;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "38") public static final int KVM_PRIVATE_MEM_SLOTS = 3;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "39")
    public static final int KVM_MEM_SLOTS_NUM = KVM_USER_MEM_SLOTS + KVM_PRIVATE_MEM_SLOTS;

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "65") public static final long INVALID_PAGE = ~0L;

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "66")
    public static boolean VALID_PAGE(long x) {
        return x != INVALID_PAGE;
    }

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "71") public static final int KVM_NR_PAGE_SIZES = 3;

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "72")
    public static int KVM_HPAGE_GFN_SHIFT(int x) {
        return (x - 1) * 9;
    }

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "76")
    public static long KVM_PAGES_PER_HPAGE(int x) {
        return 1L << KVM_HPAGE_GFN_SHIFT(x);
    }

    /** Index of {@code gfn}'s rmap or lpage_info entry at {@code level} inside a slot. */
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "78-83")
    public static long gfn_to_index(long gfn, long base_gfn, int level) {
        return (gfn >>> KVM_HPAGE_GFN_SHIFT(level)) - (base_gfn >>> KVM_HPAGE_GFN_SHIFT(level));
    }

    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "90") public static final int KVM_PERMILLE_MMU_PAGES = 20;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "91") public static final int KVM_MIN_ALLOC_MMU_PAGES = 64;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "92") public static final int KVM_MMU_HASH_SHIFT = 10;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "93")
    public static final int KVM_NUM_MMU_PAGES = 1 << KVM_MMU_HASH_SHIFT;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "94") public static final int KVM_MIN_FREE_MMU_PAGES = 5;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "95") public static final int KVM_REFILL_PAGES = 25;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "149") public static final int KVM_NR_MEM_OBJS = 40;

    /** {@code enum kvm_reg}: RIP follows RAX..R15 on x86-64. */
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "125") public static final int VCPU_REGS_RIP = 16;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "126") public static final int NR_VCPU_REGS = 17;

    /** {@code enum emulation_result} */
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "832") public static final int EMULATE_DONE = 0;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "833") public static final int EMULATE_USER_EXIT = 1;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "834") public static final int EMULATE_FAIL = 2;
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "840") public static final int EMULTYPE_RETRY = 1 << 3;

    /** The shadow page whose table holds the address {@code shadow_page} (via the page's private word). */
    @KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "952-957")
    public static kvm_mmu_page page_header(long shadow_page) {
        mm.page page = mm.virt_to_page(shadow_page);
        return (kvm_mmu_page) mm.page_private(page);
    }
}
