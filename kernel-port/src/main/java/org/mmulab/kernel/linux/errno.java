// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;

/** The error numbers the ported paths return, negated as the kernel returns them. */
@KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "1-39", name = "errno-base.h")
public final class errno {
    private errno() {}

    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "5") public static final int ENOENT = 2;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "8") public static final int EIO = 5;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "7") public static final int EINTR = 4;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "15") public static final int ENOMEM = 12;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "17") public static final int EFAULT = 14;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "20") public static final int EEXIST = 17;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "25") public static final int EINVAL = 22;
    @KernelSource(file = "include/uapi/asm-generic/errno-base.h", lines = "28") public static final int ENOTTY = 25;
    @KernelSource(file = "include/uapi/asm-generic/errno.h", lines = "6") public static final int EDEADLK = 35;
    @KernelSource(file = "include/uapi/asm-generic/errno.h", lines = "87") public static final int EALREADY = 114;

    /** The symbolic name of an errno value (positive or negative), for messages. */
    public static String name(int err) {
        switch (Math.abs(err)) {
            case 0: return "0";
            case ENOENT: return "ENOENT";
            case EIO: return "EIO";
            case EINTR: return "EINTR";
            case ENOMEM: return "ENOMEM";
            case EFAULT: return "EFAULT";
            case EEXIST: return "EEXIST";
            case EINVAL: return "EINVAL";
            case ENOTTY: return "ENOTTY";
            case EDEADLK: return "EDEADLK";
            case EALREADY: return "EALREADY";
            default: return "E" + Math.abs(err);
        }
    }
}
