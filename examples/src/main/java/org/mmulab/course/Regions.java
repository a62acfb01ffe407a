// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The exercised regions of a source tree: the code a student writes, cut out of the reference by
 * markers, the way linux-kernel-labs cuts its skeletons out of its solutions. A region is
 *
 * <pre>
 *     // &gt;&gt;&gt; exercise 1: what the region is
 *     ... the reference: what the teacher's tree runs, and what the kit leaves out ...
 *     // kit: ... a line the kit has instead (the marker and one space are removed) ...
 *     // &lt;&lt;&lt; exercise 1
 * </pre>
 *
 * An exercise may have several regions, in several files. A region opened with
 * {@code // >>> exercise N [keep]: ...} is handed out as it is: its code is v3.16's, which the
 * student changes (a bug to fix); the port stays v3.16, so the reference lives elsewhere: as a
 * method swapped in for grading (see {@code Exercise#reference()}), and as the region's
 * {@code // fix: ...} lines, the text a reference submission holds there
 * ({@link #referenceSubmission}). A region opened with {@code // >>> exercise N [fixture]: ...} is
 * the project's own version of what the student writes (exercise 10's oracle in the fixture): cut
 * like any region, so a kit holds no copy of the answer, its kit lines call the student's code
 * instead, and no grader grades it (mutation testing leaves it alone). The kit keeps the two marker lines, so
 * the autograder can take the regions, and only the regions, from a student's files
 * ({@link #splice}).
 */
public final class Regions {
    static final Pattern OPEN = Pattern.compile("^(\\s*)// >>> exercise (\\d+)( \\[keep\\]| \\[fixture\\])?(?::.*)?$");
    static final Pattern CLOSE = Pattern.compile("^\\s*// <<< exercise (\\d+)\\s*$");
    static final Pattern KIT = Pattern.compile("^(\\s*)// kit:(?: (.*))?$");
    static final Pattern FIX = Pattern.compile("^(\\s*)// fix:(?: (.*))?$");

    private Regions() {}

    /** One region: its file (relative to the tree's root), the 1-based lines of its markers, its text. */
    public record Region(Path file, int exercise, boolean keep, int open, int close, List<String> reference, List<String> kit,
            List<String> fix, boolean fixture) {
        /** The reference text with whitespace runs collapsed, for looking it up in other files. */
        public String normalized() {
            return normalize(String.join("\n", answer()));
        }

        /** What a student must not find in a kit: the region's code, or a kept region's fix. */
        public List<String> answer() {
            return keep ? fix : reference;
        }
    }

    static String normalize(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    /** Every region of every {@code .java} file under {@code root}, in file then line order. */
    public static List<Region> scan(Path root) {
        List<Region> out = new ArrayList<>();
        for (Path f : javaFiles(root)) {
            out.addAll(scan(root, root.relativize(f)));
        }
        return out;
    }

    /** The {@code .java} files under {@code root}, sorted (target directories left out). */
    static List<Path> javaFiles(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p))
                    .filter(p -> !root.relativize(p).toString().contains("target/"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The regions of one file; a marker without its pair is an error naming the file and line. */
    public static List<Region> scan(Path root, Path file) {
        List<String> lines = read(root.resolve(file));
        List<Region> out = new ArrayList<>();
        int open = -1;
        int n = -1;
        boolean keep = false;
        boolean fixture = false;
        List<String> ref = null;
        List<String> kit = null;
        List<String> fix = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher o = OPEN.matcher(line);
            Matcher c = CLOSE.matcher(line);
            if (o.matches()) {
                if (open >= 0) {
                    throw new IllegalStateException(file + ":" + (i + 1) + ": exercise region opened inside the region of line " + (open + 1));
                }
                open = i;
                n = Integer.parseInt(o.group(2));
                keep = " [keep]".equals(o.group(3));
                fixture = " [fixture]".equals(o.group(3));
                ref = new ArrayList<>();
                kit = new ArrayList<>();
                fix = new ArrayList<>();
            } else if (c.matches()) {
                if (open < 0 || Integer.parseInt(c.group(1)) != n) {
                    throw new IllegalStateException(file + ":" + (i + 1) + ": '" + line.trim() + "' closes no open region");
                }
                out.add(new Region(file, n, keep, open + 1, i + 1, List.copyOf(ref), List.copyOf(kit), List.copyOf(fix), fixture));
                open = -1;
            } else if (open >= 0) {
                Matcher k = KIT.matcher(line);
                Matcher f = FIX.matcher(line);
                if (k.matches()) {
                    kit.add(k.group(1) + (k.group(2) == null ? "" : k.group(2)));
                } else if (f.matches()) {
                    fix.add(f.group(1) + (f.group(2) == null ? "" : f.group(2)));
                } else {
                    ref.add(line);
                }
            }
        }
        if (open >= 0) {
            throw new IllegalStateException(file + ":" + (open + 1) + ": exercise " + n + "'s region is never closed");
        }
        return out;
    }

    /**
     * The file's text as the kit has it: each region of an exercise in {@code cut} is replaced by
     * its kit lines, between the two marker lines; other regions keep the reference (not handed out).
     */
    public static List<String> cut(List<String> lines, java.util.Set<Integer> cut) {
        List<String> out = new ArrayList<>();
        boolean inside = false;
        boolean cutting = false;
        for (String line : lines) {
            Matcher o = OPEN.matcher(line);
            if (!inside && o.matches()) {
                inside = true;
                cutting = cut.contains(Integer.parseInt(o.group(2))) && !" [keep]".equals(o.group(3));
                out.add(line);
                continue;
            }
            if (inside && CLOSE.matcher(line).matches()) {
                inside = false;
                out.add(line);
                continue;
            }
            if (!inside) {
                out.add(line);
                continue;
            }
            Matcher k = KIT.matcher(line);
            if (FIX.matcher(line).matches()) {
                continue; // a fix is the reference of a kept region: never in a kit
            }
            if (cutting) {
                if (k.matches()) {
                    out.add(k.group(1) + (k.group(2) == null ? "" : k.group(2)));
                }
            } else if (!k.matches()) {
                out.add(line); // not handed out: the reference stays, the kit lines go
            }
        }
        return out;
    }

    /**
     * The teacher's file as a reference submission: each region holds the reference (a kept
     * region its fix), without kit or fix lines; what {@code run_autograder} must give full marks.
     */
    public static List<String> referenceSubmission(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean inside = false;
        boolean keep = false;
        List<String> fix = new ArrayList<>();
        List<String> code = new ArrayList<>();
        for (String line : lines) {
            Matcher o = OPEN.matcher(line);
            if (!inside && o.matches()) {
                inside = true;
                keep = " [keep]".equals(o.group(3));
                fix.clear();
                code.clear();
                out.add(line);
                continue;
            }
            if (inside && CLOSE.matcher(line).matches()) {
                inside = false;
                out.addAll(keep ? fix : code);
                out.add(line);
                continue;
            }
            if (!inside) {
                out.add(line);
                continue;
            }
            Matcher f = FIX.matcher(line);
            if (f.matches()) {
                fix.add(f.group(1) + (f.group(2) == null ? "" : f.group(2)));
            } else if (!KIT.matcher(line).matches()) {
                code.add(line);
            }
        }
        return out;
    }

    /**
     * {@code pristine} with every region of an exercise in {@code take} replaced by the same
     * region (same exercise, same order in the file) of {@code submitted}: what a student may
     * change, and nothing else. A submitted file that lost a marker is refused.
     */
    public static List<String> splice(List<String> pristine, List<String> submitted, java.util.Set<Integer> take, String name) {
        List<List<String>> theirs = new ArrayList<>();
        List<Integer> theirNumbers = new ArrayList<>();
        List<String> cur = null;
        for (String line : submitted) {
            Matcher o = OPEN.matcher(line);
            if (cur == null && o.matches()) {
                cur = new ArrayList<>();
                theirNumbers.add(Integer.parseInt(o.group(2)));
            } else if (cur != null && CLOSE.matcher(line).matches()) {
                theirs.add(cur);
                cur = null;
            } else if (cur != null) {
                cur.add(line);
            }
        }
        if (cur != null) {
            throw new IllegalArgumentException(name + ": a '// >>> exercise' region is never closed (keep both marker lines)");
        }
        List<String> out = new ArrayList<>();
        int region = 0;
        boolean inside = false;
        boolean taking = false;
        for (String line : pristine) {
            Matcher o = OPEN.matcher(line);
            if (!inside && o.matches()) {
                int n = Integer.parseInt(o.group(2));
                inside = true;
                // a [fixture] region is the machine's, not the student's: never taken from a submission
                taking = take.contains(n) && !" [fixture]".equals(o.group(3));
                out.add(line);
                if (taking) {
                    if (region >= theirs.size() || theirNumbers.get(region) != n) {
                        throw new IllegalArgumentException(name + ": exercise " + n + "'s region number " + (region + 1)
                                + " is missing (keep the '// >>> exercise " + n + "' and '// <<< exercise " + n + "' lines)");
                    }
                    out.addAll(theirs.get(region));
                }
                region++;
                continue;
            }
            if (inside && CLOSE.matcher(line).matches()) {
                inside = false;
                out.add(line);
                continue;
            }
            if (!inside || !taking) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * {@code java Regions.java splice TREE SUBMISSION N[,N...]}: what the autograder's
     * {@code run_autograder} does to a submission with nothing but a JDK (this file runs as a
     * single source file): every {@code .java} file of TREE that has a region of the exercises
     * listed takes those regions from the submitted file of the same path under SUBMISSION, or
     * else from the only submitted file of the same name. Prints one line per file; exits 0, or 2
     * on bad usage. A submitted file whose markers were damaged leaves the tree's file alone and
     * says so (its tests then fail on the kit's stub).
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4 || !args[0].equals("splice")) {
            System.err.println("usage: java Regions.java splice TREE SUBMISSION N[,N...]");
            System.exit(2);
        }
        Path tree = Path.of(args[1]);
        Path submission = Path.of(args[2]);
        java.util.Set<Integer> take = new java.util.TreeSet<>();
        for (String n : args[3].split(",")) {
            take.add(Integer.parseInt(n.trim()));
        }
        List<Path> submitted = Files.isDirectory(submission) ? javaFiles(submission) : List.of();
        for (Path f : javaFiles(tree)) {
            Path rel = tree.relativize(f);
            if (scan(tree, rel).stream().noneMatch(r -> take.contains(r.exercise()))) {
                continue;
            }
            Path theirs = submission.resolve(rel);
            if (!Files.isRegularFile(theirs)) {
                List<Path> named = submitted.stream().filter(p -> p.getFileName().equals(rel.getFileName())).toList();
                theirs = named.size() == 1 ? named.get(0) : null;
            }
            if (theirs == null) {
                System.out.println("splice: " + rel + ": not in the submission, the kit's version is graded");
                continue;
            }
            try {
                List<String> out = splice(read(f), read(theirs), take, submission.relativize(theirs).toString());
                Files.write(f, out, StandardCharsets.UTF_8);
                System.out.println("splice: " + rel + ": regions taken from " + submission.relativize(theirs));
            } catch (IllegalArgumentException e) {
                System.out.println("splice: " + e.getMessage() + "; the kit's version is graded");
            }
        }
    }

    static List<String> read(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
