// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_lpage_info}: non-zero when a large page may not map this range. */
@KernelSource(file = "arch/x86/include/asm/kvm_host.h", lines = "532-534", name = "struct kvm_lpage_info")
public final class kvm_lpage_info {
    /** {@code sizeof(struct kvm_lpage_info)}: one int. */
    public static final int SIZEOF = 4;

    public int write_count;
}
