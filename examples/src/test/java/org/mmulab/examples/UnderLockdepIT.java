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

    static final Path JAR = Path.of(System.getProperty("mmulab.examples.jar", "target/examples.jar")).toAbsolutePath();
    static final Path AGENT = Path.of(System.getProperty("mmulab.agent.jar", "../lockdep-agent/target/lockdep-agent.jar"));
    /** examples/target/examples.jar, three levels below the repository root. */
    static final Path ROOT = JAR.getParent().getParent().getParent().normalize();
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** {@code ./mmulab ARGS}: the java command line {@link Launch} builds (the agent options of the command table). */
    static Result mmulab(String... args) throws IOException, InterruptedException {
        requireJars();
        return exec(Launch.command(JAVA, ROOT, List.of(args)), args);
    }

    /** As ./mmulab runs it, but with {@code -javaagent:lockdep-agent.jar=options} (options "" for none). */
    static Result mmulabWithAgentOptions(String options, String... args) throws IOException, InterruptedException {
        requireJars();
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-javaagent:" + AGENT + (options.isEmpty() ? "" : "=" + options), "-jar",
                JAR.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, args);
    }

    static void requireJars() {
        assertTrue(Files.isRegularFile(JAR), "missing " + JAR + ": run mvn verify from the repository root");
        assertTrue(Files.isRegularFile(AGENT), "missing " + AGENT + ": build the lockdep-agent module first");
    }

    static Result exec(List<String> cmd, String... args) throws IOException, InterruptedException {
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

    /**
     * {@code dump=DIR} turns CONFIG_LOCK_STAT on: lock_stat has an acquired {@code &kvm->mmu_lock}
     * row, and lock_stat_holds names the two functions of the seed commit as holders, in each variant.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"v3.15", "v3.16"})
    void dumpWritesLockStatWithTheMmuLockRow(String variant, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Result r = mmulabWithAgentOptions("dump=" + dir, "run", "migrate", "--variant", variant, "--memory", "4M", "--rounds", "3");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("CONFIG_LOCK_STAT on"), r.out());
        String stat = Files.readString(dir.resolve("lock_stat"));
        assertTrue(stat.startsWith("lock_stat version 0.4\n"), stat);
        String row = stat.lines().filter(l -> l.trim().startsWith("&kvm->mmu_lock:")).findFirst().orElseThrow(
                () -> new AssertionError("no &kvm->mmu_lock row:\n" + stat));
        String[] f = row.trim().split("\\s+");
        assertEquals(13, f.length, row);
        long acquisitions = Long.parseLong(f[8]);
        assertTrue(acquisitions > 0, row);
        assertTrue(Double.parseDouble(f[11]) > 0, "holdtime-total: " + row);
        String holds = Files.readString(dir.resolve("lock_stat_holds"));
        String wp = variant.equals("v3.15") ? "variant_v3_15.kvm_mmu_slot_remove_write_access(" : "mmu.kvm_mmu_slot_remove_write_access(";
        String log = variant.equals("v3.15") ? "variant_v3_15.kvm_vm_ioctl_get_dirty_log(" : "x86.kvm_vm_ioctl_get_dirty_log(";
        assertTrue(holds.lines().anyMatch(l -> l.contains("&kvm->mmu_lock") && l.contains(wp)), holds);
        assertTrue(holds.lines().anyMatch(l -> l.contains("&kvm->mmu_lock") && l.contains(log)), holds);
    }

    @Test
    void withoutDumpLockStatStaysOff() throws Exception {
        Result r = mmulab("run", "migrate", "--memory", "4M", "--rounds", "1");
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains("CONFIG_LOCK_STAT"), r.out());
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

    /** The same WARN from the same site, printed in full once and then counted (the agent's repeats=fold). */
    @Test
    void noSlotsLockPrintsItsWarnOnceThenCountsTheRepeats() throws Exception {
        Result r = mmulab("run", "enable-logging-race", "--variant", "no-slots-lock", "--memory", "1M", "--rounds", "15");
        assertEquals(1, r.exit(), r.out());
        String o = r.out();
        assertEquals(o.indexOf("------------[ cut here ]------------"), o.lastIndexOf("------------[ cut here ]------------"),
                "one WARN in full: " + o);
        assertTrue(o.matches("(?s).*\\n\\[the same WARN [1-9][0-9]* more times?[];].*"), o);
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
        // the reports are read by students: the trace goes from the command to Main, no parser frames
        assertTrue(o.contains("\n       org.mmulab.examples.RunCommand.call(RunCommand.java:"), o);
        assertTrue(o.contains("\n       org.mmulab.examples.Main.run(Main.java:"), o);
        assertFalse(o.contains("picocli"), o);
    }
}
