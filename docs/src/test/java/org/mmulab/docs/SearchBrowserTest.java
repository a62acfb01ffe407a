// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search box's script, run by headless Chromium on the real port's site: {@code page.html?q=NAME}
 * searches on load, and the DOM it builds ({@code --dump-dom}) holds the hits as links to their rows.
 * Two browser launches.
 */
class SearchBrowserTest {
    @TempDir
    static Path temp;

    static Path site;

    @BeforeAll
    static void render() {
        site = temp.resolve("site");
        try {
            new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), SearchBrowserTest.class.getClassLoader()), null,
                    "kernel-port/src/main/java/").render().writeTo(site);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The DOM Chromium built from {@code url} (a file: URL that may carry a query). */
    static String dumpDom(String url) throws Exception {
        Path profile = Files.createTempDirectory("mmulab-chromium-");
        Path stdout = Files.createTempFile("mmulab-dom-", ".html");
        Path stderr = Files.createTempFile("mmulab-chromium-", ".log");
        try {
            Process p = new ProcessBuilder(BrowserTest.chromium().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "--dump-dom", url)
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("chromium did not finish with " + url + " in 120 s");
            }
            String dom = Files.readString(stdout, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "chromium failed on " + url + ":\n" + Files.readString(stderr, StandardCharsets.UTF_8));
            return dom;
        } finally {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** The hits the script listed: href and kernel name. */
    static List<String[]> hits(String dom) {
        List<String[]> out = new ArrayList<>();
        Matcher m = Pattern.compile("<a href=\"([^\"]*)\" class=\"hit\">([^<]*)</a>").matcher(dom);
        while (m.find()) {
            out.add(new String[] {SiteText.unescape(m.group(1)), SiteText.unescape(m.group(2))});
        }
        return out;
    }

    @Test
    void searchFindsSpteWriteProtectFirstAndLinksToItsRow() throws Exception {
        String dom = dumpDom(site.resolve("start.html").toUri() + "?q=spte_write_protect");
        List<String[]> hits = hits(dom);
        assertTrue(!hits.isEmpty(), "no hits in the DOM:\n" + dom.substring(0, Math.min(dom.length(), 3000)));
        assertEquals("spte_write_protect", hits.get(0)[1], "the exact name first");
        assertEquals("arch/x86/kvm/mmu.c.html#spte_write_protect", hits.get(0)[0]);
        assertTrue(hits.stream().allMatch(h -> h[1].toLowerCase().contains("spte_write_protect")), "only names containing it");
    }

    @Test
    void fromAPageDownTheTreeHitsLinkBackUpAndMatchAnyCase() throws Exception {
        String dom = dumpDom(site.resolve("arch/x86/kvm/mmu.c.html").toUri() + "?q=spte_mmu");
        List<String[]> hits = hits(dom);
        assertEquals(1, hits.size(), hits.stream().map(h -> h[1]).toList().toString());
        assertEquals("SPTE_MMU_WRITEABLE", hits.get(0)[1]);
        assertEquals("../../../arch/x86/kvm/mmu.c.html#SPTE_MMU_WRITEABLE", hits.get(0)[0]);
        Path target = site.resolve("arch/x86/kvm/mmu.c.html").getParent().resolve(hits.get(0)[0].replaceFirst("#.*", "")).normalize();
        assertTrue(SiteText.attr(Files.readString(target), "id").contains("SPTE_MMU_WRITEABLE"), "the row is there");
    }
}
