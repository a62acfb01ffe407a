// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The machine is hardware: none of its classes refers to a class of the kernel or of the fixtures
 * built on the kernel. Any reference to another class shows up in a class file's constant pool
 * as that class's internal name, so scanning the bytes for the package prefixes is exact.
 */
class HardwareIsolationTest {
    @Test
    void noMachineClassRefersToTheKernel() throws IOException, URISyntaxException {
        Path location = Paths.get(Machine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // target/classes in this module's build, kernel-port.jar when the agent's build runs the suite
        try (FileSystem jar = Files.isDirectory(location) ? null : FileSystems.newFileSystem(location, (ClassLoader) null)) {
            Path dir = (jar == null ? location : jar.getPath("/")).resolve("org/mmulab/hw");
            List<Path> classes;
            try (Stream<Path> s = Files.list(dir)) {
                classes = s.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
            }
            assertTrue(classes.size() >= 8, "found the machine's classes: " + classes);
            for (Path c : classes) {
                String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
                assertEquals(-1, bytes.indexOf("org/mmulab/kernel/"), c.getFileName() + " refers to the kernel");
                assertEquals(-1, bytes.indexOf("org/mmulab/fixture/"), c.getFileName() + " refers to the fixtures");
            }
        }
    }
}
