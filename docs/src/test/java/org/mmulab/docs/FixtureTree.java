// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.mmulab.docs.fixture.mm;

/**
 * A tiny fake kernel tree (a top Makefile and {@code fake/mm.c}, C-like code written for these
 * tests) and the fixture's citations and Java sources ({@link mm}).
 */
final class FixtureTree {
    private FixtureTree() {}

    /** {@code fake/mm.c}, 31 lines; {@link mm} cites it. */
    static final String MM_C = String.join("\n",
            "/* fake/mm.c: a fixture for the side-by-side generator, not kernel code. */",
            "#include \"mm.h\"",
            "",
            "#define PAGE_LIMIT 16",
            "",
            "struct page_box {",
            "\tint count;",
            "\tunsigned long flags;",
            "};",
            "",
            "static int box_count = 0;",
            "",
            "/* <b>not bold</b> */",
            "static int less_and(int a, int b, int c)",
            "{",
            "\treturn a < b && c;",
            "}",
            "",
            "int fill_box(struct page_box *box, int n)",
            "{",
            "\tif (n > PAGE_LIMIT)",
            "\t\treturn -1;",
            "\tbox->count = n;",
            "\treturn less_and(n, PAGE_LIMIT, 1);",
            "}",
            "",
            "void fill_box_twice(struct page_box *box)",
            "{",
            "\tfill_box(box, 1);",
            "\tfill_box(box, 2);",
            "}") + "\n";

    /** The function names the fixture cites. */
    static final List<String> FUNCTIONS = List.of("less_and", "fill_box", "fill_box_twice");

    /** Writes a tree claiming {@code version} (like {@code "3.16.0"}) with {@code mmC} as fake/mm.c. */
    static Path write(Path dir, String version, String mmC) throws IOException {
        String[] v = version.split("\\.");
        Files.createDirectories(dir.resolve("fake"));
        Files.writeString(dir.resolve("Makefile"), "VERSION = " + v[0] + "\nPATCHLEVEL = " + v[1] + "\nSUBLEVEL = " + v[2]
                + "\nEXTRAVERSION =\nNAME = Fixture Tree\n\nall:\n\t@true\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("fake/mm.c"), mmC, StandardCharsets.UTF_8);
        return dir;
    }

    static Path write(Path dir) throws IOException {
        return write(dir, "3.16.0", MM_C);
    }

    /** The fixture's citations, scanned from the compiled {@link mm} classes. */
    static List<Citation> citations() {
        try {
            Path root = Paths.get(mm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return CitationScanner.scan(root, "org.mmulab.docs.fixture.", mm.class.getClassLoader());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fixture's Java sources (the docs module's test sources; tests run in the module directory). */
    static Path javaSrc() {
        Path p = Paths.get("src/test/java").toAbsolutePath();
        assertTrue(Files.isRegularFile(p.resolve("org/mmulab/docs/fixture/mm.java")), "fixture sources not at " + p);
        return p;
    }

    static JavaLocator locator() {
        return new JavaLocator(javaSrc(), mm.class.getClassLoader());
    }

    /** The rows of kernel-port's scope manifest ({@code scope.tsv}): kernel_name, kind, file, lines, java. */
    static List<String[]> scope() {
        try (java.io.InputStream in = FixtureTree.class.getResourceAsStream("/org/mmulab/kernel/scope.tsv")) {
            assertTrue(in != null, "no scope.tsv on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#") && !l.startsWith("kernel_name\t") && !l.isBlank())
                    .map(l -> l.split("\t")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The port's Java sources, beside this module. */
    static Path portJavaSrc() {
        Path p = Paths.get("../kernel-port/src/main/java").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(p), "port sources not at " + p);
        return p;
    }
}
