// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code java -cp examples.jar org.mmulab.examples.Launch ROOT ARGS}, as {@code ./mmulab} runs it:
 * the command line comes out as NUL-terminated words, the agent options those of the command.
 */
class LaunchIT {
    @Test
    void theJarPrintsTheCommandLineAsNulTerminatedWords() throws Exception {
        Path jar = Path.of(System.getProperty("mmulab.examples.jar", "target/examples.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "missing " + jar);
        Path root = jar.getParent().getParent().getParent();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", jar.toString(), "org.mmulab.examples.Launch", root.toString(), "replay",
                "enable-logging-race", "--seed", "2").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(out.endsWith("\0"), out);
        List<String> words = List.of(out.substring(0, out.length() - 1).split("\0", -1));
        Path agent = root.resolve("lockdep-agent/target/lockdep-agent.jar");
        assertEquals(List.of(java, "-javaagent:" + agent + "=explore=true,tlbtrace=off", "-jar",
                root.resolve("examples/target/examples.jar").toString(), "replay", "enable-logging-race", "--seed", "2"), words);
    }
}
