// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course.mutation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mmulab.course.Regions;
import org.mmulab.course.Regions.Region;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Exercise;
import org.mmulab.exercises.Implementations;

/**
 * What PIT mutates for each exercise, from the registry ({@link Exercise#ALL}) and the regions of
 * the teacher's tree ({@link Regions}): a new exercise joins by being registered, nothing here.
 *
 * <ul>
 * <li>A code exercise whose regions hold the reference (1, 2, 5): the lines of its regions, under
 * its visible and hidden graders, run as they are (PIT's coverage picks which tests run against
 * which mutant).</li>
 * <li>A bug-fix exercise (its regions are {@code [keep]}, its reference a swap): the swap targets'
 * whole files ({@code exN/Reference.java}), under {@link SwappedReferenceGrader}, which grades the
 * exercise as {@code mmulab grade N --reference} does, the port in a {@code VariantLoader} with
 * the reference swapped in.</li>
 * <li>An answer exercise (its region's class implements an interface marked
 * {@link Implementations}, as 3's and 4's {@code Solution}s do): not mutated; its graders' strength
 * is shown by the wrong answers kept as tests.</li>
 * </ul>
 *
 * <p>A limit: PIT's transformer for new class loaders hands every loader that defines the mutated
 * class the mutant's bytes, after that loader's own rewriting. A grader that runs the port in a
 * {@code VariantLoader} which rewrites the class being mutated (a hook or swap in {@code mmu}
 * while {@code mmu}'s region is mutated) would run without its rewriting; the bug-fix case is
 * safe, since the {@code Reference} it mutates is loaded fresh but not rewritten.
 */
public final class MutationPlan {
    static final String SOURCE_ROOT = "src/main/java/";

    private MutationPlan() {}

    /** One exercise to mutate: the spans, the classes that hold them, the tests, and the JVM arguments of PIT's minions. */
    public record Target(Exercise exercise, List<RegionFilter.Span> spans, List<Path> sourceDirs, List<String> classes,
            List<String> tests, List<String> jvmArgs) {
        /** The MMULAB_REGIONS feature string that keeps exactly the spans. */
        public String feature() {
            StringBuilder b = new StringBuilder("+" + RegionFilterFactory.FEATURE + "(");
            for (RegionFilter.Span s : spans) {
                b.append("region[").append(s).append("]");
            }
            return b.append(")").toString();
        }

        /** Whether the mutant at {@code line} of the source file {@code file} (path under its source root) is this exercise's. */
        public boolean covers(String file, int line) {
            return spans.stream().anyMatch(s -> s.contains(file, line));
        }
    }

    /** An exercise left out, and why. */
    public record Skipped(Exercise exercise, String why) {}

    public record Plan(List<Target> targets, List<Skipped> skipped) {}

    /** The plan for the teacher's tree at {@code root}. */
    public static Plan of(Path root) {
        List<Region> regions = Regions.scan(root);
        List<Target> targets = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (Exercise e : Exercise.ALL) {
            List<Region> mine = regions.stream().filter(r -> r.exercise() == e.number()).toList();
            String answers = answerClass(mine);
            if (answers != null) {
                skipped.add(new Skipped(e, "an answer exercise (" + answers + "); its graders are checked by the wrong answers kept as tests"));
                continue;
            }
            List<RegionFilter.Span> spans = new ArrayList<>();
            Set<Path> dirs = new LinkedHashSet<>();
            Set<String> classes = new LinkedHashSet<>();
            if (e.reference().isEmpty()) {
                for (Region r : mine) {
                    if (r.keep() || r.fixture()) {
                        continue; // v3.16's code a student fixes, or the project's own copy no grader grades
                    }
                    String file = underSourceRoot(r.file());
                    spans.add(new RegionFilter.Span(file, r.open(), r.close()));
                    dirs.add(root.resolve(sourceDir(r.file())));
                    classes.add(className(file));
                }
            } else {
                for (Swap s : e.reference()) {
                    String file = s.target() + ".java";
                    Path dir = findSourceDir(root, file);
                    if (dir == null) {
                        throw new IllegalStateException("exercise " + e.number() + "'s reference swap names " + s.target()
                                + ", whose source " + file + " is in no module's " + SOURCE_ROOT);
                    }
                    RegionFilter.Span whole = new RegionFilter.Span(file, 1, Integer.MAX_VALUE);
                    if (!spans.contains(whole)) {
                        spans.add(whole);
                    }
                    dirs.add(dir);
                    classes.add(className(file));
                }
            }
            if (spans.isEmpty()) {
                skipped.add(new Skipped(e, "no region holds a reference and the registry names no reference swap"));
                continue;
            }
            List<String> targetClasses = new ArrayList<>();
            for (String c : classes) {
                targetClasses.add(c);
                targetClasses.add(c + "$*");
            }
            List<String> tests = new ArrayList<>();
            List<String> jvmArgs = new ArrayList<>();
            if (e.reference().isEmpty()) {
                for (String g : new String[] {e.grader(), e.hidden()}) {
                    if (g != null) {
                        tests.add(g);
                        tests.add(g + "$*");
                    }
                }
            } else {
                tests.add(SwappedReferenceGrader.class.getName());
                jvmArgs.add("-D" + SwappedReferenceGrader.EXERCISE + "=" + e.number());
            }
            targets.add(new Target(e, List.copyOf(spans), List.copyOf(dirs), targetClasses, tests, jvmArgs));
        }
        return new Plan(targets, skipped);
    }

    /** The class of an answer exercise's region, or null: one that implements an interface marked {@link Implementations}. */
    static String answerClass(List<Region> regions) {
        for (Region r : regions) {
            if (!r.file().toString().contains(SOURCE_ROOT)) {
                continue;
            }
            String name = className(underSourceRoot(r.file()));
            try {
                Class<?> c = Class.forName(name, false, MutationPlan.class.getClassLoader());
                for (Class<?> i : c.getInterfaces()) {
                    if (i.isAnnotationPresent(Implementations.class)) {
                        return c.getSimpleName() + " implements " + i.getSimpleName() + ", an @Implementations interface";
                    }
                }
            } catch (ClassNotFoundException x) {
                // a region in a file that is not on this class path (not a module's main code): not an answer
            }
        }
        return null;
    }

    static String underSourceRoot(Path file) {
        String s = file.toString().replace('\\', '/');
        int i = s.indexOf(SOURCE_ROOT);
        if (i < 0) {
            throw new IllegalStateException(file + ": an exercise region outside a module's " + SOURCE_ROOT + " cannot be mutated");
        }
        return s.substring(i + SOURCE_ROOT.length());
    }

    static Path sourceDir(Path file) {
        String s = file.toString().replace('\\', '/');
        return Path.of(s.substring(0, s.indexOf(SOURCE_ROOT) + SOURCE_ROOT.length()));
    }

    static String className(String fileUnderRoot) {
        return fileUnderRoot.substring(0, fileUnderRoot.length() - ".java".length()).replace('/', '.');
    }

    private static Path findSourceDir(Path root, String file) {
        try (var modules = Files.list(root)) {
            for (Path m : modules.sorted().toList()) {
                Path dir = m.resolve(SOURCE_ROOT);
                if (Files.isRegularFile(dir.resolve(file))) {
                    return dir;
                }
            }
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
        return null;
    }
}
