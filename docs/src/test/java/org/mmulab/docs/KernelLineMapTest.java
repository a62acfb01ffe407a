// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed line map ({@code klines.tsv}) and the no-tree pages' per-line links made from it; no tree needed. */
class KernelLineMapTest {
    /** A Java line linked from the map: its data-kline, its link's kernel line and its own Java line number. */
    static final Pattern LINKED = Pattern.compile(
            "<div class=\"l[^\"]*\" data-kline=\"(\\d+)\"><a class=\"ln kl\" title=\"[^\"]*\" href=\"([^\"]*)\">(\\d+)</a>");

    @TempDir
    Path temp;

    private static SiteGenerator port(KernelLineMap map) {
        SiteGenerator g = new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), KernelLineMapTest.class.getClassLoader()),
                null, "kernel-port/src/main/java/");
        return map == null ? g : g.withLineMap(map);
    }

    private static KernelLineMap committed() {
        return KernelLineMap.load(KernelLineMapTest.class.getClassLoader());
    }

    @Test
    void theCommittedMapIsCurrentForEveryFunctionAlignedLineByLine() {
        KernelLineMap map = committed();
        assertTrue(map.entries().size() > 300, "only " + map.entries().size() + " functions in " + KernelLineMap.RESOURCE);
        List<String> problems = port(null).lineMapProblems();
        assertEquals(List.of(), problems, "the line map " + KernelLineMap.SOURCE_PATH + " is not current; regenerate it: " + KernelLineMap.REGENERATE);
    }

    @Test
    void theNineFunctionsOfTheBarHaveAtLeastHalfTheirKernelCodeLinesPairedInTheMap() {
        Map<String, KernelLineMap.Entry> byName = new HashMap<>();
        committed().entries().values().forEach(e -> byName.put(e.file() + " " + e.kernelName(), e));
        List<String> problems = new ArrayList<>();
        for (String[] f : BrowserAlignmentTest.FUNCTIONS) {
            KernelLineMap.Entry e = byName.get(f[0] + " " + f[1]);
            assertTrue(e != null, f[1] + " is not in the line map");
            int paired = e.pairedCodeLines().size();
            if (e.codeLines() == 0 || 2 * paired < e.codeLines()) {
                problems.add(f[1] + ": " + paired + " of " + e.codeLines());
            }
            for (int k : e.pairedCodeLines()) {
                assertTrue(k >= e.first() && k <= e.last(), f[1] + ": paired line " + k + " outside " + e.first() + "-" + e.last());
            }
        }
        assertEquals(List.of(), problems, "functions with fewer than half their kernel code lines paired");
    }

    @Test
    void theNoTreeSitesPerLineLinksPointInsideEachFunctionsRangeWithTheMapsKernelLines() {
        KernelLineMap map = committed();
        SiteGenerator.Site site = port(null).render();
        JavaLocator locator = new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader());
        Map<String, Citation> byKey = new HashMap<>();
        CitationScanner.port().forEach(c -> byKey.put(KernelLineMap.key(c.file(), c.kernelName(), c.first(), c.last()), c));
        int links = 0;
        int functions = 0;
        for (KernelLineMap.Entry e : map.entries().values()) {
            String page = site.pages().get(SiteGenerator.page(e.file()));
            assertTrue(page != null, "no page for " + e.file());
            SiteText.Row row = SiteText.rows(page).values().stream()
                    .filter(r -> r.javaHtml().contains("<code class=\"jname\">" + Html.esc(e.javaMember()) + "</code>")
                            && r.javaHtml().contains("#L" + e.first() + "\">"))
                    .findFirst().orElse(null);
            assertTrue(row != null, e.key() + ": no row on its page");
            int nameLine = locator.locate(byKey.get(e.key()).java()).decl().nameLine();
            List<List<Integer>> expected = new ArrayList<>();
            e.pairs().forEach(p -> expected.add(List.of(nameLine + p[0], p[1])));
            List<List<Integer>> found = new ArrayList<>();
            Matcher m = LINKED.matcher(row.javaHtml());
            while (m.find()) {
                int k = Integer.parseInt(m.group(1));
                assertEquals(SiteGenerator.BOOTLIN + e.file() + "#L" + k, SiteText.unescape(m.group(2)), e.key() + ": the link is not its data-kline");
                assertTrue(k >= e.first() && k <= e.last(), e.key() + ": linked to line " + k + " outside the cited range");
                found.add(List.of(Integer.parseInt(m.group(3)), k));
            }
            assertEquals(expected, found, e.key() + ": the page's per-line links are not the map's pairs");
            if (!e.pairs().isEmpty()) {
                assertTrue(row.javaHtml().contains(e.pairedCodeLines().size() + " of " + e.codeLines() + " kernel code lines linked (line map "
                        + map.id()), e.key() + ": the row does not say how many lines are linked: " + row.javaHtml());
            }
            links += found.size();
            functions++;
        }
        assertTrue(functions > 300 && links > 2000, functions + " functions, " + links + " links");
    }

    private static KernelLineMap fixtureMap(Path tree) throws Exception {
        return new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), KernelTree.open(tree), "src/test/java/").lineMap();
    }

    private String fixtureNoTreeRow(KernelLineMap map, String id) {
        String page = new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), null, "src/test/java/").withLineMap(map).render()
                .pages().get("fake/mm.c.html");
        return SiteText.rows(page).get(id).javaHtml();
    }

    @Test
    void aMapMadeFromATreeLinksTheNoTreeLinesItPairsAndReadsBackAsWritten() throws Exception {
        KernelLineMap map = fixtureMap(FixtureTree.write(temp));
        // fill_box is ported by two overloads, so it is not aligned line by line
        assertEquals(List.of("fake/mm.c:13-17 less_and", "fake/mm.c:27-31 fill_box_twice"),
                List.copyOf(map.entries().keySet()));
        assertEquals(map.format(), KernelLineMap.parse(map.format()).format(), "parse(format()) is not format()");
        assertFalse(map.format().contains("return a < b"), "kernel text in the map");
        KernelLineMap.Entry less = map.entries().get("fake/mm.c:13-17 less_and");
        assertFalse(less.pairs().isEmpty(), "less_and has no pairs: " + map.format());
        String java = fixtureNoTreeRow(map, "less_and");
        List<String> klines = SiteText.attr(java, "data-kline");
        assertEquals(less.pairs().stream().map(p -> Integer.toString(p[1])).toList(), klines, java);
        assertTrue(java.contains(less.pairedCodeLines().size() + " of " + less.codeLines() + " kernel code lines linked (line map " + map.id()), java);
        // the explicit // L30 mark keeps its link beside the map's
        assertTrue(fixtureNoTreeRow(map, "fill_box_twice").contains("data-kline=\"30\"><span class=\"ln\">62</span>"), "the // L30 mark");
        assertTrue(new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), null, "src/test/java/").withLineMap(map).lineMapProblems()
                .isEmpty(), "a fresh map is current");
    }

    @Test
    void aMapMadeFromOtherJavaIsStaleForThatFunctionAndItsRowSaysHowToRegenerate() throws Exception {
        KernelLineMap fresh = fixtureMap(FixtureTree.write(temp));
        List<KernelLineMap.Entry> changed = new ArrayList<>();
        for (KernelLineMap.Entry e : fresh.entries().values()) {
            changed.add(e.kernelName().equals("less_and") ? new KernelLineMap.Entry(e.file(), e.kernelName(), e.first(), e.last(), e.javaFile(),
                    e.javaMember(), "0000000000000000", e.codeLines(), e.pairs(), e.pairedCodeLines()) : e);
        }
        KernelLineMap map = new KernelLineMap(changed);
        String java = fixtureNoTreeRow(map, "less_and");
        assertEquals(List.of(), SiteText.attr(java, "data-kline"), "a stale map links no line: " + java);
        assertTrue(SiteText.text(java).contains("The line map is stale for this function"), java);
        assertTrue(SiteText.text(java).contains(KernelLineMap.REGENERATE), java);
        assertTrue(fixtureNoTreeRow(map, "fill_box_twice").contains("kernel code lines linked (line map " + map.id()),
                "fill_box_twice's entry is current and links");
        List<String> problems = new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(), null, "src/test/java/").withLineMap(map)
                .lineMapProblems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("fake/mm.c:13-17 less_and (mm#less_and): its Java changed"), problems.get(0));
    }
}
