// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.arch.x86.kernel.dumpstack;
import org.mmulab.kernel.arch.x86.mm.fault;

/**
 * What the port does when a Java exception escapes a kernel path: an oops. The exception is the
 * trap (an array index or a null reference is a bad kernel memory access, {@link KernelBug} is
 * BUG()'s invalid opcode, anything else a general protection fault), printed in v3.16's shape by
 * the ported {@code fault.c}, {@code dumpstack.c} and {@code panic.c}, with the spinlocks the task
 * still holds named after the call trace.
 *
 * <p>Then the kernel would kill the task and leave its locks held, and every CPU that wants them
 * would spin forever. The port goes a step further, as later kernels do with {@code KVM_BUG_ON}
 * (Linux 5.15's {@code kvm->vm_dead}): the VM is marked dead, every later ioctl on it returns
 * {@code -EIO} at once, and a task that waits for one of the abandoned locks gives up with a
 * {@link VmDeadException}, which its ioctl also turns into {@code -EIO}. The oopsing task's
 * thread itself returns {@code -EIO} from its ioctl with its preemption and interrupt state
 * reset, as if a fresh task had taken its place. Not a kernel file, so it has a Java name.
 */
public final class Oops {
    private static final Logger printk = LogManager.getLogger("kernel");
    private static final AtomicInteger count = new AtomicInteger();
    private static volatile String last;

    private Oops() {}

    /** Handles {@code t}, thrown in a kernel path of an ioctl on {@code kvm}; returns {@code -EIO}. */
    public static int oops(kvm kvm, Throwable t) {
        List<String> out = new ArrayList<>();
        if (t instanceof KernelBug) {
            out.add("------------[ cut here ]------------");
            out.add("kernel BUG at " + dumpstack.ip(t) + "!");
            dumpstack.die(out, "invalid opcode", 0, t);
        } else if (t instanceof NullPointerException || t instanceof IndexOutOfBoundsException
                || t instanceof ArrayStoreException || t instanceof NegativeArraySizeException) {
            fault.no_context(out, 0, t);
        } else if (t instanceof ArithmeticException) {
            dumpstack.die(out, "divide error", 0, t);
        } else {
            out.add("general protection fault: " + t);
            dumpstack.die(out, "general protection fault", 0, t);
        }
        int end = out.size() - 1; // the end marker comes last

        task_struct me = task_struct.current();
        List<spinlock_t> held = new ArrayList<>(me.spinlocks_held);
        List<String> names = new ArrayList<>();
        for (spinlock_t l : held) {
            l.owner_died = true;
            names.add(l.toString());
        }
        for (mutex m : vm_mutexes(kvm)) {
            if (m.owner() == me) {
                m.owner_died();
                names.add(m.toString());
            }
        }
        out.add(end, names.isEmpty() ? me + " held no spinlock or mutex when it oopsed"
                : me + " oopsed holding " + String.join(", ", names) + "; CPUs waiting for "
                        + (names.size() == 1 ? "it" : "them") + " give up");
        kvm.srcu.reader_died();
        kvm.vm_dead = true;
        out.add(end + 1, "kvm: the VM is dead: every ioctl on it returns -EIO");

        me.spinlocks_held.clear();
        me.preempt_count = 0;
        me.irqs_off = false;
        me.hardirq_context = 0;
        me.softirq_context = 0;
        me.softirq_pending.clear();

        String text = String.join("\n", out);
        last = text;
        count.incrementAndGet();
        printk.error("{}", text);
        return -errno.EIO;
    }

    private static List<mutex> vm_mutexes(kvm kvm) {
        List<mutex> m = new ArrayList<>();
        m.add(kvm.slots_lock);
        m.add(kvm.lock);
        for (kvm_vcpu v : kvm.vcpus) {
            if (v != null) {
                m.add(v.mutex);
            }
        }
        return m;
    }

    /** The text of the last oops in this JVM, or null. */
    public static String last() {
        return last;
    }

    /** Oopses so far in this JVM. */
    public static int count() {
        return count.get();
    }
}
