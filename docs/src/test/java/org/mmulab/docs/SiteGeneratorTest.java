// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator on the fixture tree and on the real port, rendered in memory. */
class SiteGeneratorTest {

    private static SiteGenerator.Site fixtureSite(KernelTree tree) {
        return new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), tree, "src/test/java/").render();
    }

    private static String mmPage(SiteGenerator.Site site) {
        String page = site.pages().get("fake/mm.c.html");
        assertTrue(page != null, "no page for fake/mm.c: " + site.pages().keySet());
        return page;
    }

    @Test
    void fixtureCitationsAreScannedWithTheirKinds() {
        List<Citation> cs = FixtureTree.citations();
        assertEquals(8, cs.size(), cs.toString());
        Map<String, String> kinds = new java.util.TreeMap<>();
        cs.forEach(c -> kinds.put(c.kernelName(), c.kind()));
        assertEquals(Map.of("mm.c", "file", "PAGE_LIMIT", "constant", "struct page_box", "struct", "box_count", "variable",
                "less_and", "function", "fill_box", "function", "fill_box_twice", "function"), kinds);
    }

    @Test
    void sourceFromTheFilesIsHtmlEscapedOnBothSides() throws Exception {
        String page = mmPage(fixtureSite(KernelTree.open(FixtureTree.write(tempDir()))));
        SiteText.Row row = SiteText.rows(page).get("less_and");
        assertTrue(row.cHtml().contains("return a &lt; b &amp;&amp; c;"), row.cHtml());
        assertTrue(row.cHtml().contains("/* &lt;b&gt;not bold&lt;/b&gt; */"), row.cHtml());
        assertTrue(row.javaHtml().contains("return a &lt; b &amp;&amp; c != 0;"), row.javaHtml());
        assertTrue(row.javaHtml().contains("{@code a &lt; b &amp;&amp; c}"), "javadoc shown and escaped: " + row.javaHtml());
        assertFalse(page.contains("<b>"), "a raw tag from the source reached the page");
        assertFalse(page.contains("a < b"), "a raw '<' from the source reached the page");
        assertTrue(row.cText().contains("/* <b>not bold</b> */"), row.cText());
    }

    @Test
    void rowsAreOrderedByKernelLineWithAnchorsNamedAfterTheKernelElement() throws Exception {
        String page = mmPage(fixtureSite(KernelTree.open(FixtureTree.write(tempDir()))));
        assertEquals(List.of("PAGE_LIMIT", "struct-page_box", "box_count", "less_and", "fill_box", "fill_box_twice"),
                List.copyOf(SiteText.rows(page).keySet()));
        assertTrue(page.contains("<a class=\"self\" href=\"#fill_box_twice\">fill_box_twice</a>"), "row links to itself");
        SiteText.Row fill = SiteText.rows(page).get("fill_box");
        assertTrue(fill.cText().contains("19int fill_box(struct page_box *box, int n)"), "C with its v3.16 line number: " + fill.cText());
        assertTrue(fill.cText().contains("fake/mm.c:19-25"), fill.cText());
    }

    @Test
    void aFunctionsKernelLinesSitBesideTheJavaLinesThatPortThem() throws Exception {
        String page = mmPage(fixtureSite(KernelTree.open(FixtureTree.write(tempDir()))));
        // fake/mm.c 27-31 (fill_box_twice) against mm.java 60-63: the opening brace has no Java line of its own
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "<tr class=\"al\" data-of=\"fill_box_twice\"><td class=\"c\">(?:<div class=\"l[^\"]*\" data-kline=\"(\\d+)\">)?.*?</td>"
                        + "<td class=\"java\">(?:<div class=\"l[^\"]*\"(?: data-kline=\"(\\d+)\")?><span class=\"ln\">(\\d+)</span>)?")
                .matcher(page);
        List<String> rows = new java.util.ArrayList<>();
        while (m.find()) {
            rows.add(m.group(1) + "/" + m.group(2) + "/" + m.group(3));
        }
        assertEquals(List.of("27/27/60", "28/null/null", "29/29/61", "30/30/62", "31/31/63"), rows);
        assertTrue(page.contains("4 of 5 kernel code lines beside the Java that ports them"), "the row says how much is mapped");
        assertTrue(page.contains("<details class=\"jdoc\"><summary>javadoc and annotations, lines"), "javadoc folded above the body");
    }

    @Test
    void overloadsCitingTheSameLinesShareOneRowEachWithItsOwnLines() throws Exception {
        String page = mmPage(fixtureSite(null));
        String java = SiteText.rows(page).get("fill_box").javaText();
        // mm.java: the int form is lines 39-47 (javadoc to brace), the long form 49-57 (line comment to brace)
        assertTrue(java.contains("mm.java:39-47"), java);
        assertTrue(java.contains("mm.java:49-57"), java);
        assertTrue(java.contains("/** The int form. */") && java.contains("// the long form"), java);
        assertTrue(java.contains("public static int fill_box(page_box box, int n) {")
                && java.contains("public static int fill_box(page_box box, long n) {"), java);
    }

    @Test
    void theAnnotationIsShortenedTheNoteShownAndTheLineNumbersStayTheFiles() {
        String java = SiteText.rows(mmPage(fixtureSite(null))).get("less_and").javaHtml();
        // mm.java 32-37: javadoc, a two-line @KernelSource with a note, the method
        assertTrue(java.contains("<p class=\"note\">int c as a boolean: c != 0</p>"), java);
        String text = SiteText.text(java);
        assertTrue(text.contains("33@KernelSource(\u2026)\n"), text);
        assertTrue(text.contains("35static boolean less_and(int a, int b, int c) {"), text);
        assertFalse(text.contains("note = "), "the annotation's continuation line is left out: " + text);
        assertTrue(text.contains("37}"), text);
    }

    @Test
    void withoutATreeThePageIsTheJavaColumnAloneEachElementLinkedToBootlin() {
        SiteGenerator.Site site = fixtureSite(null);
        String page = mmPage(site);
        assertFalse(page.contains("<td class=\"c\">"), "a C cell without a tree");
        assertFalse(page.contains("<col class=\"c\">"), "a C column without a tree");
        assertTrue(page.contains("<table class=\"sbs notree\">"), "the Java-only table");
        Map<String, SiteText.Row> rows = SiteText.rows(page);
        assertEquals(List.of("PAGE_LIMIT", "struct-page_box", "box_count", "less_and", "fill_box", "fill_box_twice"), List.copyOf(rows.keySet()));
        for (Map.Entry<String, Integer> e : Map.of("less_and", 13, "fill_box", 19, "PAGE_LIMIT", 4, "box_count", 11).entrySet()) {
            SiteText.Row row = rows.get(e.getKey());
            assertEquals("", row.cHtml(), e.getKey());
            assertEquals("https://elixir.bootlin.com/linux/v3.16/source/fake/mm.c#L" + e.getValue(), SiteText.attr(row.javaHtml(), "href").get(1),
                    e.getKey() + ": the heading's second link (after its own anchor) is the element's first kernel line: " + row.javaHtml());
        }
        assertTrue(SiteText.text(page).contains("Per-line links come from the line map (klines.tsv)"), "the page says where per-line links come from");
        assertTrue(SiteText.text(page).contains("any checkout of the mainline tag v3.16"), "the note on getting a tree is kept");
        assertTrue(site.stale().isEmpty(), "nothing is checked without a tree");
        assertTrue(site.pages().get("index.html").contains("elixir.bootlin.com"));
    }

    @Test
    void withoutATreeOnlyAJavaLineNamingItsKernelLineLinksToIt() {
        String java = SiteText.rows(mmPage(fixtureSite(null))).get("fill_box_twice").javaHtml();
        // mm.java 60-63: line 62 ends with "// L30", the others name no kernel line
        assertEquals(List.of("30"), SiteText.attr(java, "data-kline"), java);
        assertEquals(List.of("https://elixir.bootlin.com/linux/v3.16/source/fake/mm.c#L27",
                "https://elixir.bootlin.com/linux/v3.16/source/fake/mm.c#L30"), SiteText.attr(java, "href").subList(1, 3), java);
        assertTrue(java.contains("<div class=\"l\" data-kline=\"30\"><span class=\"ln\">62</span>    fill_box(box, 2L); "
                + "<a class=\"kl\" href=\"https://elixir.bootlin.com/linux/v3.16/source/fake/mm.c#L30\">// L30</a></div>"), java);
        assertTrue(java.contains("<div class=\"l\"><span class=\"ln\">61</span>    fill_box(box, 1);</div>"), "an unmarked line has no link: " + java);
        assertTrue(java.contains("1 Java line links to the kernel line it names"), java);
        String less = SiteText.rows(mmPage(fixtureSite(null))).get("less_and").javaHtml();
        assertFalse(less.contains("data-kline"), "no mark, no per-line link: " + less);
        assertFalse(less.contains("class=\"mapped\""), less);
    }

    @Test
    void aRangeThatNoLongerHoldsItsFunctionIsReportedInThePage() throws Exception {
        Path tree = FixtureTree.write(tempDir(), "3.16.0", FixtureTree.MM_C.replace("void fill_box_twice(", "void fill_two("));
        SiteGenerator.Site site = fixtureSite(KernelTree.open(tree));
        assertEquals(1, site.stale().size(), site.stale().toString());
        SiteGenerator.Stale s = site.stale().get(0);
        assertEquals("fill_box_twice", s.citation().kernelName());
        assertTrue(s.reason().contains("'fill_box_twice' is not in the first 3 lines of fake/mm.c:27-31"), s.reason());
        String page = mmPage(site);
        assertTrue(page.contains("<tr id=\"fill_box_twice\" class=\"elem stale\">"), "row marked stale");
        assertTrue(page.contains("1 cited range does not hold in this tree"), "page lists it");
        assertTrue(page.contains("<li><a href=\"#fill_box_twice\">fill_box_twice</a>"), "the list links to the row");
        assertTrue(site.pages().get("index.html").contains("1 cited ranges do not hold"), "index counts it");
    }

    @Test
    void aWholeFileCitationMustCoverTheWholeFile() throws Exception {
        Path tree = FixtureTree.write(tempDir(), "3.16.0", FixtureTree.MM_C + "/* one more line */\n");
        SiteGenerator.Site site = fixtureSite(KernelTree.open(tree));
        assertEquals(1, site.stale().size(), site.stale().toString());
        assertTrue(site.stale().get(0).reason().contains("whole-file citation 1-31 but fake/mm.c has 32 lines"), site.stale().get(0).reason());
    }

    @Test
    void theVersionCheckNamesTheVersionFound() throws Exception {
        Path tree = FixtureTree.write(tempDir(), "4.2.0", FixtureTree.MM_C);
        KernelTree.NotV316Exception e = assertThrows(KernelTree.NotV316Exception.class, () -> KernelTree.open(tree));
        assertEquals(tree + " is Linux 4.2.0, not v3.16", e.getMessage());
        Path rc = FixtureTree.write(tempDir(), "3.16.0", FixtureTree.MM_C);
        java.nio.file.Files.writeString(rc.resolve("Makefile"), "VERSION = 3\nPATCHLEVEL = 16\nSUBLEVEL = 0\nEXTRAVERSION = -rc7\n");
        assertEquals(rc + " is Linux 3.16.0-rc7, not v3.16",
                assertThrows(KernelTree.NotV316Exception.class, () -> KernelTree.open(rc)).getMessage());
        assertEquals("3.16.0", KernelTree.open(FixtureTree.write(tempDir())).version());
    }

    @Test
    void theRealPortRendersEveryCitationWithoutATree() {
        List<Citation> port = CitationScanner.port();
        assertTrue(port.size() > 400, "the port cites " + port.size());
        SiteGenerator.Site site = new SiteGenerator(port, new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader()), null,
                "kernel-port/src/main/java/").render();
        assertEquals(FixtureTree.scope().size(), site.elements(), "as many elements as scope.tsv lists");
        String mmu = site.pages().get("arch/x86/kvm/mmu.c.html");
        SiteText.Row row = SiteText.rows(mmu).get("kvm_mmu_slot_remove_write_access");
        assertTrue(row.javaText().contains("public static void kvm_mmu_slot_remove_write_access("), row.javaText());
        assertEquals("", row.cHtml(), "no C column without a tree");
        assertTrue(row.javaHtml().contains("https://elixir.bootlin.com/linux/v3.16/source/arch/x86/kvm/mmu.c#L4293"), row.javaHtml());
    }

    @Test
    void theRealPortsCitedRangesHoldInARealTree() throws Exception {
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        assumeTrue(src != null && !src.isEmpty(), "no kernel tree given (-Dmmulab.kernel.src=DIR)");
        SiteGenerator.Site site = new SiteGenerator(CitationScanner.port(),
                new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader()), KernelTree.open(Paths.get(src)), "").render();
        assertEquals(List.of(), site.stale().stream().map(SiteGenerator.Stale::line).toList());
    }

    @TempDir
    Path temp;

    private int n;

    private Path tempDir() {
        return temp.resolve("tree" + n++);
    }
}
