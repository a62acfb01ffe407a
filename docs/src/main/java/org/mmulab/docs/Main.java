// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code mmulab docs [--kernel-src=DIR] [--out=DIR] [--java-src=DIR]}: writes the side-by-side site.
 * Exit 0 when written (and, with a tree, every cited range holds), 1 when written but some cited
 * ranges no longer hold (each listed on stderr and in its page), 2 on bad input (one error line,
 * nothing written). The command line is picocli's, in the style of the {@code mmulab} CLI
 * (examples' {@code org.mmulab.examples.Main}), whose {@code docs} entry lists the same options
 * for its help and completion.
 */
@Command(name = "mmulab docs", sortOptions = false, sortSynopsis = false, usageHelpWidth = 100,
        descriptionHeading = "%n",
        description = {
            "Write the side-by-side reading site, C beside Java (docs/README.md).",
            "",
            "Static HTML: index.html and one page per ported kernel file, each ported v3.16 element with its C "
                    + "on the left and its Java on the right."},
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:written (and, with --kernel-src, every cited range holds)",
            "1:written, but some cited ranges no longer hold (each on stderr and in its page)",
            "2:bad usage or input (one line on stderr, nothing written)"})
public final class Main implements Callable<Integer> {
    @Option(names = "--kernel-src", paramLabel = "DIR",
            description = "A Linux v3.16 tree: show the C and check every cited range (without it the C side links to "
                    + "elixir.bootlin.com).")
    Path kernelSrc;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default: docs/target/site in the repository).")
    Path outDir;

    @Option(names = "--java-src", paramLabel = "DIR",
            description = "The port's Java sources (default: kernel-port/src/main/java in the repository).")
    Path javaSrcDir;

    @Option(names = "--write-klines",
            description = "With --kernel-src: also write the line map the pages use without a tree (" + KernelLineMap.SOURCE_PATH
                    + " in the repository).")
    boolean writeKlines;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<List<Citation>> citations;
    private final ClassLoader loader;

    private Main(PrintStream out, PrintStream err, Supplier<List<Citation>> citations, ClassLoader loader) {
        this.out = out;
        this.err = err;
        this.citations = citations;
        this.loader = loader;
    }

    /** Bad input: the message is the whole error line after {@code mmulab docs: }. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, CitationScanner::port, Main.class.getClassLoader());
    }

    /** The command with the citations and the class loader injected (tests give a fixture's). */
    static int run(String[] args, PrintStream out, PrintStream err, Supplier<List<Citation>> citations, ClassLoader loader) {
        CommandLine cl = new CommandLine(new Main(out, err, citations, loader));
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setParameterExceptionHandler((e, a) -> {
            cl.getErr().println("mmulab docs: " + problem(e));
            return CommandLine.ExitCode.USAGE;
        });
        try {
            return cl.execute(args);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** The one line of a usage error, in the words of the mmulab CLI. */
    static String problem(ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            return arg.startsWith("-")
                    ? "unknown option '" + (arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg) + "' (see: mmulab docs --help)"
                    : "unexpected argument '" + arg + "' (see: mmulab docs --help)";
        }
        if (e instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof OptionSpec o) {
            return o.longestName() + " needs a directory";
        }
        String line = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        return line.isEmpty() ? line : Character.toLowerCase(line.charAt(0)) + line.substring(1);
    }

    @Override
    public Integer call() {
        try {
            return write();
        } catch (BadInput e) {
            err.println("mmulab docs: " + e.getMessage());
            return 2;
        }
    }

    private int write() throws BadInput {
        // --out= (an empty value) names no directory
        Map<String, Path> given = new LinkedHashMap<>();
        given.put("--kernel-src", kernelSrc);
        given.put("--out", outDir);
        given.put("--java-src", javaSrcDir);
        for (Map.Entry<String, Path> g : given.entrySet()) {
            if (g.getValue() != null && g.getValue().toString().isEmpty()) {
                throw new BadInput(g.getKey() + " needs a directory");
            }
        }
        Path repo = repoRoot();
        Path javaSrc = javaSrcDir;
        if (javaSrc == null) {
            if (repo == null) {
                throw new BadInput("cannot find kernel-port/src/main/java from here; give --java-src DIR");
            }
            javaSrc = repo.resolve("kernel-port/src/main/java");
        }
        if (!Files.isDirectory(javaSrc)) {
            throw new BadInput(javaSrc + " is not a directory (--java-src)");
        }
        Path site = outDir != null ? outDir : (repo != null ? repo.resolve("docs/target/site") : Paths.get("docs/target/site"));
        if (Files.exists(site) && !Files.isDirectory(site)) {
            throw new BadInput(site + " exists and is not a directory (--out)");
        }
        if (writeKlines && kernelSrc == null) {
            throw new BadInput("--write-klines needs --kernel-src DIR (the line map is made from a v3.16 tree)");
        }
        if (writeKlines && repo == null) {
            throw new BadInput("--write-klines writes " + KernelLineMap.SOURCE_PATH + " in the repository, and there is none here");
        }
        KernelTree tree = null;
        if (kernelSrc != null) {
            try {
                tree = KernelTree.open(kernelSrc);
            } catch (KernelTree.NotV316Exception e) {
                throw new BadInput(e.getMessage());
            }
        }
        String label = javaSrc.toAbsolutePath().normalize().toString() + "/";
        if (repo != null && javaSrc.toAbsolutePath().normalize().startsWith(repo)) {
            label = repo.relativize(javaSrc.toAbsolutePath().normalize()) + "/";
        }
        List<Citation> cs = citations.get();
        if (cs.isEmpty()) {
            throw new BadInput("no @KernelSource citations found on the classpath");
        }
        SiteGenerator.Site rendered;
        KernelLineMap map = null;
        try {
            SiteGenerator g = new SiteGenerator(cs, new JavaLocator(javaSrc, loader), tree, label)
                    .withDocs(repo == null ? null : repo.resolve("docs"));
            rendered = g.render();
            if (writeKlines) {
                map = g.lineMap();
            }
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage());
        }
        if (map != null) {
            Path file = repo.resolve(KernelLineMap.SOURCE_PATH);
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, map.format(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("mmulab docs: cannot write " + file + ": " + e.getMessage());
                return 2;
            }
            int code = map.entries().values().stream().mapToInt(KernelLineMap.Entry::codeLines).sum();
            int paired = map.entries().values().stream().mapToInt(e -> e.pairedCodeLines().size()).sum();
            out.println("mmulab docs: wrote the line map " + map.id() + " to " + file + ": " + map.entries().size() + " functions, " + paired
                    + " of " + code + " kernel code lines paired");
        }
        try {
            rendered.writeTo(site);
        } catch (IOException e) {
            err.println("mmulab docs: cannot write " + site + ": " + e.getMessage());
            return 2;
        }
        for (SiteGenerator.Stale s : rendered.stale()) {
            err.println("mmulab docs: stale: " + s.line());
        }
        String c = tree == null
                ? "C linked to elixir.bootlin.com (no --kernel-src)"
                : "C from Linux " + tree.version() + " at " + tree.root() + ", "
                        + (rendered.stale().isEmpty() ? "every cited range holds"
                                : rendered.stale().size() + " cited ranges do not hold (listed above and in their pages)");
        out.println("mmulab docs: wrote " + rendered.pages().keySet().stream().filter(p -> p.endsWith(".html")).count() + " pages to " + site + ": " + rendered.elements()
                + " elements from " + rendered.files() + " kernel files; " + c);
        for (Map.Entry<String, int[]> m : rendered.mapped().entrySet()) {
            int[] v = m.getValue();
            out.println("mmulab docs: lines mapped: " + m.getKey() + ": " + v[0] + " of " + v[1] + " kernel code lines of its ported functions ("
                    + (v[1] == 0 ? 0 : Math.round(100.0 * v[0] / v[1])) + "%) beside their Java");
        }
        return rendered.stale().isEmpty() ? 0 : 1;
    }

    /**
     * The repository: above the docs jar or classes ({@code docs/target/...}), else the working
     * directory or a parent of it; the first that holds {@code kernel-port/src/main/java}. Null if none.
     */
    static Path repoRoot() {
        try {
            Path here = Paths.get(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("kernel-port/src/main/java"))) {
                    return p;
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the working directory
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("kernel-port/src/main/java"))) {
                return p;
            }
        }
        return null;
    }
}
