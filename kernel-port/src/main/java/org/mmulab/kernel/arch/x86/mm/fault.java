// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.mm;

import java.util.List;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.kernel.dumpstack;

/**
 * {@code arch/x86/mm/fault.c}: a page fault in kernel mode that no exception table fixes is an
 * oops. In the port the kernel's bad memory access is a Java exception of an array or a null
 * reference, and its "address" is what the exception says.
 */
@KernelSource(file = "arch/x86/mm/fault.c", lines = "1-1311", name = "fault.c")
public final class fault {
    private fault() {}

    /** The first two lines of a kernel-mode page-fault oops. */
    @KernelSource(file = "arch/x86/mm/fault.c", lines = "581-613", note = "no page-table dump; the address is the exception's message")
    static void show_fault_oops(List<String> out, Throwable regs) {
        boolean nullDeref = regs instanceof NullPointerException;
        out.add("BUG: unable to handle kernel " + (nullDeref ? "NULL pointer dereference" : "paging request")
                + " at " + regs.getClass().getSimpleName() + (regs.getMessage() == null ? "" : ": " + regs.getMessage()));
        out.add("IP: [<" + dumpstack.ip(regs) + ">]");
    }

    /** A kernel-mode fault nothing can fix: the oops, with the task not killed but returned from. */
    @KernelSource(file = "arch/x86/mm/fault.c", lines = "641-722", note = "no fixup, prefetch or errata cases")
    public static void no_context(List<String> out, long error_code, Throwable regs) {
        dumpstack.oops_begin();

        show_fault_oops(out, regs);

        dumpstack.__die(out, "Oops", error_code, regs);

        dumpstack.oops_end(out);
    }
}
