// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import java.util.BitSet;
import org.mmulab.kernel.KernelSource;

/** {@code cpumask_var_t}: a set of CPU numbers. */
@KernelSource(file = "include/linux/cpumask.h", lines = "14", name = "struct cpumask")
public final class cpumask {
    final BitSet bits = new BitSet();

    @KernelSource(file = "include/linux/cpumask.h", lines = "263-266")
    public static void cpumask_set_cpu(int cpu, cpumask dstp) {
        dstp.bits.set(cpu);
    }

    @KernelSource(file = "include/linux/cpumask.h", lines = "449-452")
    public static boolean cpumask_empty(cpumask srcp) {
        return srcp.bits.isEmpty();
    }

    public boolean test(int cpu) {
        return bits.get(cpu);
    }

    public int weight() {
        return bits.cardinality();
    }

    @Override
    public String toString() {
        return bits.toString();
    }
}
