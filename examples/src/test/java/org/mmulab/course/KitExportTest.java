// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.exercises.Exercise;

/**
 * {@code mmulab course export}: the kit holds no answer (every reference region's text, and every
 * line found only in reference regions, is absent from every file of the kit; no Reference.java,
 * no hidden grader), holds the stubs, the sheets and the agent, and the autograder can put a
 * student's regions back exactly.
 */
class KitExportTest {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent(); // surefire runs in examples/
    static final Set<Integer> ALL = new TreeSet<>();

    @TempDir
    static Path tmp;
    static Path kit;
    static Map<Path, String> kitText = new HashMap<>();
    /** Every trimmed line of the kit's text files, with the files it is in. */
    static Map<String, List<Path>> kitLines = new HashMap<>();

    @BeforeAll
    static void export() throws IOException {
        Exercise.ALL.forEach(e -> ALL.add(e.number()));
        kit = tmp.resolve("kit");
        KitWriter.write(ROOT, kit, ALL, false);
        try (Stream<Path> s = Files.walk(kit)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (!p.toString().endsWith(".jar")) {
                    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                    kitText.put(kit.relativize(p), text);
                    for (String l : text.split("\n")) {
                        kitLines.computeIfAbsent(l.trim(), k -> new ArrayList<>()).add(kit.relativize(p));
                    }
                }
            }
        }
    }

    /** The reference regions of the teacher's tree (kernel-port and examples sources). */
    static List<Regions.Region> regions() {
        List<Regions.Region> out = new ArrayList<>();
        for (String d : List.of("kernel-port/src/main/java", "examples/src/main/java")) {
            for (Regions.Region r : Regions.scan(ROOT.resolve(d))) {
                out.add(new Regions.Region(Paths.get(d).resolve(r.file()), r.exercise(), r.keep(), r.open(), r.close(),
                        r.reference(), r.kit(), r.fix(), r.fixture()));
            }
        }
        return out;
    }

    /** Every line of the teacher's sources outside reference regions, trimmed. */
    static Set<String> linesOutsideRegions() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String d : List.of("kernel-port/src/main/java", "examples/src/main/java")) {
            for (Path f : Regions.javaFiles(ROOT.resolve(d))) {
                List<String> lines = Regions.read(f);
                for (String l : Regions.cut(lines, ALL)) {
                    out.add(l.trim());
                }
            }
        }
        return out;
    }

    @Test
    void noReferenceRegionTextIsInTheKit() throws IOException {
        Set<String> elsewhere = linesOutsideRegions();
        List<String> leaks = new ArrayList<>();
        int checkedLines = 0;
        for (Regions.Region r : regions()) {
            if (r.answer().stream().allMatch(String::isBlank)) {
                continue;
            }
            // a region as short as "return 1;" is found in any file: its lines are checked below
            String whole = r.normalized();
            for (Map.Entry<Path, String> f : whole.length() < 24 ? Map.<Path, String>of().entrySet() : kitText.entrySet()) {
                if (Regions.normalize(f.getValue()).contains(whole)) {
                    leaks.add(r.file() + ":" + r.open() + " (exercise " + r.exercise() + ") whole region in " + f.getKey());
                }
            }
            for (String line : r.answer()) {
                String t = line.trim();
                if (t.length() < 12 || elsewhere.contains(t)) {
                    continue; // short, or also found outside the regions: not the answer's own
                }
                checkedLines++;
                for (Path f : kitLines.getOrDefault(t, List.of())) {
                    leaks.add(r.file() + ":" + r.open() + " (exercise " + r.exercise() + ") line '" + t + "' in " + f);
                }
            }
        }
        assertTrue(leaks.isEmpty(), "reference code in the kit:\n" + String.join("\n", leaks));
        assertTrue(checkedLines > 20, "the grep looked at only " + checkedLines + " distinctive reference lines");
    }

    /** A bug fix's reference (exN/Reference.java) and the hidden graders: none of their own lines is in the kit. */
    @Test
    void noLineOfAReferenceClassOrHiddenGraderIsInTheKit() throws IOException {
        Set<String> elsewhere = new TreeSet<>();
        List<Path> secret = new ArrayList<>();
        for (Path f : Regions.javaFiles(ROOT.resolve("examples/src/main/java"))) {
            String s = f.toString().replace('\\', '/');
            if (KitWriter.REFERENCE.matcher(s).find() || KitWriter.HIDDEN.matcher(s).find()) {
                secret.add(f);
            } else {
                Regions.cut(Regions.read(f), ALL).forEach(l -> elsewhere.add(l.trim()));
            }
        }
        for (Path f : Regions.javaFiles(ROOT.resolve("kernel-port/src/main/java"))) {
            Regions.cut(Regions.read(f), ALL).forEach(l -> elsewhere.add(l.trim()));
        }
        List<String> leaks = new ArrayList<>();
        for (Path f : secret) {
            for (String line : Regions.read(f)) {
                String t = line.trim();
                if (t.length() < 16 || elsewhere.contains(t) || t.startsWith("import ") || t.startsWith("*") || t.startsWith("//")
                        || t.startsWith("/**") || t.startsWith("@")) {
                    continue;
                }
                for (Path k : kitLines.getOrDefault(t, List.of())) {
                    leaks.add(ROOT.relativize(f) + ": '" + t + "' in " + k);
                }
            }
        }
        assertFalse(secret.isEmpty(), "the teacher's tree has hidden graders");
        assertTrue(leaks.isEmpty(), "lines of a reference or hidden grader in the kit:\n" + String.join("\n", leaks));
    }

    @Test
    void noReferenceNoHiddenGraderNoTestIsInTheKit() {
        for (Path p : kitText.keySet()) {
            String s = p.toString().replace('\\', '/');
            assertFalse(s.matches(".*exercises/ex\\d+/Reference\\.java"), s);
            assertFalse(s.matches(".*exercises/ex\\d+/hidden/.*"), s);
            assertFalse(s.contains("/src/test/"), s);
        }
    }

    @Test
    void everyCutRegionHoldsItsStubAndKeepsItsMarkers() {
        for (Regions.Region r : regions()) {
            String text = kitText.get(r.file());
            assertTrue(text != null, r.file() + " is not in the kit");
            List<Regions.Region> inKit = Regions.scan(kit, r.file());
            assertTrue(inKit.stream().anyMatch(k -> k.exercise() == r.exercise()), r.file() + ": exercise " + r.exercise() + "'s markers");
            for (String stub : r.kit()) {
                if (!r.keep()) {
                    assertTrue(text.contains(stub), r.file() + ": the stub line '" + stub + "'");
                }
            }
        }
        assertTrue(kitText.get(Paths.get("kernel-port/src/main/java/org/mmulab/kernel/arch/x86/kvm/mmu.java"))
                .contains("exercise 1 is not done yet"));
    }

    @Test
    void theKitHasSheetsScriptsAgentAndSaysItIsAKit() throws IOException {
        for (Exercise e : Exercise.ALL) {
            assertTrue(Files.isRegularFile(kit.resolve(e.sheet())), e.sheet());
        }
        assertTrue(Files.isExecutable(kit.resolve("grade")));
        assertTrue(Files.isExecutable(kit.resolve("mmulab")));
        assertTrue(kitText.get(Paths.get("pom.xml")).contains("<url>file://${maven.multiModuleProjectDirectory}/repo</url>"));
        assertFalse(kitText.get(Paths.get("pom.xml")).contains("<module>lockdep-agent</module>"));
        assertFalse(kitText.get(Paths.get("examples/pom.xml")).contains("test-jar"));
        assertFalse(kitText.get(Paths.get("examples/pom.xml")).contains("<profiles>"), "no mutation profile in a kit");
        assertFalse(kitText.get(Paths.get("pom.xml")).contains("<profiles>"), "no mutation profile in a kit");
        try (Stream<Path> s = Files.list(kit.resolve("repo/org/mmulab/lockdep-agent"))) {
            Path v = s.findFirst().orElseThrow();
            Path jar = v.resolve("lockdep-agent-" + v.getFileName() + ".jar");
            assertTrue(Files.size(jar) > 100_000, jar.toString());
            assertEquals(KitWriter.sha1(Files.readAllBytes(jar)), Files.readString(jar.resolveSibling(jar.getFileName() + ".sha1")));
        }
        assertTrue(kitText.get(Paths.get("examples/src/main/resources/org/mmulab/course/kit.properties"))
                .contains("exercises=1,2,3"));
        assertTrue(kitText.get(Paths.get("README.md")).contains("./grade 1"));
    }

    @Test
    void splicingTheTeachersFilesIntoTheKitGivesTheTeachersRegionsBack() throws IOException {
        Path back = tmp.resolve("spliced");
        for (Regions.Region r : regions()) {
            List<String> teacher = Regions.read(ROOT.resolve(r.file()));
            List<String> kitFile = Regions.read(kit.resolve(r.file()));
            Path f = back.resolve(r.file());
            Files.createDirectories(f.getParent());
            Files.write(f, Regions.splice(kitFile, teacher, ALL, r.file().toString()));
        }
        for (Regions.Region r : regions()) {
            // the same region, by its place among the file's regions
            List<Regions.Region> teachers = Regions.scan(ROOT, r.file());
            int i = teachers.indexOf(teachers.stream().filter(t -> t.open() == r.open()).findFirst().orElseThrow());
            Regions.Region got = Regions.scan(back, r.file()).get(i);
            if (r.fixture()) {
                assertEquals(r.kit(), got.reference(), r.file() + ":" + r.open() + ": a [fixture] region is never taken from a submission");
            } else {
                assertEquals(r.reference(), got.reference(), r.file() + ":" + r.open());
            }
        }
    }

    @Test
    void aSubmissionCannotChangeCodeOutsideItsRegions() {
        List<String> pristine = List.of("a", "// >>> exercise 1", "stub", "// <<< exercise 1", "b");
        List<String> submitted = List.of("A changed", "// >>> exercise 1", "mine", "// <<< exercise 1", "B changed");
        assertEquals(List.of("a", "// >>> exercise 1", "mine", "// <<< exercise 1", "b"),
                Regions.splice(pristine, submitted, Set.of(1), "f"));
        assertThrows(IllegalArgumentException.class,
                () -> Regions.splice(pristine, List.of("// >>> exercise 1", "mine"), Set.of(1), "f"));
        assertThrows(IllegalArgumentException.class, () -> Regions.splice(pristine, List.of("mine"), Set.of(1), "f"));
    }

    @Test
    void exportRefusesANonEmptyDirectoryAndWritesNothing() throws IOException {
        Path d = tmp.resolve("busy");
        Files.createDirectories(d);
        Files.writeString(d.resolve("notes.txt"), "mine");
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> KitWriter.write(ROOT, d, ALL, false));
        assertTrue(x.getMessage().contains("is not empty"), x.getMessage());
        try (Stream<Path> s = Files.list(d)) {
            assertEquals(1, s.count());
        }
        assertThrows(IllegalArgumentException.class, () -> KitWriter.write(ROOT, tmp.resolve("x"), Set.of(99), false));
    }

    @Test
    void aKitOfOneExerciseKeepsTheOthersReferences() throws IOException {
        Path one = tmp.resolve("one");
        KitWriter.write(ROOT, one, Set.of(3), false);
        String mmu = Files.readString(one.resolve("kernel-port/src/main/java/org/mmulab/kernel/arch/x86/kvm/mmu.java"));
        assertTrue(mmu.contains("return mmu_spte_update(sptep, spte);"), "exercise 1 not handed out: its code stays");
        assertFalse(mmu.contains("// kit:"), "no kit lines are left in a kit");
        String x86 = Files.readString(one.resolve("kernel-port/src/main/java/org/mmulab/kernel/arch/x86/kvm/x86.java"));
        assertFalse(x86.contains("// fix:"), "a kept region's fix is never in a kit");
        assertFalse(Files.exists(one.resolve("docs/exercises/ex1-spte-write-protect.md")));
        assertTrue(Files.exists(one.resolve("docs/exercises/ex3-lockdep-report.md")));
    }
}
