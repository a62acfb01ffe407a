// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.program;

import org.mmulab.lockdep.TlbTrace;

/**
 * A program that writes two TLB-trace lines with {@code tlbtrace=lines} to the agent's output
 * (stdout here), run by {@code TlbTraceLog4jTest} in a child JVM with and without Log4j. It lives
 * outside org.mmulab.lockdep, whose frames the trace never names as the caller.
 */
public final class TlbTraceLines {
    private TlbTraceLines() {}

    public static void main(String[] args) {
        TlbTrace.configure(true, System.out);
        TlbTrace.spteUpdated(0x1000, 0x5, true);
        TlbTrace.flushed(TlbTrace.flushStarted(), false);
        System.out.println("done");
    }
}
