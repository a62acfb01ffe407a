// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /proc-style dumps and the DOT graph reflect exactly the nesting the runtime saw. */
class LockdepProcTest {

    @Test
    void dumpsShowClassesDependenciesChainsAndStats(@TempDir Path dir) throws Exception {
        TestSupport.start(LockdepConfig.Mode.WARN);
        FakeLock slots = new FakeLock("&kvm->slots_lock");
        FakeLock mmu = new FakeLock("&kvm->mmu_lock");
        FakeLock other = new FakeLock("&other->lock");
        Lockdep.acquire(slots, false);
        Lockdep.acquire(mmu, true);
        Lockdep.release(mmu);
        Lockdep.release(slots);
        Lockdep.acquire(other, true);
        Lockdep.release(other);

        String proc = LockdepProc.lockdep();
        assertTrue(proc.startsWith("all lock classes:\n"), proc);
        assertTrue(proc.contains("FD:    1 BD:    0 +.+...: &kvm->slots_lock\n -> [0000000000000002] &kvm->mmu_lock\n"), proc);
        assertTrue(proc.contains("FD:    0 BD:    1 +.+...: &kvm->mmu_lock\n"), proc);
        assertTrue(proc.contains("FD:    0 BD:    0 +.+...: &other->lock\n"), proc);

        String chains = LockdepProc.lockdepChains();
        assertTrue(chains.contains("irq_context: 0\n[0000000000000001] &kvm->slots_lock\n[0000000000000002] &kvm->mmu_lock\n"), chains);

        String stats = LockdepProc.lockdepStats();
        assertTrue(stats.matches("(?s).*lock-classes: +3 \\[max: 8191\\].*"), stats);
        // nr_list_entries: two list entries (locks_after, locks_before) per dependency, as 3.16 counts them
        assertTrue(stats.matches("(?s).*direct dependencies: +2 \\[max: 32768\\].*"), stats);
        assertTrue(stats.matches("(?s).*dependency chains: +3 \\[max: 65536\\].*"), stats);
        assertTrue(stats.matches("(?s).*in-process chains: +3\n.*"), stats);
        assertTrue(stats.matches("(?s).*max locking depth: +2\n.*"), stats);

        String dot = LockdepProc.dot();
        assertTrue(dot.contains("\"&kvm->slots_lock\" -> \"&kvm->mmu_lock\";"), dot);
        assertEquals(1, dot.split("\" -> \"", -1).length - 1, "exactly one edge: " + dot);

        LockdepProc.dumpTo(dir);
        assertEquals(proc, Files.readString(dir.resolve("lockdep")));
        assertTrue(Files.readString(dir.resolve("lockdep.dot")).startsWith("digraph lockdep {"));
        assertTrue(Files.exists(dir.resolve("lockdep_chains")) && Files.exists(dir.resolve("lockdep_stats")));
    }
}
