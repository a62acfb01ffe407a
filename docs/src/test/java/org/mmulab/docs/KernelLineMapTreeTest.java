// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * With a v3.16 tree ({@code -Dmmulab.kernel.src=DIR} or {@code $MMULAB_KERNEL_SRC}): the line map
 * made again in memory from the tree and the port is the committed file, byte for byte. Skipped,
 * saying so, without a tree.
 */
class KernelLineMapTreeTest {
    @Test
    void theLineMapMadeFromTheTreeIsTheCommittedFileByteForByte() throws Exception {
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        assumeTrue(src != null && !src.isEmpty(), "no kernel tree given (-Dmmulab.kernel.src=DIR): the line map is made from the C");
        String made = new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader()),
                KernelTree.open(Paths.get(src)), "kernel-port/src/main/java/").lineMap().format();
        Path committed = Paths.get("src/main/resources").resolve(KernelLineMap.RESOURCE);
        assertEquals(made, Files.readString(committed, StandardCharsets.UTF_8),
                committed.toAbsolutePath() + " is not what the tree and the port make; regenerate it: " + KernelLineMap.REGENERATE);
    }
}
