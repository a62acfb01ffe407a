// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course.mutation;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.pitest.mutationtest.commandline.OptionsParser;
import org.pitest.mutationtest.commandline.ParseResult;
import org.pitest.mutationtest.commandline.PluginFilter;
import org.pitest.mutationtest.config.PluginServices;
import org.pitest.mutationtest.config.ReportOptions;
import org.pitest.mutationtest.statistics.MutationStatistics;
import org.pitest.mutationtest.tooling.AnalysisResult;
import org.pitest.mutationtest.tooling.EntryPoint;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The mutation profile's run ({@code mvn -B -pl examples -am -Pmutation verify}): PIT once per
 * exercise of the {@link MutationPlan}, each with only that exercise's lines mutated
 * ({@link RegionFilter}) and only its graders as tests; then a table per exercise (mutants,
 * killed, survived, no coverage, percentage) and the survivors by line and mutator, printed and
 * written to {@code summary.md}. Exits 1 when an exercise kills fewer than the threshold's
 * percentage of its mutants, or PIT could not run.
 *
 * <p>Arguments: the tree's root, the output folder, the threshold (percent), PIT's threads, PIT's
 * mutators (a group such as STRONGER, or names, comma-separated). The system property {@value #ONLY}
 * runs only the exercises it lists.
 */
public final class MutationRun {
    /** System property: the exercises to run, comma-separated (all when empty). */
    static final String ONLY = "mmulab.mutation.exercises";

    private MutationRun() {}

    /** One mutant as PIT's mutations.xml reports it. */
    record Mutant(String file, int line, String method, String mutator, String description, String status, boolean detected) {
        String where() {
            return file.substring(file.lastIndexOf('/') + 1) + ":" + line;
        }
    }

    /** One exercise's outcome; {@code error} when PIT failed. */
    record Outcome(MutationPlan.Target target, List<Mutant> mutants, String error, long millis) {
        long count(String status) {
            return mutants.stream().filter(m -> m.status().equals(status)).count();
        }

        long killed() {
            return mutants.stream().filter(Mutant::detected).count();
        }

        boolean passes(int threshold) {
            return error == null && !mutants.isEmpty() && killed() * 100 >= (long) threshold * mutants.size();
        }

        String percent() {
            return mutants.isEmpty() ? "-" : String.format("%.1f%%", 100.0 * killed() / mutants.size());
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        Path out = Path.of(args[1]).toAbsolutePath().normalize();
        int threshold = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        String mutators = args[4];
        long t0 = System.nanoTime();
        MutationPlan.Plan plan = MutationPlan.of(root);
        List<Outcome> outcomes = new ArrayList<>();
        String only = System.getProperty(ONLY, "").trim();
        for (MutationPlan.Target t : plan.targets()) {
            if (!only.isEmpty() && !List.of(only.split("\\s*,\\s*")).contains(Integer.toString(t.exercise().number()))) {
                continue;
            }
            outcomes.add(run(root, out, t, threads, mutators));
        }
        long total = (System.nanoTime() - t0) / 1_000_000;
        String summary = summary(plan, outcomes, threshold, mutators, total);
        Files.createDirectories(out);
        Files.writeString(out.resolve("summary.md"), summary, StandardCharsets.UTF_8);
        PrintStream o = System.out;
        o.println();
        o.println(summary);
        o.println("(written to " + out.resolve("summary.md") + "; PIT's reports per exercise under " + out + ")");
        boolean ok = outcomes.stream().allMatch(x -> x.passes(threshold));
        if (!ok) {
            o.println("MUTATION CHECK FAILED: an exercise's graders kill fewer than " + threshold
                    + "% of its mutants (or PIT failed): strengthen the grader, see the survivors above");
        }
        System.exit(ok ? 0 : 1);
    }

    static Outcome run(Path root, Path out, MutationPlan.Target t, int threads, String mutators) {
        long t0 = System.nanoTime();
        Path reportDir = out.resolve("ex" + t.exercise().number());
        System.out.printf("%n== mutation: exercise %d (%s) ==%n  mutating %s%n  under %s%n", t.exercise().number(),
                t.exercise().title(), t.spans(), t.tests());
        List<String> a = new ArrayList<>(List.of(
                "--reportDir", reportDir.toString(),
                "--targetClasses", String.join(",", t.classes()),
                "--targetTests", String.join(",", t.tests()),
                "--mutableCodePaths", String.join(",", codePaths(root)),
                "--sourceDirs", t.sourceDirs().stream().map(Path::toString).collect(Collectors.joining(",")),
                "--features", t.feature(),
                "--outputFormats", "XML,HTML",
                "--timestampedReports", "false",
                "--exportLineCoverage", "false",
                "--threads", Integer.toString(threads),
                "--mutators", mutators,
                "--verbosity", "DEFAULT"));
        if (!t.jvmArgs().isEmpty()) {
            a.add("--jvmArgs");
            a.add(String.join(",", t.jvmArgs()));
        }
        try {
            PluginServices plugins = PluginServices.makeForContextLoader();
            ParseResult pr = new OptionsParser(new PluginFilter(plugins)).parse(a.toArray(String[]::new));
            if (!pr.isOk()) {
                return new Outcome(t, List.of(), "PIT's options: " + pr.getErrorMessage().orElse("?"), millis(t0));
            }
            ReportOptions options = pr.getOptions();
            AnalysisResult result = new EntryPoint().execute(root.resolve("examples").toFile(), options, plugins, Map.of());
            if (result.getError().isPresent()) {
                Exception x = result.getError().get();
                return new Outcome(t, List.of(), x.getClass().getSimpleName() + ": " + x.getMessage(), millis(t0));
            }
            List<Mutant> mutants = read(reportDir.resolve("mutations.xml"));
            MutationStatistics stats = result.getStatistics().get().getMutationStatistics();
            String error = check(t, mutants, stats);
            return new Outcome(t, mutants, error, millis(t0));
        } catch (RuntimeException | IOException x) {
            x.printStackTrace();
            return new Outcome(t, List.of(), x.getClass().getSimpleName() + ": " + x.getMessage(), millis(t0));
        }
    }

    /** The report must agree with PIT's own statistics, and hold only mutants of the exercise's spans. */
    static String check(MutationPlan.Target t, List<Mutant> mutants, MutationStatistics stats) {
        if (stats.getTotalMutations() != mutants.size() || stats.getTotalDetectedMutations() != mutants.stream().filter(Mutant::detected).count()) {
            return "mutations.xml (" + mutants.size() + " mutants) disagrees with PIT's statistics (" + stats.getTotalMutations() + ")";
        }
        for (Mutant m : mutants) {
            if (!t.covers(m.file(), m.line())) {
                return "a mutant outside the exercise's lines was kept: " + m.file() + ":" + m.line() + " (the region filter is broken)";
            }
        }
        return mutants.isEmpty() ? "no mutant on the exercise's lines" : null;
    }

    /** The reactor's main code on the class path (folders or jars of this tree, not test code): where PIT may mutate. */
    static List<String> codePaths(Path root) {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath().normalize();
            String s = p.toString();
            if (p.startsWith(root) && !s.contains("test-classes") && !s.endsWith("-tests.jar")) {
                out.add(s);
            }
        }
        return out;
    }

    static List<Mutant> read(Path xml) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document d = f.newDocumentBuilder().parse(xml.toFile());
            NodeList list = d.getElementsByTagName("mutation");
            List<Mutant> out = new ArrayList<>();
            for (int i = 0; i < list.getLength(); i++) {
                Element m = (Element) list.item(i);
                String cls = text(m, "mutatedClass");
                String pkg = cls.lastIndexOf('.') < 0 ? "" : cls.substring(0, cls.lastIndexOf('.') + 1).replace('.', '/');
                out.add(new Mutant(pkg + text(m, "sourceFile"), Integer.parseInt(text(m, "lineNumber")), text(m, "mutatedMethod"),
                        text(m, "mutator"), text(m, "description"), m.getAttribute("status"),
                        Boolean.parseBoolean(m.getAttribute("detected"))));
            }
            return out;
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException x) {
            throw new IOException(xml + ": " + x.getMessage(), x);
        }
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }

    static String summary(MutationPlan.Plan plan, List<Outcome> outcomes, int threshold, String mutators, long millis) {
        StringBuilder b = new StringBuilder();
        b.append("## Mutation scores of the code exercises' references\n\n");
        b.append("PIT (`mvn -B -pl examples -am -Pmutation verify`) mutates each code exercise's lines, its regions in the\n")
                .append("teacher's tree (or a bug fix's `Reference.java`), and runs the exercise's graders, visible and hidden,\n")
                .append("against each mutant (PIT's ").append(mutators).append(" mutators). A mutant is killed when a grader test\n")
                .append("fails or times out. An exercise passes with at least ").append(threshold).append("% of its mutants killed.\n\n");
        b.append("| exercise | lines mutated | mutants | killed | survived | no coverage | killed % | time | |\n");
        b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Outcome o : outcomes) {
            String lines = o.target().spans().stream().map(s -> s.file().substring(s.file().lastIndexOf('/') + 1)
                    + (s.last() == Integer.MAX_VALUE ? " (whole file)" : " " + s.first() + "-" + s.last()))
                    .collect(Collectors.joining(", "));
            b.append(String.format("| %d | %s | %d | %d | %d | %d | %s | %.0f s | %s |%n", o.target().exercise().number(), lines,
                    o.mutants().size(), o.killed(), o.count("SURVIVED"), o.count("NO_COVERAGE"), o.percent(), o.millis() / 1000.0,
                    o.error() != null ? "ERROR: " + o.error() : o.passes(threshold) ? "ok" : "BELOW " + threshold + "%"));
        }
        for (MutationPlan.Skipped s : plan.skipped()) {
            b.append(String.format("| %d | not mutated: %s | | | | | | | |%n", s.exercise().number(), s.why()));
        }
        b.append(String.format("%nTime: %.0f s for %d exercises, PIT's own (the build before it not counted); PIT's reports:"
                + " examples/target/mutation/exN/index.html.%n", millis / 1000.0, outcomes.size()));
        for (Outcome o : outcomes) {
            List<Mutant> left = o.mutants().stream().filter(m -> !m.detected())
                    .sorted(Comparator.comparingInt(Mutant::line)).toList();
            if (left.isEmpty()) {
                continue;
            }
            b.append("\n### Exercise ").append(o.target().exercise().number()).append(": mutants no grader test kills\n\n");
            for (Mutant m : left) {
                String mutator = m.mutator().substring(m.mutator().lastIndexOf('.') + 1);
                b.append(String.format("- %s `%s`: %s (%s), %s%n", m.where(), m.method(), m.description(), mutator,
                        m.status().equals("NO_COVERAGE") ? "no test runs this line" : m.status().toLowerCase(java.util.Locale.ROOT)));
            }
        }
        return b.toString();
    }

    private static long millis(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
