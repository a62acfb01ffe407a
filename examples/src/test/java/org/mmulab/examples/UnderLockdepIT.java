// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code java -javaagent:lockdep-agent.jar -jar examples.jar ...}, as {@code ./mmulab} runs it. */
class UnderLockdepIT {
    record Result(int exit, String out) {}

    static Result mmulab(String... args) throws IOException, InterruptedException {
        return mmulabWithAgentOptions("", args);
    }

    /** As ./mmulab runs it, with {@code -javaagent:lockdep-agent.jar=options} (options "" for none). */
    static Result mmulabWithAgentOptions(String options, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("mmulab.examples.jar", "target/examples.jar"));
        Path agent = Path.of(System.getProperty("mmulab.agent.jar", "../lockdep-agent/target/lockdep-agent.jar"));
        assertTrue(Files.isRegularFile(jar), "missing " + jar + ": run mvn verify from the repository root");
        assertTrue(Files.isRegularFile(agent), "missing " + agent + ": build the lockdep-agent module first");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + agent + (options.isEmpty() ? "" : "=" + options), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("mmulab-it", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("mmulab " + String.join(" ", args) + " did not finish in 120 s:\n" + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theDemoHoldsNoLockAcrossIoctlsAndExitsZero() throws Exception {
        Result r = mmulab("demo");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("All steps behaved as Linux v3.16 says."), r.out());
        assertTrue(r.out().contains("lockdep: no reports."), r.out());
        assertFalse(r.out().contains("BUG:"), r.out());
    }

    @Test
    void migrateOnV316IsCleanUnderLockdep() throws Exception {
        Result r = mmulab("run", "migrate", "--memory", "4M", "--rounds", "3");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("lockdep: no reports."), r.out());
        assertTrue(r.out().contains("TLB flush summary"), r.out());
    }

    @Test
    void noSlotsLockWarnsAtTheDirtyLogFlushAndTheRunExitsOneEvenWithoutTheRace() throws Exception {
        // no --hold-flush: the race may or may not happen, the WARN comes every time
        Result r = mmulab("run", "enable-logging-race", "--variant", "no-slots-lock", "--memory", "1M", "--rounds", "2");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("------------[ cut here ]------------\nWARNING: CPU: "), r.out());
        assertTrue(r.out().contains(" org.mmulab.kernel.linux.lockdep.lockdep_assert_held("), r.out());
        assertTrue(r.out().contains("variant_no_slots_lock.kvm_vm_ioctl_get_dirty_log()"), r.out());
        assertTrue(r.out().matches("(?s).*\nlockdep: [1-9][0-9]* report\\(s\\); a run with a lockdep report exits 1\\.\n.*"), r.out());
    }

    @Test
    void lockInversionGetsTheSleepingAndTheCircularReportsAndExitsOne() throws Exception {
        Result r = mmulab("run", "lock-inversion", "--memory", "1M", "--rounds", "2");
        assertEquals(1, r.exit(), r.out());
        String o = r.out();
        int sleep = o.indexOf("BUG: sleeping function called from invalid context at ");
        int circular = o.indexOf("[ INFO: possible circular locking dependency detected ]");
        assertTrue(sleep >= 0 && circular > sleep, "might_sleep in mutex_lock comes first, then the inversion: " + o);
        assertTrue(o.contains("bad-helper/"), o);
        assertTrue(o.contains("(&kvm->slots_lock){+.+...}") && o.contains("(&kvm->mmu_lock){+.+...}"), o);
        assertTrue(o.contains("lockdep: 2 report(s); a run with a lockdep report exits 1."), o);
    }
}
