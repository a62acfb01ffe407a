// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens generated pages in headless Chromium ({@code --dump-dom}) and reads the DOM it built: every
 * cited element in both columns, source text arriving as text, and no broken internal links. Five
 * browser launches in all.
 */
class BrowserTest {
    @TempDir
    Path temp;

    /** The chromium binary: {@code $CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH. */
    static Path chromium() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isEmpty()) {
            candidates.add(env);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            candidates.add(dir + "/chromium");
            candidates.add(dir + "/chromium-browser");
        }
        candidates.add("/usr/bin/chromium");
        for (String c : candidates) {
            Path p = Paths.get(c);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("chromium is not installed, and the browser test needs it: install it "
                + "(apt-get install -y chromium; .ci/run does this) or point $CHROMIUM at it");
    }

    /** The DOM headless Chromium built from {@code page}, serialized. */
    static String dumpDom(Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("mmulab-chromium-");
        Path stdout = Files.createTempFile("mmulab-dom-", ".html");
        Path stderr = Files.createTempFile("mmulab-chromium-", ".log");
        try {
            Process p = new ProcessBuilder(chromium().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "--dump-dom", page.toUri().toString())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("chromium did not finish with " + page + " in 120 s");
            }
            String dom = Files.readString(stdout, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "chromium failed on " + page + ":\n" + Files.readString(stderr, StandardCharsets.UTF_8));
            assertTrue(dom.contains("</html>"), "chromium printed no DOM for " + page + ":\n" + Files.readString(stderr, StandardCharsets.UTF_8));
            return dom;
        } finally {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    @Test
    void fixtureWithATree_everyCitedFunctionInBothColumnsAndSourceAsText() throws Exception {
        Path tree = FixtureTree.write(temp.resolve("linux"));
        Path site = temp.resolve("site");
        new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), KernelTree.open(tree), "src/test/java/").render().writeTo(site);

        Path page = site.resolve("fake/mm.c.html");
        String dom = dumpDom(page);
        Map<String, SiteText.Row> rows = SiteText.rows(dom);
        for (String f : FixtureTree.FUNCTIONS) {
            SiteText.Row row = rows.get(f);
            assertTrue(row != null, "no row with id " + f + " in the DOM");
            assertTrue(row.cText().matches("(?s).*\\d+(static )?(int|void) " + f + "\\(.*"), f + " not in the C column: " + row.cText());
            assertTrue(row.javaText().contains(" " + f + "("), f + " not in the Java column: " + row.javaText());
        }
        SiteText.Row less = rows.get("less_and");
        assertTrue(less.cText().contains("return a < b && c;"), "'<' and '&' read as text: " + less.cText());
        assertTrue(less.cText().contains("/* <b>not bold</b> */"), less.cText());
        assertFalse(dom.contains("<b>"), "the browser built a <b> element from source text");
        assertEquals(List.of(), SiteText.brokenLinks(site, page, dom), "broken links in the DOM of " + page);

        String index = dumpDom(site.resolve("index.html"));
        assertTrue(SiteText.attr(index, "href").contains("fake/mm.c.html#fill_box_twice"), "index links to the row");
        assertEquals(List.of(), SiteText.brokenLinks(site, site.resolve("index.html"), index));
        assertEquals(List.of(), SiteText.brokenLinks(site), "broken links in the site's files");
    }

    @Test
    void realPortWithoutATree_javaColumnAndBootlinLinksForEveryElement() throws Exception {
        List<Citation> port = CitationScanner.port();
        Path site = temp.resolve("site");
        SiteGenerator.Site s = new SiteGenerator(port, new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader()), null,
                "kernel-port/src/main/java/").render();
        s.writeTo(site);

        for (String file : List.of("arch/x86/kvm/mmu.c", "virt/kvm/kvm_main.c")) {
            String dom = dumpDom(site.resolve(SiteGenerator.page(file)));
            Map<String, SiteText.Row> rows = SiteText.rows(dom);
            int checked = 0;
            for (Citation c : port) {
                if (!c.file().equals(file) || c.isFile()) {
                    continue;
                }
                SiteText.Row row = rows.values().stream()
                        .filter(r -> SiteText.text(r.javaHtml()).startsWith(c.kernelName() + " " + c.kind() + " " + file + ":" + c.lines()))
                        .findFirst().orElse(null);
                assertTrue(row != null, c.kernelName() + " (" + c.lines() + ") has no row in " + file);
                assertEquals("", row.cHtml(), c.kernelName() + ": a C cell without a tree");
                assertTrue(SiteText.attr(row.javaHtml(), "href").contains(SiteGenerator.BOOTLIN + file + "#L" + c.first()),
                        c.kernelName() + ": no bootlin link in the row's heading");
                String javaName = c.java().kind() == Citation.Kind.TYPE ? c.java().typePath()[c.java().typePath().length - 1] : c.java().member();
                assertTrue(row.javaText().matches("(?s).*\\b" + javaName + "\\b.*"), c.kernelName() + ": " + javaName + " not in the Java column");
                assertTrue(row.javaText().contains(c.java().display()), c.kernelName() + ": the Java element is not named");
                checked++;
            }
            assertTrue(checked > 30, "only " + checked + " elements checked in " + file);
            assertEquals(List.of(), SiteText.brokenLinks(site, site.resolve(SiteGenerator.page(file)), dom));
        }
        String index = dumpDom(site.resolve("index.html"));
        for (String file : port.stream().map(Citation::file).distinct().toList()) {
            assertTrue(SiteText.attr(index, "href").contains(SiteGenerator.page(file)), "index has no link to " + file);
        }
        List<String[]> scope = FixtureTree.scope();
        String summary = scope.size() + " cited elements in " + scope.stream().map(r -> r[2]).distinct().count() + " kernel files";
        assertTrue(SiteText.text(index).contains(summary), "index summary is not '" + summary + "'");
        assertEquals(List.of(), SiteText.brokenLinks(site), "broken links in the site's files");
    }
}
