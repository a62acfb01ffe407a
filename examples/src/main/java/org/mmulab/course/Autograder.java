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

    /**
     * Writes the reference submission of {@code exercises} into {@code dir}: each file a student
     * edits, at its path in the tree, its regions holding the reference ({@link Regions#referenceSubmission}).
     * Returns the number of files.
     */
    public static int writeReferenceSubmission(Path root, Path dir, Set<Integer> exercises) throws IOException {
        Set<String> files = new java.util.TreeSet<>();
        for (int n : exercises) {
            for (Regions.Region r : regionsOf(root, n)) {
                files.add(r.file().toString());
            }
        }
        for (String f : files) {
            Path to = dir.resolve(f);
            Files.createDirectories(to.getParent());
            Files.write(to, Regions.referenceSubmission(Regions.read(root.resolve(f))), StandardCharsets.UTF_8);
        }
        return files.size();
    }

    /** The regions of exercise {@code n} in the tree, their files relative to the root. */
    static List<Regions.Region> regionsOf(Path root, int n) {
        List<Regions.Region> out = new java.util.ArrayList<>();
        for (String d : List.of("kernel-port/src/main/java", "examples/src/main/java")) {
            for (Regions.Region r : Regions.scan(root.resolve(d))) {
                if (r.exercise() == n) {
                    out.add(new Regions.Region(Path.of(d).resolve(r.file()), r.exercise(), r.keep(), r.open(), r.close(),
                            r.reference(), r.kit(), r.fix(), r.fixture()));
                }
            }
        }
        return out;
    }

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
