// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.mm;

/** {@code arch/x86/include/asm/processor.h}: the top of user space on x86-64. */
@KernelSource(file = "arch/x86/include/asm/processor.h", lines = "1-984", name = "processor.h")
public final class processor {
    private processor() {}

    /** 47 bits of user address space, minus a guard page. */
    @KernelSource(file = "arch/x86/include/asm/processor.h", lines = "897", name = "TASK_SIZE_MAX")
    public static final long TASK_SIZE_MAX = (1L << 47) - mm.PAGE_SIZE;
}
