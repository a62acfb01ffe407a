// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import org.mmulab.kernel.arch.x86.kvm.vmx;
import org.mmulab.kernel.linux.kvm_vcpu;

/**
 * The vendor "hardware" for code that drives the port alone, with no machine and no guest code
 * (the demo, the exercise graders): it counts the TLB flushes it is asked for and runs nothing.
 * The machine with real software TLBs comes with the scenarios ({@code org.mmulab.hw.Machine}).
 */
public final class CountingVmx extends vmx {
    /** How many times tlb_flush was called. */
    public int tlb_flushes;

    @Override
    public void tlb_flush(kvm_vcpu vcpu) {
        tlb_flushes++;
    }

    @Override
    public void run(kvm_vcpu vcpu) {
    }

    @Override
    public int handle_exit(kvm_vcpu vcpu) {
        return 1;
    }
}
