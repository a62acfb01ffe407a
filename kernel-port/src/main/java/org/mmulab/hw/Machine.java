// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The hardware under the port: one guest's RAM of real bytes and one logical processor per vCPU,
 * each with its own software TLB. It knows the EPT format and nothing of the kernel that drives
 * it: the hypervisor writes VMCS fields and executes VMLAUNCH and INVEPT ({@link Cpu}); the CPU
 * runs guest code and hands back an exit record ({@link Vmcs}).
 *
 * <p>The RAM is plugged into {@link PhysicalMemory} at the address the VMM chose, so the kernel
 * can reach it through user-space addresses as well.
 */
public final class Machine implements AutoCloseable {
    /** Machine settings. */
    public static final class Options {
        /** Entries per TLB. */
        public int tlbEntries = 64;
        /** Guest instructions per time slice (the host timer's tick ends it with an exit). */
        public int accessesPerEntry = 256;
        /** Time the guest halts after each slice (0: it never halts), waking early on an interrupt. */
        public long idleNanos = 0;
    }

    public final Options options;
    /** The guest's RAM; null for a machine that only has CPUs (a test's hardware that runs no guest). */
    public final GuestMemory memory;
    private final List<Cpu> cpus = new ArrayList<>();

    /** A machine with {@code memoryPages} pages of RAM at user address {@code userAddress}. */
    public Machine(Options options, long userAddress, long memoryPages) {
        this.options = options;
        this.memory = new GuestMemory(userAddress, memoryPages);
        PhysicalMemory.attach(memory);
    }

    private Machine(Options options) {
        this.options = options;
        this.memory = null;
    }

    /** CPUs with no RAM and no guest code: what a test needs to count the kernel's INVEPTs. */
    public static Machine withoutRam() {
        return new Machine(new Options());
    }

    /** Adds the next CPU, which will run {@code workload} (null: an idle guest). */
    public synchronized Cpu addCpu(Workload workload) {
        Cpu c = new Cpu(this, cpus.size(), workload);
        cpus.add(c);
        return c;
    }

    /** CPU {@code index}, adding idle ones up to it if the VMM gave no guest code for them. */
    public synchronized Cpu cpu(int index) {
        while (cpus.size() <= index) {
            addCpu(null);
        }
        return cpus.get(index);
    }

    public synchronized List<Cpu> cpus() {
        return Collections.unmodifiableList(new ArrayList<>(cpus));
    }

    /** The last value written to RAM page {@code page} (see {@link GuestMemory#lastWrite}). */
    public long lastWrite(int page) {
        return memory.lastWrite(page);
    }

    /** Switches the machine off: its RAM leaves physical memory. */
    @Override
    public void close() {
        if (memory != null) {
            PhysicalMemory.detach(memory);
        }
    }
}
