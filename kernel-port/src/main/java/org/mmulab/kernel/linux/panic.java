// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.concurrent.atomic.AtomicLong;
import org.mmulab.kernel.KernelSource;

/**
 * {@code kernel/panic.c}: the taint flags, and the start and end of an oops. An oops turns lock
 * debugging off (the kernel's state can no longer be trusted) and ends with the
 * {@code ---[ end trace ... ]---} marker.
 */
@KernelSource(file = "kernel/panic.c", lines = "1-502", name = "panic.c")
public final class panic {
    private panic() {}

    @KernelSource(file = "include/linux/kernel.h", lines = "466") public static final int TAINT_DIE = 7;
    @KernelSource(file = "include/linux/kernel.h", lines = "468") public static final int TAINT_WARN = 9;

    /** {@code enum lockdep_ok} */
    @KernelSource(file = "include/linux/kernel.h", lines = "440") public static final int LOCKDEP_STILL_OK = 0;
    @KernelSource(file = "include/linux/kernel.h", lines = "441") public static final int LOCKDEP_NOW_UNRELIABLE = 1;

    private static final AtomicLong tainted_mask = new AtomicLong();
    /** The kernel draws the first id at random; the port starts from the one its lockdep prints ("mmulab"). */
    private static final AtomicLong oops_id = new AtomicLong(0x6d6d756c6162L - 1);

    /** One letter per taint bit, set or not, in the order of the kernel's {@code tnts} table. */
    @KernelSource(file = "kernel/panic.c", lines = "212-227", name = "tnts")
    private static final char[][] tnts = {
        {'P', 'G'}, {'F', ' '}, {'S', ' '}, {'R', ' '}, {'M', ' '}, {'B', ' '}, {'U', ' '}, {'D', ' '},
        {'A', ' '}, {'W', ' '}, {'C', ' '}, {'I', ' '}, {'O', ' '}, {'E', ' '}};

    @KernelSource(file = "kernel/panic.c", lines = "249-268")
    public static String print_tainted() {
        long mask = tainted_mask.get();
        if (mask == 0) {
            return "Not tainted";
        }
        StringBuilder s = new StringBuilder("Tainted: ");
        for (int i = 0; i < tnts.length; i++) {
            s.append((mask & (1L << i)) != 0 ? tnts[i][0] : tnts[i][1]);
        }
        return s.toString();
    }

    @KernelSource(file = "kernel/panic.c", lines = "289-295")
    public static String add_taint(int flag, int lockdep_ok) {
        String warning = null;
        if (lockdep_ok == LOCKDEP_NOW_UNRELIABLE && debug_locks.__debug_locks_off() != 0) {
            warning = "Disabling lock debugging due to kernel taint";
        }
        tainted_mask.getAndUpdate(m -> m | (1L << flag));
        return warning;
    }

    /** Lock debugging goes off first: nothing about the kernel's state can be trusted now. */
    @KernelSource(file = "kernel/panic.c", lines = "370-376", note = "no tracing or pause_on_oops")
    public static void oops_enter() {
        debug_locks.debug_locks_off();
    }

    @KernelSource(file = "kernel/panic.c", lines = "394-398", note = "returns the line instead of printing it")
    public static String print_oops_end_marker() {
        return String.format("---[ end trace %016x ]---", oops_id.incrementAndGet());
    }

    @KernelSource(file = "kernel/panic.c", lines = "404-409", note = "returns the marker; no kmsg_dump")
    public static String oops_exit() {
        return print_oops_end_marker();
    }
}
