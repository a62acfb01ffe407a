// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.examples.report.CodeLinks;
import org.mmulab.examples.report.ReportPage;
import org.mmulab.examples.vmm.RunConfig;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report pages of run --html and plot --html: well-formed, charted, and linked into the side-by-side site. */
public class ReportPagesTest {
    /** A report as the agent printed it in {@code run migrate --variant no-slots-lock} (the frames are what count). */
    public static final String REPORT = """
            ------------[ cut here ]------------
            WARNING: CPU: 0 PID: 1 at org/mmulab/kernel/variants/variant_no_slots_lock.java:83 \
            org.mmulab.kernel.variants.variant_no_slots_lock.kvm_vm_ioctl_get_dirty_log()
            Call Trace:
             org.mmulab.kernel.linux.lockdep.lockdep_assert_held(lockdep.java:24)
             org.mmulab.kernel.variants.variant_no_slots_lock.kvm_vm_ioctl_get_dirty_log(variant_no_slots_lock.java:83)
             org.mmulab.kernel.arch.x86.kvm.x86.kvm_vm_ioctl_get_dirty_log(x86.java)
             org.mmulab.kernel.virt.kvm.kvm_main.kvm_vm_ioctl(kvm_main.java:841)
             org.mmulab.kernel.arch.x86.kvm.mmu.kvm_mmu_slot_remove_write_access(mmu.java:4300)
             org.mmulab.examples.vmm.Migration.ioctl(Migration.java:160)
            ---[ end trace 00006d6d756c6162 ]---
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    static Document parse(Path page) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(page.toFile());
    }

    static List<Element> all(Document d, String tag) {
        NodeList n = d.getElementsByTagNameNS("*", tag);
        List<Element> l = new ArrayList<>();
        for (int i = 0; i < n.getLength(); i++) {
            l.add((Element) n.item(i));
        }
        return l;
    }

    static List<String> ids(Document d, String tag) {
        return all(d, tag).stream().map(e -> e.getAttribute("id")).toList();
    }

    @Test
    void runHtmlWritesTheSummaryTheChartsAndTheRounds(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("run.html");
        assertEquals(0, run("run", "migrate", "--memory", "4M", "--rounds", "3", "--html", html.toString()), err());
        Document d = parse(html);
        assertEquals(List.of("summary", "charts", "rounds", "lockdep", "tlb"), ids(d, "h2"));
        assertTrue(all(d, "pre").get(0).getTextContent().contains("invariants held"));
        List<String> titles = all(d, "svg").stream()
                .map(s -> s.getElementsByTagNameNS("*", "title").item(0).getTextContent()).toList();
        assertEquals(List.of("Pages dirtied and pages sent per round", "KVM_GET_DIRTY_LOG latency per round",
                "Remote TLB flushes per round", "TLB entries dropped per round"), titles);
        assertEquals(1 + 4, all(d, "tr").size(), "a head and 3 pre-copy rounds and the last");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("report page: " + html));
        String text = Files.readString(html);
        assertFalse(text.contains("src=") || text.contains("<link") || text.contains("<script"), "nothing fetched");
    }

    @Test
    void everyFrameOfAPortedFunctionLinksToARowOfTheGeneratedSite(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("r/report.html");
        Files.createDirectories(html.getParent());
        Path siteDir = dir.resolve("site");
        RunConfig c = new RunConfig();
        ReportPage page = RunReport.page(c, "printed\n", List.of(REPORT, REPORT), null, null, "none", html, siteDir);
        page.write(html);
        Document d = parse(html);
        List<Element> links = all(d, "a").stream().filter(a -> a.getAttribute("class").equals("code")).toList();
        List<String> hrefs = links.stream().map(a -> a.getAttribute("href")).distinct().toList();
        assertEquals(List.of("../site/include/linux/lockdep.h.html#lockdep_assert_held",
                "../site/arch/x86/kvm/x86.c.html#kvm_vm_ioctl_get_dirty_log",
                "../site/virt/kvm/kvm_main.c.html#kvm_vm_ioctl",
                "../site/arch/x86/kvm/mmu.c.html#kvm_mmu_slot_remove_write_access"), hrefs);
        // that each of these is a row of a generated site: the docs module's ReportLinksTest
        assertEquals(4, links.size(), "the same report twice is shown once, counted");
        String pre = all(d, "pre").get(1).getTextContent();
        assertTrue(pre.contains("[the same report 1 more time(s)]"), pre);
        assertTrue(pre.contains("org.mmulab.examples.vmm.Migration.ioctl(Migration.java:160)"), "the other frames stay text");
    }

    /** Rows of a timeline as explore prints them (README's enable-logging-race --variant no-slots-lock). */
    public static final String TIMELINE = String.join("\n",
            "   step  scenario/logging-toggler            vcpu0                               harvester",
            "   2450                                      lock vcpu->mutex",
            "   2532                                      spte 100000 MW,HW -> W,MW,HW",
            "   2564  KVM_SET_USER_MEMORY_REGION",
            "   2575                                                                          KVM_GET_DIRTY_LOG",
            "   2582  slot write-protect",
            "   2587                                                                            KVM_GET_DIRTY_LOG = 0",
            "   2590                                                                          kick vcpu0",
            "   2591  kvm_flush_remote_tlbs",
            "   2596                                                                          CHECK invariant 1 BROKEN: 100000",
            "");

    @Test
    void exploreHtmlLinksEachStepThatNamesCodeToARowOfTheSite(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("e.html");
        ExploreCommand.page("mmulab explore enable-logging-race", TIMELINE + REPORT, html, dir.resolve("site")).write(html);
        Document d = parse(html);
        List<String> linked = new ArrayList<>();
        for (Element a : all(d, "a")) {
            String href = a.getAttribute("href");
            assertTrue(href.startsWith("site/"), href);
            linked.add(a.getTextContent() + " -> " + href.substring(href.indexOf('#') + 1));
        }
        assertEquals(List.of("KVM_SET_USER_MEMORY_REGION -> kvm_vm_ioctl_set_memory_region",
                "KVM_GET_DIRTY_LOG -> kvm_vm_ioctl_get_dirty_log", "slot write-protect -> kvm_mmu_slot_remove_write_access",
                "KVM_GET_DIRTY_LOG -> kvm_vm_ioctl_get_dirty_log", "kick vcpu0 -> kvm_vcpu_kick",
                "kvm_flush_remote_tlbs -> kvm_flush_remote_tlbs"), linked.subList(0, 6));
        assertEquals(6 + 4, linked.size(), "the steps, then the report's four ported frames");
    }

    @Test
    void relativeLinksGoFromThePageToTheSite() {
        assertEquals("../docs/target/site/", CodeLinks.relative(Paths.get("/r/out/x.html"), Paths.get("/r/docs/target/site")));
        assertEquals("", CodeLinks.relative(Paths.get("/r/site/x.html"), Paths.get("/r/site")));
        assertEquals("kvm_mmu_slot_remove_write_access", CodeLinks.id("kvm_mmu_slot_remove_write_access"));
        assertEquals("struct-kvm_arch", CodeLinks.id("struct kvm_arch"));
        assertEquals("e-1ULL", CodeLinks.id("1ULL"));
    }

    @Test
    void plotDrawsOneLinePerRunNamedByItsVariant(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertEquals(0, run("run", "migrate", "--variant", "v3.15", "--memory", "4M", "--rounds", "3", "--json", a.toString()), err());
        assertEquals(0, run("run", "migrate", "--variant", "v3.16", "--memory", "4M", "--rounds", "4", "--json", b.toString()), err());
        Path html = dir.resolve("plot.html");
        assertEquals(0, run("plot", a.toString(), b.toString(), "--html", html.toString()), err());
        Document d = parse(html);
        List<Element> svgs = all(d, "svg");
        assertTrue(svgs.size() >= 3, "pages dirtied, pages sent, latency at least: " + svgs.size());
        for (Element svg : svgs) {
            List<String> legend = new ArrayList<>();
            NodeList gs = svg.getElementsByTagNameNS("*", "g");
            for (int i = 0; i < gs.getLength(); i++) {
                Element g = (Element) gs.item(i);
                if (g.getAttribute("class").equals("legend")) {
                    legend.add(g.getTextContent());
                }
            }
            assertEquals(List.of("v3.15 (a.json)", "v3.16 (b.json)"), legend);
            assertEquals(2, svg.getElementsByTagNameNS("*", "path").getLength());
        }
        assertEquals("mmulab plot: v3.15 (a.json) against v3.16 (b.json)", all(d, "h1").get(0).getTextContent());
    }

    @Test
    void plotUsageErrorsAreOneLineExitTwoAndWriteNothing(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"scenario\": ");
        Path other = Files.writeString(dir.resolve("other.json"), "{\"x\": 1}");
        Path html = dir.resolve("p.html");
        String[][] cases = {
            {"plot", bad.toString(), "--html", html.toString()},
            {"plot", other.toString(), "--html", html.toString()},
            {"plot", dir.resolve("none.json").toString(), "--html", html.toString()},
            {"plot", "--html", html.toString()},
            {"plot", other.toString()},
            {"plot", other.toString(), "--html", dir.resolve("no/dir/p.html").toString()},
        };
        String[] expected = {
            "mmulab: plot: " + bad + ": not JSON (",
            "mmulab: plot: " + other + ": not a run summary (no \"scenario\"; mmulab run --json writes one)",
            "mmulab: plot: " + dir.resolve("none.json") + ": no such file or directory",
            "mmulab: plot: which json?",
            "mmulab: plot: where to? give --html FILE, the page to write",
            "mmulab: plot: --html " + dir.resolve("no/dir/p.html") + ": no such directory " + dir.resolve("no/dir"),
        };
        for (int i = 0; i < cases.length; i++) {
            err.reset();
            assertEquals(2, run(cases[i]), String.join(" ", cases[i]));
            assertTrue(err().startsWith(expected[i]), err());
            assertEquals(1, err().lines().count(), err());
            assertFalse(Files.exists(html), "nothing written");
        }
    }

    @Test
    void runHtmlInANoSuchDirectoryIsAUsageErrorBeforeTheRun(@TempDir Path dir) {
        Path html = dir.resolve("gone/x.html");
        assertEquals(2, run("run", "migrate", "--memory", "1M", "--rounds", "100", "--html", html.toString()));
        assertEquals("mmulab: run: --html " + html + ": no such directory " + html.getParent() + "\n", err());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, run("run", "migrate", "--site", dir.toString()));
        assertEquals("mmulab: run: --site is for the links of --html FILE\n", err());
    }
}
