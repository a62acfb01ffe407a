// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.include.asm;

import org.mmulab.hw.GuestMemory;
import org.mmulab.hw.PhysicalMemory;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.sched;

/**
 * {@code arch/x86/include/asm/uaccess.h} and {@code uaccess_64.h}: the kernel touching user
 * memory. Two kinds of user memory exist in the port: the buffers a VMM passes to an ioctl (a
 * {@code long[]}, missing or too short is the fault case), and the VMM's guest RAM, which user
 * addresses reach directly (the host maps user memory 1:1, so the address names the machine's
 * RAM in {@link PhysicalMemory}). Each copy returns the number of bytes it could not copy, and a
 * copy that faults copies nothing.
 */
@KernelSource(file = "arch/x86/include/asm/uaccess.h", lines = "1-744", name = "uaccess.h")
public final class uaccess {
    private uaccess() {}

    /** Whether {@code [addr, addr + size)} lies in user space and does not wrap. */
    @KernelSource(file = "arch/x86/include/asm/uaccess.h", lines = "88-89", name = "access_ok",
            note = "__chk_range_not_ok against TASK_SIZE_MAX")
    public static boolean access_ok(long addr, long size) {
        long end = addr + size;
        return Long.compareUnsigned(end, addr) >= 0 && Long.compareUnsigned(end, processor.TASK_SIZE_MAX) <= 0;
    }

    /** Copies {@code n} bytes (whole words) from {@code from} to the ioctl buffer {@code to}. */
    @KernelSource(file = "arch/x86/include/asm/uaccess.h", lines = "722-737", name = "copy_to_user",
            note = "the user buffer is a long[]; too small or missing is the -EFAULT case")
    public static long copy_to_user(long[] to, LongPtr from, long n) {
        sched.might_sleep(); // might_fault(): touching user memory may fault a page in
        if (to == null || (long) to.length * 8 < n) {
            return n;
        }
        // memcpy, plain loads, as the kernel's copy is: n / 8 words (the callers' buffers are
        // whole words)
        from.copyTo(to, (int) (n / 8));
        return 0;
    }

    /** An 8-byte store to user address {@code dst} (guest RAM); 8 if nothing is mapped there. */
    @KernelSource(file = "arch/x86/include/asm/uaccess_64.h", lines = "144-149", name = "__copy_to_user",
            note = "8-byte copies only, into the RAM a VMM mapped")
    public static int __copy_to_user(long dst, long value, int size) {
        sched.might_sleep();
        GuestMemory ram = PhysicalMemory.ramAt(dst);
        if (ram == null || size != 8 || (dst & 7) != 0 || PhysicalMemory.ramAt(dst + 7) != ram) {
            return size;
        }
        ram.writeAt(dst, value);
        return 0;
    }

    /** An 8-byte load from user address {@code src} into {@code dst[0]}; 8 if nothing is mapped there. */
    @KernelSource(file = "arch/x86/include/asm/uaccess_64.h", lines = "94-99", name = "__copy_from_user",
            note = "8-byte copies only, from the RAM a VMM mapped")
    public static int __copy_from_user(long[] dst, long src, int size) {
        sched.might_sleep();
        GuestMemory ram = PhysicalMemory.ramAt(src);
        if (ram == null || size != 8 || (src & 7) != 0) {
            return size;
        }
        dst[0] = ram.readAt(src);
        return 0;
    }
}
