// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build that {@code ./mmulab} starts on first use says what it is doing: the launcher script,
 * copied into an empty tree, with a stand-in {@code mvn} first on the PATH that prints what Maven
 * prints (a module starting, a compile, a download) and then fails or creates the jars.
 */
class LauncherScriptTest {
    /** Lines as Maven 3 prints them with -B (trimmed to what the launcher reads, and a few it must skip). */
    static final String MAVEN_LOG = String.join("\n",
            "[INFO] Scanning for projects...",
            "[INFO] Building mmulab 0.1.0-SNAPSHOT                                     [1/3]",
            "[INFO] --------------------------------[ pom ]---------------------------------",
            "[INFO] Building mmulab kernel-port 0.1.0-SNAPSHOT                         [2/3]",
            "Downloading from central: https://repo.maven.apache.org/maven2/info/picocli/picocli/4.7.7/picocli-4.7.7.pom",
            "Downloaded from central: https://repo.maven.apache.org/maven2/info/picocli/picocli/4.7.7/picocli-4.7.7.pom (2 kB)",
            "Downloading from central: https://repo.maven.apache.org/maven2/info/picocli/picocli/4.7.7/picocli-4.7.7.jar",
            "[INFO] Compiling 240 source files with javac [debug release 17] to target/classes",
            "[INFO] Compiling 31 source files with javac [debug release 17] to target/test-classes",
            "[INFO] Building mmulab examples 0.1.0-SNAPSHOT                            [3/3]",
            "");

    @TempDir
    Path tree;
    Path bin;

    @BeforeEach
    void aTreeWithTheLauncherAndNothingBuilt() throws Exception {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("mmulab");
        assertTrue(Files.isRegularFile(script), "the launcher is at the repository root: " + script);
        Files.copy(script, tree.resolve("mmulab"), StandardCopyOption.COPY_ATTRIBUTES);
        bin = Files.createDirectory(tree.resolve("bin"));
    }

    void fakeMvn(String after) throws Exception {
        Path log = tree.resolve("maven.log");
        Files.writeString(log, MAVEN_LOG);
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/usr/bin/env bash\ncat '" + log + "'\n" + after + "\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    UnderLockdepIT.Result launch(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", tree.resolve("mmulab").toString());
        pb.command().addAll(java.util.List.of(args));
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new UnderLockdepIT.Result(p.waitFor(), out);
    }

    @Test
    void theFirstBuildNamesEachModuleWhatItCompilesAndThatItDownloadsThenTheErrorsWhenItFails() throws Exception {
        fakeMvn("echo '[ERROR] /src/Main.java:[3,1] class, interface, enum, or record expected'\nexit 1");
        UnderLockdepIT.Result r = launch("list");
        String out = r.out();
        assertEquals(1, r.exit(), out);
        assertTrue(out.startsWith("mmulab: building the project (first use: nothing built yet): mvn -B -DskipTests package"), out);
        assertTrue(out.contains("\nmmulab:   [1/3] (parent pom)\nmmulab:   [2/3] kernel-port\n"
                + "mmulab:         downloading the libraries and plugins ~/.m2 lacks from Maven Central\n"
                + "mmulab:         compiling 240 source files\nmmulab:         compiling 31 source files (tests)\n"
                + "mmulab:   [3/3] examples\n"), out);
        assertEquals(1, out.split("downloading", -1).length - 1, "said once: " + out);
        assertTrue(out.contains("\n[ERROR] /src/Main.java:[3,1] class, interface, enum, or record expected\n"), out);
        assertTrue(out.matches("(?s).*\nmmulab: the build failed \\(the errors above; Maven's whole log: /\\S+\\)\n"), out);
    }

    @Test
    void aBuildThatSucceedsSaysSoAndHowLongItTook() throws Exception {
        fakeMvn("mkdir -p examples/target/lib docs/target/lib lockdep-agent/target\n"
                + "touch examples/target/examples.jar docs/target/docs.jar lockdep-agent/target/lockdep-agent.jar");
        UnderLockdepIT.Result r = launch("list");
        String out = r.out();
        assertTrue(out.contains("\nmmulab:   [3/3] examples\nmmulab: built in "), out);
        // the jars are empty stand-ins: Launch cannot run from them, and the launcher says so
        assertEquals(1, r.exit(), out);
        assertTrue(out.contains("mmulab: could not work out the java command line"), out);
    }
}
