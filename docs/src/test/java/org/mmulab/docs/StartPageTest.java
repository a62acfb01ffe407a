// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start page, the rendered walkthrough, the search index and the no-tree note, on the real port without a tree. */
class StartPageTest {
    @TempDir
    static Path temp;

    static Path site;
    static List<Citation> port;

    @BeforeAll
    static void render() throws Exception {
        port = CitationScanner.port();
        site = temp.resolve("site");
        new SiteGenerator(port, new JavaLocator(FixtureTree.portJavaSrc(), StartPageTest.class.getClassLoader()), null,
                "kernel-port/src/main/java/").withDocs(docsDir()).render().writeTo(site);
    }

    /** The repository's docs directory (tests run in the docs module). */
    static Path docsDir() {
        Path p = Paths.get("").toAbsolutePath();
        assertTrue(Files.isRegularFile(p.resolve("walkthrough.md")), "no walkthrough.md in " + p);
        return p;
    }

    static String read(String page) throws Exception {
        Path p = site.resolve(page);
        assertTrue(Files.isRegularFile(p), "no " + page + " in the site");
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    @Test
    void theStartPageListsTheStoryInOrderAndEveryLinkResolvesToARow() throws Exception {
        String start = read("start.html");
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("<a class=\"row\" href=\"([^\"]*)\"><code>([^<]*)</code></a>").matcher(start);
        List<String> hrefs = new ArrayList<>();
        while (m.find()) {
            names.add(SiteText.unescape(m.group(2)));
            hrefs.add(SiteText.unescape(m.group(1)));
        }
        assertEquals(StartPage.storyNames(), names, "the story's entries, in order, each cited by the port");
        assertEquals(List.of("kvm_mmu_slot_remove_write_access", "kvm_vm_ioctl_get_dirty_log"), names.subList(0, 2));
        assertTrue(names.indexOf("PT_WRITABLE_MASK") < names.indexOf("spte_write_protect")
                && names.indexOf("spte_write_protect") < names.indexOf("pte_list_add")
                && names.indexOf("pte_list_add") < names.indexOf("fast_page_fault")
                && names.indexOf("fast_page_fault") < names.indexOf("kvm_flush_remote_tlbs"), names.toString());
        for (String h : hrefs) {
            assertTrue(h.matches("[^#]+\\.html#.+"), "not a link to a row: " + h);
        }
        assertEquals(List.of(), SiteText.brokenLinks(site, site.resolve("start.html"), start), "broken links on start.html");
        assertTrue(read("index.html").contains("<a href=\"start.html\">Start here</a>"), "the index links to the start page");
    }

    /** The rows of one seed diff table: {kind, v3.15 text, v3.16 text}. */
    static List<String[]> diffRows(String table) {
        List<String[]> rows = new ArrayList<>();
        Matcher r = Pattern.compile("<tr class=\"(same|del|ins|chg)\">(.*?)</tr>", Pattern.DOTALL).matcher(table);
        while (r.find()) {
            List<String> cells = new ArrayList<>();
            Matcher c = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(r.group(2));
            while (c.find()) {
                cells.add(SiteText.text(c.group(1)).strip());
            }
            assertEquals(4, cells.size(), "line number and code on each side: " + r.group(2));
            rows.add(new String[] {r.group(1), cells.get(1), cells.get(3)});
        }
        return rows;
    }

    @Test
    void theSeedFunctionsShowTheCommitAsALineDiffOfTheirV315AndV316Java() throws Exception {
        String start = read("start.html");
        Matcher m = Pattern.compile("<table class=\"pair seeddiff\">(.*?)</table>", Pattern.DOTALL).matcher(start);
        List<String> tables = new ArrayList<>();
        while (m.find()) {
            tables.add(m.group(1));
        }
        assertEquals(2, tables.size(), "one diff per seed function");
        for (String t : tables) {
            assertTrue(SiteText.text(t).contains("variant_v3_15.java:"), "names the v3.15 file");
            List<String[]> rows = diffRows(t);
            // v3.16 adds the slots_lock assertion; v3.15's flush before spin_unlock is gone, one after it is new
            assertTrue(rows.stream().anyMatch(r -> !r[0].equals("same") && r[2].equals("lockdep.lockdep_assert_held(kvm.slots_lock);")),
                    "the assertion is marked as new");
            assertFalse(rows.stream().anyMatch(r -> r[1].contains("lockdep_assert_held")), "v3.15 has no assertion");
            int unlock315 = -1;
            int unlock316 = -1;
            int flush315 = -1;
            int flush316 = -1;
            for (int i = 0; i < rows.size(); i++) {
                String[] r = rows.get(i);
                if (r[1].equals("spin_unlock(kvm.mmu_lock);")) {
                    unlock315 = i;
                }
                if (r[2].equals("spin_unlock(kvm.mmu_lock);")) {
                    unlock316 = i;
                }
                if (r[1].equals("kvm_flush_remote_tlbs(kvm);")) {
                    flush315 = i;
                    assertTrue(i > unlock315 || !r[0].equals("same") || unlock315 < 0, "a v3.15 flush row");
                }
                if (r[2].equals("kvm_flush_remote_tlbs(kvm);")) {
                    flush316 = i;
                }
            }
            assertTrue(flush315 >= 0 && unlock315 > flush315, "v3.15 flushes before spin_unlock");
            assertTrue(flush316 > unlock316 && unlock316 >= 0, "v3.16 flushes after spin_unlock");
            // the diff shows the move as the flush leaving (slot write-protect) or as the unlock leaving (get-dirty-log)
            assertTrue(!rows.get(flush316)[0].equals("same") || !rows.get(unlock315)[0].equals("same"), "the move is marked");
            assertTrue(rows.stream().filter(r -> r[0].equals("same")).count() > rows.size() / 2,
                    "most lines are the same in both, side by side");
            for (String[] r : rows) {
                if (r[0].equals("same")) {
                    assertEquals(r[1].replaceAll("\\s+", " "), r[2].replaceAll("\\s+", " "), "a same row holds one line twice");
                }
            }
        }
        assertTrue(diffRows(tables.get(0)).get(0)[1].contains("public static void kvm_mmu_slot_remove_write_access(kvm kvm, int slot)"));
        assertTrue(diffRows(tables.get(1)).get(0)[2].contains("kvm_vm_ioctl_get_dirty_log(kvm kvm, kvm_dirty_log log)"));
        assertTrue(start.contains("The commit moves that flush after spin_unlock"), "says what the commit moved");
    }

    @Test
    void theWalkthroughIsRenderedLinksBackAndItsCodeLinksResolve() throws Exception {
        String w = read("walkthrough.html");
        assertTrue(w.contains("<h1>Walkthrough: flushing the TLB outside <code>mmu_lock</code></h1>"), "rendered markdown");
        assertTrue(w.contains("<table>"), "its reading list is a table");
        assertTrue(SiteText.attr(w, "href").contains("start.html"), "links back to the start page");
        assertTrue(w.contains("<a href=\"start.html\" title=\"the start page\"><code>docs/target/site/start.html</code></a>"),
                "the guide's own mention of the start page links to it");
        assertTrue(SiteText.attr(read("start.html"), "href").contains("walkthrough.html"), "the start page links to it");
        List<String> code = SiteText.attr(w, "href").stream().filter(h -> h.contains(".html#")).toList();
        assertTrue(code.contains("arch/x86/kvm/mmu.c.html#spte_write_protect"), code.toString());
        assertTrue(code.contains("virt/kvm/kvm_main.c.html#kvm_flush_remote_tlbs"), code.toString());
        assertTrue(code.size() > 20, "only " + code.size() + " code links");
        assertTrue(SiteText.attr(w, "href").contains("arch/x86/kvm/mmu.h.html"), "a cited file's path links to its page");
        assertFalse(SiteText.attr(w, "href").stream().anyMatch(h -> h.endsWith(".md") || h.contains(".md#")),
                "a link to a markdown page the site does not hold");
        assertTrue(w.contains("docs/variants.md in the repository"), "an unlinked page is named");
        assertTrue(SiteText.attr(w, "src").contains("images/spte-ept.svg") && Files.isRegularFile(site.resolve("images/spte-ept.svg")),
                "its pictures are beside it");
        assertEquals(List.of(), SiteText.brokenLinks(site, site.resolve("walkthrough.html"), w));
    }

    @Test
    void theSearchIndexHoldsEveryCitedKernelNameWithARowThatExists() throws Exception {
        String js = read(SiteSearch.INDEX);
        Matcher m = Pattern.compile("^\\[\"([^\"]*)\",\"([^\"]*)\",\"([^\"]*)\",\"([^\"]*)\"\\],?$", Pattern.MULTILINE).matcher(js);
        Set<String> names = new TreeSet<>();
        List<String> broken = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
            String href = m.group(4);
            String file = href.replaceFirst("#.*", "");
            Path target = site.resolve(file);
            if (!Files.isRegularFile(target)
                    || href.contains("#") && !SiteText.attr(Files.readString(target), "id").contains(href.substring(href.indexOf('#') + 1))) {
                broken.add(href);
            }
        }
        Set<String> cited = new TreeSet<>();
        port.forEach(c -> cited.add(c.kernelName()));
        assertEquals(cited, names);
        assertEquals(List.of(), broken, "index entries whose row is not there");
        assertTrue(js.contains("[\"spte_write_protect\",\"function\",\"arch/x86/kvm/mmu.c\",\"arch/x86/kvm/mmu.c.html#spte_write_protect\"]"));
    }

    @Test
    void everyPageHasTheSearchBoxAndWithoutATreeTheNote() throws Exception {
        List<String> pages;
        try (var s = Files.walk(site)) {
            pages = s.filter(p -> p.toString().endsWith(".html")).map(p -> site.relativize(p).toString()).sorted().toList();
        }
        assertTrue(pages.size() > 60, pages.toString());
        for (String p : pages) {
            String html = read(p);
            String root = "../".repeat((int) p.chars().filter(c -> c == '/').count());
            assertTrue(html.contains("<form id=\"mmulab-search\""), p + ": no search box");
            assertTrue(html.contains("<script src=\"" + root + SiteSearch.INDEX + "\">"), p + ": the index not loaded from " + root);
            assertTrue(html.contains("any checkout of the mainline tag <code>v3.16</code>"), p + ": no note on getting a tree");
            assertTrue(html.contains("table.sbs.notree col.java{width:100%}"), p + ": the Java column does not take the width");
            assertTrue(html.contains("<code>arch/x86/kvm/</code>") && html.contains("<code>virt/kvm/</code>")
                    && html.contains("<code>include/linux/</code>"), p + ": the note does not name the directories --kernel-src reads");
        }
    }

    @Test
    void theNoteNamesEachCitedDirectoryOnce() {
        String note = StartPage.noTreeNote(List.of(FixtureTree.citations().get(0)));
        assertTrue(note.contains("cited files in 1 directory: <code>fake/</code>."), note);
        Map<String, Long> dirs = new java.util.TreeMap<>();
        port.forEach(c -> dirs.merge(c.file().substring(0, c.file().lastIndexOf('/') + 1), 1L, Long::sum));
        String all = StartPage.noTreeNote(port);
        assertTrue(all.contains("cited files in " + dirs.size() + " directories: "), all);
        dirs.keySet().forEach(d -> assertTrue(all.contains("<code>" + d + "</code>"), d));
    }

    @Test
    void withATreeThereIsNoNote() throws Exception {
        SiteGenerator.Site s = new SiteGenerator(FixtureTree.citations(), FixtureTree.locator(),
                KernelTree.open(FixtureTree.write(temp.resolve("linux"))), "src/test/java/").render();
        for (String p : List.of("index.html", "fake/mm.c.html", "start.html")) {
            assertFalse(s.pages().get(p).contains("mainline tag"), p);
            assertFalse(s.pages().get(p).contains("col.java{width:76%}"), p);
            assertTrue(s.pages().get(p).contains("<form id=\"mmulab-search\""), p);
        }
    }
}
