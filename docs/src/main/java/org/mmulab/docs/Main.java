// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code mmulab docs [--kernel-src DIR] [--out DIR] [--java-src DIR]}: writes the side-by-side site.
 * Exit 0 when written (and, with a tree, every cited range holds), 1 when written but some cited
 * ranges no longer hold (each listed on stderr and in its page), 2 on bad input (one error line,
 * nothing written).
 */
public final class Main {
    private Main() {}

    static final String USAGE = String.join("\n",
            "usage: mmulab docs [--kernel-src DIR] [--out DIR] [--java-src DIR]",
            "  writes static HTML: index.html and one page per ported kernel file, C beside Java",
            "  --kernel-src DIR  a Linux v3.16 tree: show the C and check every cited range",
            "                    (without it the C side links to elixir.bootlin.com)",
            "  --out DIR         where to write (default: docs/target/site in the repository)",
            "  --java-src DIR    the port's Java sources (default: kernel-port/src/main/java in the repository)",
            "");

    /** Bad input: the message is the whole error line after {@code mmulab docs: }. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }

    record Args(Path kernelSrc, Path out, Path javaSrc, boolean help) {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, CitationScanner::port, Main.class.getClassLoader());
    }

    /** The command with the citations and the class loader injected (tests give a fixture's). */
    static int run(String[] args, PrintStream out, PrintStream err, Supplier<List<Citation>> citations, ClassLoader loader) {
        try {
            Args a = parse(args);
            if (a.help()) {
                out.print(USAGE);
                return 0;
            }
            Path repo = repoRoot();
            Path javaSrc = a.javaSrc();
            if (javaSrc == null) {
                if (repo == null) {
                    throw new BadInput("cannot find kernel-port/src/main/java from here; give --java-src DIR");
                }
                javaSrc = repo.resolve("kernel-port/src/main/java");
            }
            if (!Files.isDirectory(javaSrc)) {
                throw new BadInput(javaSrc + " is not a directory (--java-src)");
            }
            Path outDir = a.out() != null ? a.out() : (repo != null ? repo.resolve("docs/target/site") : Paths.get("docs/target/site"));
            if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
                throw new BadInput(outDir + " exists and is not a directory (--out)");
            }
            KernelTree tree = null;
            if (a.kernelSrc() != null) {
                try {
                    tree = KernelTree.open(a.kernelSrc());
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
            SiteGenerator.Site site;
            try {
                site = new SiteGenerator(cs, new JavaLocator(javaSrc, loader), tree, label).render();
            } catch (IllegalArgumentException e) {
                throw new BadInput(e.getMessage());
            }
            try {
                site.writeTo(outDir);
            } catch (IOException e) {
                err.println("mmulab docs: cannot write " + outDir + ": " + e.getMessage());
                return 2;
            }
            for (SiteGenerator.Stale s : site.stale()) {
                err.println("mmulab docs: stale: " + s.line());
            }
            String c = tree == null
                    ? "C linked to elixir.bootlin.com (no --kernel-src)"
                    : "C from Linux " + tree.version() + " at " + tree.root() + ", "
                            + (site.stale().isEmpty() ? "every cited range holds"
                                    : site.stale().size() + " cited ranges do not hold (listed above and in their pages)");
            out.println("mmulab docs: wrote " + site.pages().size() + " pages to " + outDir + ": " + site.elements()
                    + " elements from " + site.files() + " kernel files; " + c);
            return site.stale().isEmpty() ? 0 : 1;
        } catch (BadInput e) {
            err.println("mmulab docs: " + e.getMessage());
            return 2;
        }
    }

    static Args parse(String[] args) throws BadInput {
        Path kernel = null;
        Path out = null;
        Path java = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            switch (name) {
                case "-h", "--help", "help" -> {
                    return new Args(null, null, null, true);
                }
                case "--kernel-src", "--out", "--java-src" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new BadInput(name + " needs a directory");
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty()) {
                        throw new BadInput(name + " needs a directory");
                    }
                    Path p = Paths.get(value);
                    switch (name) {
                        case "--kernel-src" -> kernel = p;
                        case "--out" -> out = p;
                        default -> java = p;
                    }
                }
                default -> throw new BadInput("unknown argument '" + a + "' (usage: mmulab docs [--kernel-src DIR] [--out DIR] [--java-src DIR])");
            }
        }
        return new Args(kernel, out, java, false);
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
