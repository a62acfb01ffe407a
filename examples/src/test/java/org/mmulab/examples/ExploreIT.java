// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code mmulab explore} and {@code replay} in a child JVM under the agent with its yield points
 * woven (explore=true), as ./mmulab runs them: the broken variants break their invariant within
 * the budget for a fixed seed, the printed replay command prints the same timeline byte for byte,
 * and the correct variants explore clean.
 */
class ExploreIT {
    static final String WEAVE = "explore=true,tlbtrace=off";

    static UnderLockdepIT.Result explore(String... args) throws Exception {
        return UnderLockdepIT.mmulabWithAgentOptions(WEAVE, args);
    }

    /** The report of one schedule: from its timeline to the end of lockdep's part. */
    static String report(String out) {
        int from = out.indexOf("timeline (");
        assertTrue(from >= 0, out);
        int to = out.indexOf("\n\nfound after ", from);
        return (to < 0 ? out.substring(from) : out.substring(from, to + 1)).stripTrailing();
    }

    static String replayArgs(String out) {
        Matcher m = Pattern.compile("\nreplay: \\./mmulab (replay .*)\n").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @ParameterizedTest(name = "{0} --variant {1}")
    @CsvSource({
        "enable-logging-race, no-slots-lock, 1 (dirty-log completeness), dirty-log completeness: gfn 0x",
        "shadow-protect, pt-writable, 2 (shadow write-protection), shadow write-protection: gfn 0x"})
    void aBrokenVariantBreaksItsInvariantAndTheReplayPrintsTheSameTimeline(String scenario, String variant, String invariant,
                                                                          String violation) throws Exception {
        UnderLockdepIT.Result found = explore("explore", scenario, "--variant", variant, "--seed", "1", "--budget", "300");
        assertEquals(1, found.exit(), found.out());
        String out = found.out();
        assertTrue(out.contains("INVARIANT BROKEN ("), out);
        assertTrue(out.contains("\n  " + violation), out);
        assertTrue(out.contains("CHECK invariant " + invariant.charAt(0) + " BROKEN: "), out);
        assertTrue(out.matches("(?s).*\nfound after \\d+ schedule\\(s\\), \\d+ distinct, .*"), out);

        String[] replay = replayArgs(out).split(" ");
        UnderLockdepIT.Result again = explore(replay);
        assertEquals(1, again.exit(), again.out());
        assertEquals(report(out), report(again.out()), "replay printed another schedule");
    }

    @ParameterizedTest(name = "{0} --variant {1}")
    @CsvSource({
        "enable-logging-race, v3.16", "enable-logging-race, v3.15",
        "shadow-protect, v3.16", "shadow-protect, v3.15"})
    void theCorrectVariantsExploreCleanAndSayHowManyDistinctSchedulesTheyRan(String scenario, String variant)
            throws Exception {
        UnderLockdepIT.Result r = explore("explore", scenario, "--variant", variant, "--seed", "1", "--budget", "100");
        assertEquals(0, r.exit(), r.out());
        Matcher m = Pattern.compile("\nexplored 100 schedule\\(s\\), (\\d+) distinct, \\d+ steps in .*: no invariant broke, "
                + "no deadlock\\.\n").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Integer.parseInt(m.group(1)) > 50, "distinct schedules: " + m.group(1));
    }

    @Test
    void exhaustiveWithNoPreemptionIsVerifiedWithExitZeroAndItsLineLast() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "enable-logging-race", "--variant", "v3.16", "--strategy", "dfs",
                "--preemptions", "0", "--exhaustive");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().matches("(?s).*\nverified: K=0, every schedule with at most 0 preemption\\(s\\) run or pruned: "
                + "1 run, 0 pruned, in \\d+\\.\\d\\d s\n"), r.out());
    }

    @Test
    void exhaustiveWithABudgetThatRunsOutIsNotVerifiedAndExitsFour() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "enable-logging-race", "--variant", "v3.16", "--strategy", "dfs",
                "--preemptions", "1", "--exhaustive", "--budget", "3");
        assertEquals(4, r.exit(), r.out());
        assertFalse(r.out().contains("\nverified:"), r.out());
        assertTrue(r.out().matches("(?s).*\nNOT verified: the bound K=1 was not exhausted: 3 schedule\\(s\\) run, \\d+ still to run "
                + "when the budget ran out, in \\d+\\.\\d\\d s\n"), r.out());
    }

    @Test
    void theLockInversionDeadlocksAndTheDeadlockIsReportedWithHeldLocksThenReplayed() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "lock-inversion", "--seed", "1", "--budget", "300");
        assertEquals(1, r.exit(), r.out());
        String out = r.out();
        assertTrue(out.contains("DEADLOCK: every thread is blocked, at step "), out);
        assertTrue(out.contains("  bad-helper: sleeps waiting for kvm->slots_lock (") && out.contains("    holds: kvm->mmu_lock\n"), out);
        assertTrue(out.matches("(?s).*: spins for kvm->mmu_lock \\([^\n]*\\)\n    holds: kvm->slots_lock\n.*"), out);
        assertTrue(out.contains("[ INFO: possible circular locking dependency detected ]"), out);
        UnderLockdepIT.Result again = explore(replayArgs(out).split(" "));
        assertEquals(1, again.exit(), again.out());
        assertEquals(report(out), report(again.out()));
    }

    @Test
    void theRandomWalkFindsTheNoSlotsLockRaceToo() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "enable-logging-race", "--variant", "no-slots-lock", "--strategy", "random",
                "--seed", "1", "--budget", "300");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("replay: ./mmulab replay enable-logging-race --variant no-slots-lock --strategy random --seed "),
                r.out());
    }

    @Test
    void withoutTheWovenYieldPointsExploreSaysHowToRunItAndExitsTwo() throws Exception {
        UnderLockdepIT.Result r = UnderLockdepIT.mmulabWithAgentOptions("", "explore", "enable-logging-race");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("mmulab: explore: needs the lockdep agent with explore=true: run it as ./mmulab explore"), r.out());
    }

    /** Piped, as here: no progress line (it is for a terminal; TerminalIT has one). */
    @Test
    void pipedExploreShowsNoProgressLine() throws Exception {
        UnderLockdepIT.Result r = UnderLockdepIT.mmulab("explore", "enable-logging-race", "--seed", "1", "--budget", "40");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\nexplored 40 schedule(s), "), r.out());
        assertFalse(r.out().contains("\r"), r.out());
        assertFalse(r.out().contains(" found, "), r.out());
    }

    @Test
    void withoutTheAgentAtAllExploreSaysHowToRunItAndExitsTwo() throws Exception {
        java.nio.file.Path jar = java.nio.file.Path.of(System.getProperty("mmulab.examples.jar", "target/examples.jar"));
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "explore", "enable-logging-race").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), out);
        assertEquals("mmulab: explore: needs the lockdep agent with explore=true: run it as ./mmulab explore ...\n", out);
    }

    @Test
    void replayWithoutASeedIsAUsageError() throws Exception {
        UnderLockdepIT.Result r = explore("replay", "enable-logging-race", "--variant", "no-slots-lock");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("mmulab: replay: which schedule? give the --seed that explore printed"), r.out());
    }

    @Test
    void theReductionNeedsPerThreadClocksAndExhaustive() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "enable-logging-race", "--strategy", "dfs", "--exhaustive", "--reduction");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("mmulab: explore: --reduction needs --clock per-thread"), r.out());
        r = explore("explore", "enable-logging-race", "--strategy", "dfs", "--reduction", "--clock", "per-thread");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("mmulab: explore: --reduction is for --exhaustive"), r.out());
    }

    @Test
    void withoutTheFootprintWeavingTheReductionIsOffAndTheHeaderSaysWhy() throws Exception {
        UnderLockdepIT.Result r = explore("explore", "enable-logging-race", "--strategy", "dfs", "--preemptions", "0", "--exhaustive",
                "--clock", "per-thread", "--reduction");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("\nreduction: off, because the program's footprints are not recorded"), r.out());
    }

    /**
     * Under footprints=on (what ./mmulab adds for --reduction), v3.16 verifies at K=1 with the
     * reduction as without it, and the schedules stopped where they met an explored state are
     * counted; per-thread clocks search the shared clock's space (one schedule more here: a
     * clock read decides one need_resched differently).
     */
    @Test
    void perThreadClocksWithTheReductionVerifyV316AtK1LikeWithout() throws Exception {
        UnderLockdepIT.Result on = UnderLockdepIT.mmulabWithAgentOptions(WEAVE + ",footprints=on", "explore", "enable-logging-race",
                "--variant", "v3.16", "--strategy", "dfs", "--preemptions", "1", "--exhaustive", "--clock", "per-thread", "--reduction");
        assertEquals(0, on.exit(), on.out());
        assertTrue(on.out().contains("footprints=on"), on.out());
        assertTrue(on.out().contains("\nreduction: on, per-thread clocks"), on.out());
        assertTrue(on.out().matches("(?s).*\nexplored \\d+ schedule\\(s\\), .* no deadlock\\. \\d+ of them stopped early, where they met "
                + "a state explored before\\.\nverified: K=1, .*"), on.out());
        UnderLockdepIT.Result off = explore("explore", "enable-logging-race", "--variant", "v3.16", "--strategy", "dfs",
                "--preemptions", "1", "--exhaustive", "--clock", "per-thread");
        assertEquals(0, off.exit(), off.out());
        assertTrue(off.out().contains("\nreduction: off, per-thread clocks"), off.out());
        Matcher a = Pattern.compile("\nverified: K=1, every schedule with at most 1 preemption\\(s\\) run or pruned: (\\d+) run, ").matcher(on.out());
        Matcher b = Pattern.compile("\nverified: K=1, every schedule with at most 1 preemption\\(s\\) run or pruned: (\\d+) run, ").matcher(off.out());
        assertTrue(a.find() && b.find(), on.out() + off.out());
        assertEquals(b.group(1), a.group(1), "at K=1 nothing can be pruned (no schedule there has children)");
    }
}
