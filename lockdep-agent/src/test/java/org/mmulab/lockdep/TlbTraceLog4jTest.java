// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code tlbtrace=lines} writes, in a child JVM whose class path is chosen per test: through
 * Log4j when the program has Log4j with a provider, else to the agent's own output, also when the
 * program has log4j-api alone (which would drop every line, after complaining about the missing
 * provider).
 */
class TlbTraceLog4jTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    /**
     * Runs {@link org.mmulab.program.TlbTraceLines} on this module's classes plus the jars of the
     * test class path that {@code keep} accepts (by file name).
     */
    private Run run(Predicate<String> keep, String... jvmArgs) throws IOException, InterruptedException {
        List<String> cp = new ArrayList<>();
        Path target = Path.of("target").toAbsolutePath(); // surefire runs in the module's directory
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            boolean ours = Path.of(e).toAbsolutePath().equals(target.resolve("classes"))
                    || Path.of(e).toAbsolutePath().equals(target.resolve("test-classes"));
            if (ours || e.endsWith(".jar") && keep.test(new File(e).getName())) {
                cp.add(e);
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, cp), org.mmulab.program.TlbTraceLines.class.getName()));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = p.waitFor();
        return new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static boolean log4jApi(String jar) {
        return jar.startsWith("log4j-api-");
    }

    @Test
    void withLog4jApiButNoProviderTheLinesGoToTheAgentsOutputAndLog4jSaysNothing() throws Exception {
        Run r = run(TlbTraceLog4jTest::log4jApi);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(": mmu_spte_update: sptep=1000 new=5 flush owed (caller main)\n"), r.out());
        assertTrue(r.out().contains(": kvm_flush_remote_tlbs: caller=main mmu_lock=no held=[] ipi=no took="), r.out());
        assertTrue(r.out().endsWith("done\n"), r.out());
        assertFalse(r.err().contains("provider"), "Log4j was not started, so it has nothing to complain about: " + r.err());
    }

    @Test
    void withoutLog4jTheLinesGoToTheAgentsOutput() throws Exception {
        Run r = run(jar -> false);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(": kvm_flush_remote_tlbs: caller=main"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void withLog4jCoreTheLinesGoThroughLog4j() throws Exception {
        // log4j-core's default configuration: a console appender on stdout, here at INFO; its lines
        // carry the level, the agent's own do not
        Run r = run(jar -> log4jApi(jar) || jar.startsWith("log4j-core-"), "-Dorg.apache.logging.log4j.level=INFO");
        assertEquals(0, r.exit(), r.err());
        assertTrue(java.util.regex.Pattern.compile("(?m)^.* INFO .*: kvm_flush_remote_tlbs: caller=main ").matcher(r.out()).find(),
                r.out());
    }
}
