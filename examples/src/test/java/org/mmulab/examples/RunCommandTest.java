// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code mmulab run} and {@code mmulab list}: short migrations hold the invariants; bad usage exits 2. */
class RunCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "seed {0}, {1} vCPUs")
    @CsvSource({"1, 1", "2, 2", "3, 4"})
    void migrateHoldsEveryInvariantOnV316(long seed, int vcpus, @TempDir Path dir) throws Exception {
        Path json = dir.resolve("run.json");
        // both forms of an option: --option value and --option=value
        int rc = run("run", "migrate", "--vcpus", Integer.toString(vcpus), "--memory=4M", "--rounds", "20",
                "--seed=" + seed, "--json", json.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("invariants held"), text);
        assertTrue(text.contains("round  20:"), text);
        String j = Files.readString(json);
        assertTrue(j.contains("\"scenario\": \"migrate\""), j);
        assertTrue(j.contains("\"variant\": \"v3.16\""), j);
        assertTrue(j.contains("\"rounds\": 21"), j); // 20 pre-copy rounds and the stop-and-copy round
        assertTrue(j.contains("\"lost_pages\": []"), j);
        assertTrue(j.contains("\"violations\": []"), j);
        assertTrue(j.contains("\"invariants_held\": true"), j);
        assertTrue(j.matches("(?s).*\"invariant_checks\": 21,.*"), "invariant 1 checked after each of the 21 harvests: " + j);
        assertTrue(j.matches("(?s).*\"vcpu_tlb_flushes\": \\[\\d+(, \\d+){" + (vcpus - 1) + "}\\].*"), j);
    }

    @Test
    void lockInversionWithoutTheAgentRunsSilentlyAndExitsZero() {
        int rc = run("run", "lock-inversion", "--memory", "1M", "--rounds", "3");
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("  3 harvest(s): slots_lock, then mmu_lock inside it"), text);
        assertTrue(text.contains("thread bad-helper: mmu_lock, then slots_lock inside it"), text);
        assertTrue(text.contains("invariants held: no machine invariant"), text);
    }

    @Test
    void listNamesTheScenariosAndVariants() {
        assertEquals(0, run("list"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("migrate"), text);
        assertTrue(text.contains("v3.16"), text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "run|run: which scenario? (one of migrate, enable-logging-race, shadow-protect, lock-inversion)",
        "run --variant v3.15|run: which scenario?",
        "run nosuch|unknown scenario 'nosuch'",
        "run migrate --variant v9|unknown variant 'v9'",
        "run migrate --vcpus 0|--vcpus must be between 1 and 64",
        "run migrate --vcpus many|--vcpus needs a whole number",
        "run migrate --memory 3G|--memory must be between 64K and 1G",
        "run migrate --memory 6000|multiple of 4K",
        "run migrate --memory lots|--memory needs a size",
        "run migrate --rounds 2 --seconds 1|not both",
        "run migrate --seconds -1|--seconds must be in",
        "run migrate --frob 1|run: unknown option '--frob' (see: mmulab run --help)",
        "run migrate --frobnicate|run: unknown option '--frobnicate' (see: mmulab run --help)",
        "run migrate extra|run: unexpected argument 'extra'",
        "run migrate --seed|run: --seed needs a value (N)",
        "run migrate --vcpus=0|--vcpus must be between 1 and 64, got 0",
        "run migrate --hold-flush 5|--hold-flush is for the race scenarios",
        "run migrate --json /no/such/dir/x.json|run: --json /no/such/dir/x.json: no such directory /no/such/dir",
        "run migrate --json=/|run: --json /: is a directory",
        "frobnicate|unknown command 'frobnicate'"})
    void badUsageIsOneLineAndExitTwo(String args, String message) {
        assertEquals(2, run(args.split(" ")));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("mmulab: ") && e.contains(message), e);
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing ran");
    }

    /** A --json file that cannot be written is a usage error before the run, not a lost summary after it. */
    @Test
    void aJsonFileInADirectoryThatIsNotThereFailsBeforeTheRunSayingWhy(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("gone/x.json");
        assertEquals(2, run("run", "migrate", "--memory", "1M", "--rounds", "100", "--json", json.toString()));
        assertEquals("mmulab: run: --json " + json + ": no such directory " + json.getParent() + "\n",
                err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8), "no round ran");
        Files.writeString(dir.resolve("file"), "");
        assertEquals(RunCommand.cannotWrite(dir.resolve("file/x.json")), dir.resolve("file") + " is not a directory");
        assertEquals(null, RunCommand.cannotWrite(dir.resolve("x.json")));
    }

    /** Should the write fail after all (the directory went away during the run), the message says why. */
    @Test
    void aFailedWriteSaysWhyNotOnlyWhichPath() {
        assertEquals("no such file or directory", org.mmulab.examples.vmm.Scenarios.why(new java.nio.file.NoSuchFileException("/x/y.json")));
        assertEquals("permission denied", org.mmulab.examples.vmm.Scenarios.why(new java.nio.file.AccessDeniedException("/y.json")));
        assertEquals("Read-only file system",
                org.mmulab.examples.vmm.Scenarios.why(new java.nio.file.FileSystemException("/y.json", null, "Read-only file system")));
    }
}
