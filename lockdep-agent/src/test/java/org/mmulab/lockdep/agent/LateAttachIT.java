// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.program.LateAttachTarget;

/**
 * Late attach (the manifest's Agent-Class): a JVM started without the agent runs the port, then
 * the agent is attached through the Attach API; it re-weaves the port classes already loaded, and
 * the lock inversion the program makes after that is reported. A bad option on attach is refused
 * without stopping the program.
 */
class LateAttachIT {
    @TempDir
    Path dir;

    @Test
    void theAgentAttachedToARunningJvmReweavesTheLoadedPortClassesAndSeesTheInversionAfterIt() throws Exception {
        Path agentJar = Path.of(System.getProperty("mmulab.agent.jar", "target/lockdep-agent.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(agentJar), agentJar + " (mvn package builds it)");
        // the program's class path: the port and the test programs, without the agent or its Byte Buddy
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = new File(e).getName();
            if (!name.startsWith("lockdep-agent") && !name.startsWith("byte-buddy") && !name.startsWith("asm")
                    && !Path.of(e).toAbsolutePath().equals(Path.of("target", "classes").toAbsolutePath())) {
                cp.add(e);
            }
        }
        Path err = dir.resolve("stderr.txt");
        Path reports = dir.resolve("lockdep.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, cp), LateAttachTarget.class.getName())
                .redirectError(err.toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            assertEquals("ran the port", out.readLine(), () -> read(err));

            VirtualMachine vm = VirtualMachine.attach(Long.toString(p.pid()));
            try {
                assertThrows(AgentInitializationException.class, () -> vm.loadAgent(agentJar.toString(), "mode=loud"));
                in.write("attach with mode=loud\n");
                in.flush();
                assertEquals("still running after: attach with mode=loud", out.readLine(), () -> read(err));

                vm.loadAgent(agentJar.toString(), "mode=warn,tlbtrace=off,out=" + reports);
            } finally {
                vm.detach();
            }
            in.write("go\n");
            in.flush();
            assertEquals("done", out.readLine(), () -> read(err));
        }
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the program ends"); // a guard against a hang, not a timing check
        assertEquals(0, p.exitValue(), () -> read(err));
        assertTrue(read(err).contains("lockdep-agent: bad value 'loud' for mode"), read(err));

        String r = read(reports);
        Matcher m = Pattern.compile("attached late: (\\d+) of (\\d+) loaded port classes re-woven\\)\n").matcher(r);
        assertTrue(m.find(), r);
        assertEquals(m.group(2), m.group(1), "every loaded hook class re-woven: " + r);
        assertTrue(Integer.parseInt(m.group(1)) >= 4, "spinlock_t, mutex, lockdep, sched, kvm_main...: " + r);
        assertEquals(1, r.split("possible circular locking dependency detected", -1).length - 1,
                "the inversion after the attach, and not the one before it: " + r);
        assertTrue(r.contains("but task is already holding lock:\n (&kvm->mmu_lock)"), r);
        assertTrue(r.contains("BUG: sleeping function called from invalid context"), r);
        assertTrue(r.contains("org.mmulab.program.LateAttachTarget.invert(LateAttachTarget.java:"), r);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(" + p + ": " + e + ")";
        }
    }
}
