// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

/** What a scenario run was asked for. */
public final class RunConfig {
    public String scenario = "migrate";
    public String variant = "v3.16";
    public int vcpus = 2;
    /** Guest RAM in bytes. */
    public long memoryBytes = 64L << 20;
    /** Pre-copy rounds; ignored when {@link #seconds} is set. */
    public int rounds = 5;
    /** Run the pre-copy rounds for this long instead of a round count (0: use rounds). */
    public double seconds = 0;
    public long seed = 1;
    /** Where to write the JSON summary, or null. */
    public String json;
    /** Check invariant 1 after every KVM_GET_DIRTY_LOG (pauses the vCPUs each time). */
    public boolean checkEveryRound = true;

    public long pages() {
        return memoryBytes / 4096;
    }
}
