// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Opens the side-by-side pages of the real port, rendered from a v3.16 tree, in headless Chromium
 * driven by WebDriver (Debian's chromium-driver), 1400 px wide, and measures what a reader sees:
 * for the nine functions of the seed commit's story, at least half of the kernel code lines are
 * paired with a Java line and at least 95% of the pairs are within 3 px of each other vertically;
 * no page scrolls sideways; after following {@code page.html#function} the function's heading is
 * below the sticky column header and on screen. A screenshot of each is written to
 * {@code target/screenshots/} for a person to look at, with the figures in {@code alignment.txt}. Needs {@code -Dmmulab.kernel.src=DIR} (or
 * {@code $MMULAB_KERNEL_SRC}); skipped, saying so, without a tree.
 */
class BrowserAlignmentTest {
    private static final Logger log = LogManager.getLogger(BrowserAlignmentTest.class);

    static final Path CHROMEDRIVER = Chrome.CHROMEDRIVER;

    /** The nine functions of the issue's bar, with their kernel files. */
    static final List<String[]> FUNCTIONS = List.of(
            new String[] {"arch/x86/kvm/mmu.c", "kvm_mmu_slot_remove_write_access"},
            new String[] {"arch/x86/kvm/mmu.c", "spte_write_protect"},
            new String[] {"arch/x86/kvm/mmu.c", "mmu_spte_update"},
            new String[] {"arch/x86/kvm/mmu.c", "__rmap_write_protect"},
            new String[] {"arch/x86/kvm/mmu.c", "pte_list_add"},
            new String[] {"arch/x86/kvm/mmu.c", "fast_page_fault"},
            new String[] {"arch/x86/kvm/mmu.c", "kvm_mmu_write_protect_pt_masked"},
            new String[] {"arch/x86/kvm/x86.c", "kvm_vm_ioctl_get_dirty_log"},
            new String[] {"virt/kvm/kvm_main.c", "kvm_flush_remote_tlbs"});

    /**
     * For the function row {@code arguments[0]}: [kernel code lines, of them paired (a Java line with
     * the same data-kline), of the pairs within 3 px, the worst distance in px].
     */
    private static final String MEASURE = String.join("\n",
            "const id = arguments[0];",
            "const rows = document.querySelectorAll('tr.al[data-of=\"' + CSS.escape(id) + '\"]');",
            "let code = 0, paired = 0, close = 0, worst = 0;",
            "for (const r of rows) {",
            "  const c = r.querySelector('td.c .l.code[data-kline]');",
            "  if (!c) continue;",
            "  code++;",
            "  const k = c.getAttribute('data-kline');",
            "  let j = null;",
            "  for (const q of rows) { j = q.querySelector('td.java .l[data-kline=\"' + k + '\"]'); if (j) break; }",
            "  if (!j) continue;",
            "  paired++;",
            "  const d = Math.abs(c.getBoundingClientRect().top - j.getBoundingClientRect().top);",
            "  worst = Math.max(worst, d);",
            "  if (d <= 3) close++;",
            "}",
            "return [code, paired, close, worst];");

    /** [heading top, sticky header bottom, viewport height] after following the anchor. */
    private static final String ANCHOR = String.join("\n",
            "const tr = document.getElementById(arguments[0]);",
            "const th = tr.closest('table').querySelector('thead th');",
            "return [tr.getBoundingClientRect().top, th.getBoundingClientRect().bottom, window.innerHeight];");

    @TempDir
    Path temp;

    @Test
    void nineFunctionsHaveHalfTheirKernelLinesBesideTheirJavaAtTheSameHeightWithoutSidewaysScrolling() throws Exception {
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        assumeTrue(src != null && !src.isEmpty(), "no kernel tree given (-Dmmulab.kernel.src=DIR): the aligned pages need the C lines");
        if (!Files.isExecutable(CHROMEDRIVER)) {
            fail("chromedriver is not installed at " + CHROMEDRIVER + ", and the alignment test needs it: "
                    + "apt-get install -y --no-install-recommends chromium-driver (.ci/run does this)");
        }
        Path site = temp.resolve("site");
        new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader()),
                KernelTree.open(Paths.get(src)), "kernel-port/src/main/java/").render().writeTo(site);
        Path shots = Paths.get("target", "screenshots");
        Files.createDirectories(shots);

        ChromeDriver driver = Chrome.start(temp.resolve("profile"));
        List<String> problems = new ArrayList<>();
        List<String> report = new ArrayList<>();
        try {
            for (String[] f : FUNCTIONS) {
                String url = site.resolve(SiteGenerator.page(f[0])).toUri() + "#" + f[1];
                driver.get(url);
                JavascriptExecutor js = driver;
                long width = ((Number) js.executeScript("return window.innerWidth")).longValue();
                assertEquals(1400, width, "the window is not 1400 px wide");
                @SuppressWarnings("unchecked")
                List<Number> m = (List<Number>) js.executeScript(MEASURE, f[1]);
                long code = m.get(0).longValue();
                long paired = m.get(1).longValue();
                long close = m.get(2).longValue();
                @SuppressWarnings("unchecked")
                List<Number> a = (List<Number>) js.executeScript(ANCHOR, f[1]);
                @SuppressWarnings("unchecked")
                List<Number> scroll = (List<Number>) js.executeScript(
                        "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];");
                Path shot = shots.resolve(f[1] + ".png");
                Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
                String figures = String.format("%s: %d of %d kernel code lines paired, %d of the pairs within 3 px (worst %.1f px); "
                        + "heading at %.1f px, sticky header ends at %.1f px; page %s px wide in %s px; %s", f[1], paired, code, close,
                        m.get(3).doubleValue(), a.get(0).doubleValue(), a.get(1).doubleValue(), scroll.get(0), scroll.get(1), shot);
                log.info(figures);
                report.add(figures);
                if (code == 0 || 2 * paired < code) {
                    problems.add(f[1] + ": only " + paired + " of " + code + " kernel code lines paired with a Java line");
                }
                if (paired > 0 && 100 * close < 95 * paired) {
                    problems.add(f[1] + ": only " + close + " of " + paired + " pairs within 3 px (worst " + m.get(3) + " px)");
                }
                if (scroll.get(0).longValue() > scroll.get(1).longValue()) {
                    problems.add(f[0] + ": scrolls sideways at 1400 px (" + scroll.get(0) + " > " + scroll.get(1) + ")");
                }
                double top = a.get(0).doubleValue();
                if (top < a.get(1).doubleValue() - 0.5 || top >= a.get(2).doubleValue()) {
                    problems.add(f[1] + ": after following #" + f[1] + " its heading is at " + top + " px, the sticky header ends at "
                            + a.get(1) + " px, the window is " + a.get(2) + " px high");
                }
            }
        } finally {
            driver.quit();
            Files.write(shots.resolve("alignment.txt"), report);
        }
        assertEquals(List.of(), problems, "see the screenshots in " + shots.toAbsolutePath());
        assertTrue(Files.isRegularFile(shots.resolve("spte_write_protect.png")), "no screenshot written");
    }
}
