// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The autograder zip Gradescope expects: at its root {@code setup.sh} (Java 17 and Maven, then
 * one build that fetches every library) and {@code run_autograder} (takes the exercise regions
 * from the submission, builds, runs the visible and hidden graders, writes
 * {@code /autograder/results/results.json}), next to the source: the kit of the exercises with
 * their hidden graders.
 */
public final class Autograder {
    private Autograder() {}

    /** Writes the zip; returns the kit summary of its source. */
    public static KitWriter.Summary write(Path root, Path zip, Set<Integer> exercises) throws IOException {
        if (Files.isDirectory(zip)) {
            throw new IllegalArgumentException(zip + " is a directory: name the zip file to write");
        }
        Path dir = zip.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no such directory " + dir);
        }
        Path tmp = Files.createTempDirectory("mmulab-autograder-");
        try {
            KitWriter.Summary s = KitWriter.write(root, tmp, exercises, true);
            String list = exercises.stream().map(String::valueOf).collect(Collectors.joining(","));
            Files.writeString(tmp.resolve("setup.sh"), KitWriter.resource("autograder-setup.sh"), StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("run_autograder"), KitWriter.resource("autograder-run.sh").replace("@EXERCISES@", list),
                    StandardCharsets.UTF_8);
            Path part = zip.resolveSibling(zip.getFileName() + ".part");
            try (OutputStream o = Files.newOutputStream(part); ZipOutputStream z = new ZipOutputStream(o)) {
                List<Path> all;
                try (Stream<Path> w = Files.walk(tmp)) {
                    all = w.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : all) {
                    String name = tmp.relativize(f).toString().replace('\\', '/');
                    ZipEntry e = new ZipEntry(name);
                    e.setLastModifiedTime(FileTime.fromMillis(0));
                    z.putNextEntry(e);
                    Files.copy(f, z);
                    z.closeEntry();
                }
            }
            Files.move(part, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return s;
        } finally {
            try (Stream<Path> w = Files.walk(tmp)) {
                for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
