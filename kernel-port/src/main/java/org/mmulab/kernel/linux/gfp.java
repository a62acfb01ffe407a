// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/** Allocation flags: {@code __GFP_WAIT} means the allocation may sleep. */
@KernelSource(file = "include/linux/gfp.h", lines = "1-423", name = "gfp.h")
public final class gfp {
    private gfp() {}

    @KernelSource(file = "include/linux/gfp.h", lines = "49") public static final int __GFP_HIGHMEM = 0x02;
    @KernelSource(file = "include/linux/gfp.h", lines = "68") public static final int __GFP_WAIT = 0x10;
    @KernelSource(file = "include/linux/gfp.h", lines = "69") public static final int __GFP_HIGH = 0x20;
    @KernelSource(file = "include/linux/gfp.h", lines = "70") public static final int __GFP_IO = 0x40;
    @KernelSource(file = "include/linux/gfp.h", lines = "71") public static final int __GFP_FS = 0x80;
    @KernelSource(file = "include/linux/gfp.h", lines = "73") public static final int __GFP_NOWARN = 0x200;
    @KernelSource(file = "include/linux/gfp.h", lines = "75") public static final int __GFP_NOFAIL = 0x800;
    @KernelSource(file = "include/linux/gfp.h", lines = "79") public static final int __GFP_ZERO = 0x8000;
    @KernelSource(file = "include/linux/gfp.h", lines = "106") public static final int GFP_ATOMIC = __GFP_HIGH;
    @KernelSource(file = "include/linux/gfp.h", lines = "109") public static final int GFP_KERNEL = __GFP_WAIT | __GFP_IO | __GFP_FS;
}
