// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kernel;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.panic;
import org.mmulab.kernel.linux.task_struct;

/**
 * {@code arch/x86/kernel/dumpstack.c}: how x86 prints an oops. A Java exception is the port's
 * fault, so the "registers" are the exception's stack: the instruction pointer is the frame that
 * threw, and the call trace is the kernel frames under it. Each function returns the lines it
 * would print; {@code org.mmulab.kernel.linux.Oops} prints them as one block.
 */
@KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "1-349", name = "dumpstack.c")
public final class dumpstack {
    private dumpstack() {}

    private static int die_counter;

    /** Where an oops starts: lock debugging off, and (in the kernel) the die_lock taken. */
    @KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "203-224", note = "no die_lock: the oops is printed as one block")
    public static void oops_begin() {
        panic.oops_enter();
    }

    /** The oops header, the task, the call trace and the executive summary. */
    @KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "253-295", note = "the pt_regs are a Java exception's frames")
    public static synchronized void __die(List<String> out, String str, long err, Throwable regs) {
        out.add(String.format("%s: %04x [#%d] PREEMPT SMP", str, err & 0xffff, ++die_counter));
        show_regs(out, regs);
        out.add("RIP  [<" + ip(regs) + ">]");
    }

    /** The end of an oops: tainted D (which turns lock debugging off), and the end marker. */
    @KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "228-250", note = "the task is not killed: the caller returns -EIO")
    public static void oops_end(List<String> out) {
        String w = panic.add_taint(panic.TAINT_DIE, panic.LOCKDEP_NOW_UNRELIABLE);
        if (w != null) {
            out.add(w);
        }
        out.add(panic.oops_exit());
    }

    /** A trap the kernel cannot handle in kernel mode (invalid opcode from BUG(), a divide error, ...). */
    @KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "302-313")
    public static void die(List<String> out, String str, long err, Throwable regs) {
        oops_begin();
        __die(out, str, err, regs);
        oops_end(out);
    }

    /** show_regs: the task line (dump_stack_print_info) and the call trace. */
    static void show_regs(List<String> out, Throwable regs) {
        task_struct t = task_struct.current();
        out.add(String.format("CPU: %d PID: %d Comm: %s %s 3.16.0-mmulab #1", t.cpu, t.pid, t.comm, panic.print_tainted()));
        show_trace_log_lvl(out, regs);
    }

    @KernelSource(file = "arch/x86/kernel/dumpstack.c", lines = "168-174", note = "the kernel frames of the exception, innermost first")
    static void show_trace_log_lvl(List<String> out, Throwable regs) {
        out.add("Call Trace:");
        for (String f : kernel_frames(regs)) {
            out.add(" [<" + f + ">]");
        }
    }

    /** The frame that threw: the instruction pointer of the oops. */
    public static String ip(Throwable regs) {
        List<String> f = kernel_frames(regs);
        return f.isEmpty() ? "?" : f.get(0);
    }

    /**
     * The frames of ported kernel code, from the one that threw outwards, as
     * {@code class.method(File.java:line)}, up to the ioctl that entered the kernel; the JDK's own
     * frames (inside an array store, say) and everything above the ioctl (the VMM, a test) are
     * left out, as a kernel trace shows neither the CPU's microcode nor user space.
     */
    public static List<String> kernel_frames(Throwable regs) {
        List<String> out = new ArrayList<>();
        for (StackTraceElement e : regs.getStackTrace()) {
            String c = e.getClassName();
            if (!c.startsWith("org.mmulab.kernel.")) {
                if (out.isEmpty()) {
                    continue;
                }
                break;
            }
            if (c.startsWith("org.mmulab.kernel.linux.Oops") || c.startsWith("org.mmulab.kernel.arch.x86.kernel.dumpstack")) {
                continue;
            }
            out.add(c.substring("org.mmulab.kernel.".length()) + "." + e.getMethodName() + "(" + e.getFileName() + ":"
                    + e.getLineNumber() + ")");
            if (c.equals("org.mmulab.kernel.virt.kvm.kvm_main")
                    && (e.getMethodName().equals("kvm_vm_ioctl") || e.getMethodName().equals("kvm_vcpu_ioctl"))) {
                break; // the system call's entry: what called it is user space
            }
        }
        return out;
    }
}
