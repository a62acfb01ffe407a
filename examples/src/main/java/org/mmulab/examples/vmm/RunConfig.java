// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

/** What a scenario run was asked for; crosses class loaders as a map of strings. */
public final class RunConfig {
    public java.util.Map<String, String> toMap() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("variant", variant);
        m.put("vcpus", Integer.toString(vcpus));
        m.put("memory", Long.toString(memoryBytes));
        m.put("rounds", Integer.toString(rounds));
        m.put("seconds", Double.toString(seconds));
        m.put("seed", Long.toString(seed));
        m.put("hold-flush", Long.toString(holdFlushMillis));
        m.put("accesses-per-entry", Integer.toString(accessesPerEntry));
        m.put("concurrent-inversion", Boolean.toString(concurrentInversion));
        if (json != null) {
            m.put("json", json);
        }
        return m;
    }

    public static RunConfig fromMap(java.util.Map<String, String> m) {
        RunConfig c = new RunConfig();
        c.scenario = m.get("scenario");
        c.variant = m.get("variant");
        c.vcpus = Integer.parseInt(m.get("vcpus"));
        c.memoryBytes = Long.parseLong(m.get("memory"));
        c.rounds = Integer.parseInt(m.get("rounds"));
        c.seconds = Double.parseDouble(m.get("seconds"));
        c.seed = Long.parseLong(m.get("seed"));
        c.holdFlushMillis = Long.parseLong(m.get("hold-flush"));
        c.accessesPerEntry = Integer.parseInt(m.getOrDefault("accesses-per-entry", "0"));
        c.concurrentInversion = Boolean.parseBoolean(m.getOrDefault("concurrent-inversion", "false"));
        c.json = m.get("json");
        return c;
    }

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

    /** Hold each racing flush open this long (ms) with the woven hook; 0: off. */
    public long holdFlushMillis = 0;

    /**
     * lock-inversion: start the helper before the harvests instead of after them, so the two
     * orders race and a schedule can deadlock. Only the explorer sets it: it reports a deadlock
     * with each thread's held locks, where a plain run would hang.
     */
    public boolean concurrentInversion = false;

    /** Guest accesses per trip into the guest (0: the machine's default); exploration uses fewer. */
    public int accessesPerEntry = 0;

    public long pages() {
        return memoryBytes / 4096;
    }
}
