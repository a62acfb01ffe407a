// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.examples.report.CodeLinks;
import org.mmulab.examples.report.ReportPage;
import org.mmulab.examples.report.StepLinks;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Looks at the site generated from the real port (from the tree given by {@code -Dmmulab.kernel.src},
 * else without one) through WebDriver, 1400 px wide, as a reader would: typing in the search box and
 * following the first hit, every internal link of the start, walkthrough, index and mmu.c pages, no
 * sideways scrolling there nor on a report page. Screenshots go to {@code target/screenshots/}.
 * Skipped, saying so, only without {@code /usr/bin/chromedriver}.
 */
class PagesBrowserTest {
    private static final Logger log = LogManager.getLogger(PagesBrowserTest.class);

    static final String MMU = SiteGenerator.page("arch/x86/kvm/mmu.c");
    static final List<String> PAGES = List.of("start.html", "walkthrough.html", "index.html", MMU);

    @TempDir
    static Path temp;

    static Path site;
    /** The same port's site without a tree, its per-line links from the committed line map. */
    static Path notree;
    static Path shots = Paths.get("target", "screenshots");
    static ChromeDriver driver;
    /** The figures, written to {@code target/screenshots/pages.txt}. */
    static final List<String> figures = java.util.Collections.synchronizedList(new ArrayList<>());

    static void figure(String line) {
        log.info(line);
        figures.add(line);
    }

    @BeforeAll
    static void start() throws Exception {
        String missing = Chrome.missing();
        assumeTrue(missing == null, missing);
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        KernelTree tree = src == null || src.isEmpty() ? null : KernelTree.open(Paths.get(src));
        site = temp.resolve("site");
        new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), PagesBrowserTest.class.getClassLoader()), tree,
                "kernel-port/src/main/java/").withDocs(StartPageTest.docsDir()).render().writeTo(site);
        notree = temp.resolve("notree");
        new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), PagesBrowserTest.class.getClassLoader()), null,
                "kernel-port/src/main/java/").withDocs(StartPageTest.docsDir()).render().writeTo(notree);
        Files.createDirectories(shots);
        driver = Chrome.start(temp.resolve("profile"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
            Files.write(shots.resolve("pages.txt"), figures);
        }
    }

    static void open(Path page) {
        driver.get(page.toUri().toString());
    }

    static Path shoot(String name) throws Exception {
        Path shot = shots.resolve(name);
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        figure("screenshot " + shot);
        return shot;
    }

    /** [scrollWidth, clientWidth] of the open page. */
    @SuppressWarnings("unchecked")
    static List<Number> widths() {
        return (List<Number>) driver.executeScript("const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];");
    }

    @Test
    void typingSpteWriteProtectListsItsRowFirstAndFollowingItShowsTheRowBelowTheStickyHeader() throws Exception {
        open(site.resolve("start.html"));
        shoot("start.png");
        driver.findElement(By.cssSelector("#mmulab-search input")).sendKeys("spte_write_protect");
        List<WebElement> hits = List.of();
        for (long end = System.nanoTime() + 10_000_000_000L; hits.isEmpty() && System.nanoTime() < end; Thread.sleep(50)) {
            hits = driver.findElements(By.cssSelector("#mmulab-search a.hit"));
        }
        assertTrue(!hits.isEmpty(), "no hits listed 10 s after typing");
        WebElement first = hits.get(0);
        assertEquals("spte_write_protect", first.getText());
        assertEquals("arch/x86/kvm/mmu.c.html#spte_write_protect", first.getAttribute("href").substring(site.toUri().toString().length()));
        assertTrue(first.isDisplayed(), "the first hit is not shown");
        shoot("start-search.png");

        first.click();
        for (long end = System.nanoTime() + 30_000_000_000L; !driver.getCurrentUrl().endsWith(MMU + "#spte_write_protect")
                && System.nanoTime() < end; Thread.sleep(50)) {
            // the page loads
        }
        assertTrue(driver.getCurrentUrl().endsWith(MMU + "#spte_write_protect"), "following the hit opened " + driver.getCurrentUrl());
        @SuppressWarnings("unchecked")
        List<Number> a = (List<Number>) driver.executeScript(String.join("\n",
                "const tr = document.getElementById('spte_write_protect');",
                "const th = tr.closest('table').querySelector('thead th');",
                "return [tr.getBoundingClientRect().top, th.getBoundingClientRect().bottom, window.innerHeight];"));
        figure("spte_write_protect after following the first hit: row at " + a.get(0) + " px, sticky header ends at " + a.get(1)
                + " px, window " + a.get(2) + " px high");
        shoot("search-followed.png");
        assertTrue(a.get(0).doubleValue() >= a.get(1).doubleValue() - 0.5, "the row is under the sticky header: " + a);
        assertTrue(a.get(0).doubleValue() < a.get(2).doubleValue(), "the row is below the window: " + a);
    }

    @Test
    void everyInternalLinkOfTheStartWalkthroughIndexAndMmuPagesNamesAFileAndAnIdOnIt() throws Exception {
        Map<Path, Set<String>> ids = new HashMap<>();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (String p : PAGES) {
            Path page = site.resolve(p);
            open(page);
            @SuppressWarnings("unchecked")
            List<String> hrefs = (List<String>) driver.executeScript(
                    "return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'));");
            for (String href : hrefs) {
                if (href.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto:
                }
                links++;
                int hash = href.indexOf('#');
                String file = hash < 0 ? href : href.substring(0, hash);
                Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!target.startsWith(site) || !Files.isRegularFile(target)) {
                    broken.add(p + ": " + href + " -> no file");
                } else if (hash >= 0 && target.toString().endsWith(".html")) {
                    Set<String> there = ids.get(target);
                    if (there == null) {
                        open(target);
                        @SuppressWarnings("unchecked")
                        List<String> all = (List<String>) driver.executeScript("return Array.from(document.querySelectorAll('[id]'), e => e.id);");
                        there = new HashSet<>(all);
                        ids.put(target, there);
                    }
                    if (!there.contains(href.substring(hash + 1))) {
                        broken.add(p + ": " + href + " -> no id on " + site.relativize(target));
                    }
                }
            }
        }
        figure(links + " internal links on " + PAGES + " checked, " + ids.size() + " target pages loaded for their ids, "
                + broken.size() + " broken");
        assertTrue(links > 100, "only " + links + " internal links found");
        assertEquals(List.of(), broken);
    }

    @Test
    void noPageScrollsSidewaysAt1400Px() throws Exception {
        List<String> wide = new ArrayList<>();
        for (String p : PAGES) {
            open(site.resolve(p));
            assertEquals(1400L, ((Number) driver.executeScript("return window.innerWidth")).longValue(), "the window is not 1400 px wide");
            List<Number> w = widths();
            figure(p + ": " + w.get(0) + " px wide in " + w.get(1) + " px");
            if (w.get(0).longValue() > w.get(1).longValue()) {
                wide.add(p + ": " + w.get(0) + " > " + w.get(1));
            }
            if (p.equals("walkthrough.html")) {
                shoot("walkthrough.png");
            }
        }
        assertEquals(List.of(), wide);
    }

    @Test
    void aReportPageLinkedIntoTheSiteScrollsNotSideways() throws Exception {
        CodeLinks links = new CodeLinks("site/", getClass().getClassLoader());
        Path report = temp.resolve("report.html");
        new ReportPage("mmulab run migrate (variant no-slots-lock)")
                .note("A report page as run --html writes it, its frames and steps linked to the site beside it.")
                .pre("Lockdep report", "lockdep", links.linkFrames(ReportLinksTest.REPORT))
                .pre("Timeline", "timeline", new StepLinks(links).link(ReportLinksTest.TIMELINE))
                .table("Rounds", "rounds", List.of("round", "pages dirtied", "pages sent", "KVM_GET_DIRTY_LOG ms"),
                        List.of(List.of("1", "4096", "4096", "0.8"), List.of("2", "512", "512", "0.2")))
                .write(report);
        open(report);
        List<Number> w = widths();
        figure("report page: " + w.get(0) + " px wide in " + w.get(1) + " px");
        shoot("report.png");
        List<WebElement> code = driver.findElements(By.cssSelector("a[href^='site/']"));
        figure("report page: " + code.size() + " links into the site");
        assertTrue(code.size() >= 10, "only " + code.size() + " links into the site");
        assertTrue(w.get(0).longValue() <= w.get(1).longValue(), "the report page scrolls sideways: " + w);
    }

    @Test
    void aNoTreePageOfMmuCLinksSpteWriteProtectsJavaLinesToItsKernelLinesWithoutSidewaysScrolling() throws Exception {
        driver.get(notree.resolve(MMU).toUri() + "#spte_write_protect");
        assertEquals(1400L, ((Number) driver.executeScript("return window.innerWidth")).longValue(), "the window is not 1400 px wide");
        List<WebElement> links = driver.findElements(By.cssSelector("tr#spte_write_protect .l[data-kline] a.ln.kl"));
        String prefix = SiteGenerator.BOOTLIN + "arch/x86/kvm/mmu.c#L";
        int inside = 0;
        for (WebElement a : links) {
            String href = a.getAttribute("href");
            String kline = a.findElement(By.xpath("..")).getAttribute("data-kline");
            assertEquals(prefix + kline, href, "a per-line link that is not its line's data-kline");
            int k = Integer.parseInt(kline);
            if (k >= 1192 && k <= 1207) {
                inside++;
            }
        }
        List<Number> w = widths();
        figure("no-tree mmu.c: spte_write_protect has " + links.size() + " per-line links, " + inside + " inside 1192-1207; page " + w.get(0)
                + " px wide in " + w.get(1) + " px");
        shoot("notree-mmu.png");
        assertTrue(!links.isEmpty(), "no per-line link for spte_write_protect on the no-tree page");
        assertEquals(links.size(), inside, "per-line links outside spte_write_protect's cited range 1192-1207");
        assertTrue(links.get(0).isDisplayed(), "the first per-line link is not shown");
        assertTrue(w.get(0).longValue() <= w.get(1).longValue(), "the no-tree page scrolls sideways: " + w);
    }
}
