// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

/** Carries make_all_cpus_request's answer to the kvm_flush_remote_tlbs advice on the same thread. */
public final class FlushIpi {
    private static final ThreadLocal<boolean[]> SENT = ThreadLocal.withInitial(() -> new boolean[1]);

    private FlushIpi() {}

    public static void reset() {
        SENT.get()[0] = false;
    }

    public static void record(boolean called) {
        SENT.get()[0] = called;
    }

    public static boolean sent() {
        return SENT.get()[0];
    }
}
