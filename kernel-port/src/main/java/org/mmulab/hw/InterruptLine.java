// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

/**
 * The interrupt line of a logical processor, as the hypervisor wired it before VM entry: in VMX
 * non-root mode with external-interrupt exiting, an interrupt pending for this CPU ends guest
 * execution with an EXTERNAL_INTERRUPT exit. The hypervisor's interrupt delivery (its IPIs) sits
 * behind it; the CPU only asks.
 */
public interface InterruptLine {
    /** Whether an interrupt waits for this CPU. */
    boolean pending();

    /** Halts this CPU until an interrupt is pending or {@code nanos} have passed. */
    void halt(long nanos);

    /** A line that never rings: a halt is a plain wait. */
    InterruptLine NONE = new InterruptLine() {
        @Override
        public boolean pending() {
            return false;
        }

        @Override
        public void halt(long nanos) {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
        }
    };
}
