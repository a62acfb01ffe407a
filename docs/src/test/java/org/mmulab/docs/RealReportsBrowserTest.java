// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.examples.report.RunData;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Real report pages, written by the examples' CLI as a reader runs it ({@code java -javaagent:...
 * -jar examples/target/examples.jar}, the command line {@code ./mmulab} gets from
 * org.mmulab.examples.Launch), opened in Chromium through WebDriver at 1400 px: a lockdep run
 * report linked into a generated site, a race's time charts, an explorer timeline, and a plot of
 * migrate v3.15 against v3.16. Each chart must render inside the window with as many points per
 * series as the JSON has values and both axis labels; no page scrolls sideways; every link into
 * the site names a file and an id there, and following one link to each target page shows its row
 * below the sticky header. Screenshots go to {@code target/screenshots/}. Skipped, saying so,
 * only without {@code /usr/bin/chromedriver} or without the built examples.jar (a {@code mvn test}
 * that stops before {@code package}).
 */
class RealReportsBrowserTest {
    private static final Logger log = LogManager.getLogger(RealReportsBrowserTest.class);

    @TempDir
    static Path temp;

    static Path root = Paths.get("").toAbsolutePath().getParent();
    static Path site;
    static Path shots = Paths.get("target", "screenshots");
    static ChromeDriver driver;
    static final List<String> figures = java.util.Collections.synchronizedList(new ArrayList<>());

    static void figure(String line) {
        log.info(line);
        figures.add(line);
    }

    @BeforeAll
    static void start() throws Exception {
        String missing = Chrome.missing();
        assumeTrue(missing == null, missing);
        Path jar = root.resolve("examples/target/examples.jar");
        assumeTrue(Files.isRegularFile(jar) && Files.isRegularFile(root.resolve("lockdep-agent/target/lockdep-agent.jar")),
                "examples/target/examples.jar or lockdep-agent/target/lockdep-agent.jar not built: mvn package first");
        long t0 = System.nanoTime();
        String src = System.getProperty("mmulab.kernel.src", System.getenv("MMULAB_KERNEL_SRC"));
        KernelTree tree = src == null || src.isEmpty() ? null : KernelTree.open(Paths.get(src));
        site = temp.resolve("site");
        new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(),
                RealReportsBrowserTest.class.getClassLoader()), tree, "kernel-port/src/main/java/").render().writeTo(site);
        long t1 = System.nanoTime();
        figure(String.format("site generated in %.1f s", (t1 - t0) / 1e9));
        mmulab(1, "run", "migrate", "--variant", "no-slots-lock", "--memory", "1M", "--rounds", "3",
                "--json", "run.json", "--html", "run.html", "--site", "site");
        mmulab(0, "run", "enable-logging-race", "--memory", "1M", "--rounds", "3", "--json", "race.json", "--html", "race.html",
                "--site", "site");
        mmulab(1, "explore", "enable-logging-race", "--variant", "no-slots-lock", "--budget", "200", "--html", "explore.html",
                "--site", "site");
        mmulab(0, "run", "migrate", "--variant", "v3.15", "--memory", "1M", "--rounds", "3", "--json", "v3.15.json");
        mmulab(0, "run", "migrate", "--variant", "v3.16", "--memory", "1M", "--rounds", "3", "--json", "v3.16.json");
        mmulab(0, "plot", "v3.15.json", "v3.16.json", "--html", "plot.html");
        figure(String.format("5 runs and a plot in %.1f s", (System.nanoTime() - t1) / 1e9));
        Files.createDirectories(shots);
        driver = Chrome.start(temp.resolve("profile"));
    }

    /** Runs {@code ./mmulab ARGS} in the temporary directory as the script would, expecting {@code rc}. */
    static void mmulab(int rc, String... args) throws Exception {
        List<String> launch = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", root.resolve("examples/target/examples.jar").toString(), "org.mmulab.examples.Launch", root.toString()));
        launch.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(launch).redirectErrorStream(true).start();
        String words = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "Launch: " + words);
        List<String> cmd = new ArrayList<>(Arrays.asList(words.split("\0")));
        Process run = new ProcessBuilder(cmd).directory(temp.toFile()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                run.getInputStream().transferTo(out);
            } catch (java.io.IOException e) {
                // the process went away
            }
        });
        pump.start();
        assertTrue(run.waitFor(120, TimeUnit.SECONDS), "mmulab " + String.join(" ", args) + " did not end in 120 s");
        pump.join();
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(rc, run.exitValue(), "mmulab " + String.join(" ", args) + ":\n" + text);
        figure("mmulab " + String.join(" ", args) + ": exit " + rc + ", " + text.lines().count() + " lines printed");
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
            Files.write(shots.resolve("reports.txt"), figures);
        }
    }

    static RunData json(String name) throws Exception {
        return RunData.parse(Files.readString(temp.resolve(name)));
    }

    /**
     * Opens the page, checks it scrolls not sideways and that each chart is inside the window with
     * both axis labels, its series each drawing as many points as they say; returns for each chart
     * (by its section id and title) the point counts of its series.
     */
    @SuppressWarnings("unchecked")
    static Map<String, List<Long>> look(String page, String shot) throws Exception {
        driver.get(temp.resolve(page).toUri().toString());
        assertEquals(1400L, ((Number) driver.executeScript("return window.innerWidth")).longValue(), "the window is not 1400 px wide");
        List<Number> w = (List<Number>) driver.executeScript(
                "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];");
        figure(page + ": " + w.get(0) + " px wide in " + w.get(1) + " px");
        assertTrue(w.get(0).longValue() <= w.get(1).longValue(), page + " scrolls sideways: " + w);
        List<List<Object>> charts = (List<List<Object>>) driver.executeScript(String.join("\n",
                "return Array.from(document.querySelectorAll('svg.chart'), s => {",
                "  const r = s.getBoundingClientRect();",
                "  const labels = Array.from(s.querySelectorAll('text.label'), t => t.textContent.trim()).filter(t => t.length > 0);",
                "  const series = Array.from(s.querySelectorAll('g.series'), g => {",
                "    const d = g.querySelector('path').getAttribute('d');",
                "    return [Number(g.dataset.points), (d.match(/[ML]/g) || []).length]; });",
                "  return [(s.closest('div.charts').previousElementSibling.id) + ': ' + s.querySelector('title').textContent,",
                "          r.left, r.right, r.width, r.height, labels.length, series];",
                "});"));
        Map<String, List<Long>> points = new LinkedHashMap<>();
        for (List<Object> c : charts) {
            String name = (String) c.get(0);
            double left = ((Number) c.get(1)).doubleValue();
            double right = ((Number) c.get(2)).doubleValue();
            assertTrue(((Number) c.get(3)).doubleValue() > 0 && ((Number) c.get(4)).doubleValue() > 0, page + ", " + name + ": no size");
            assertTrue(left >= 0 && right <= 1400, page + ", " + name + ": outside the window, " + left + " to " + right);
            assertEquals(2L, ((Number) c.get(5)).longValue(), page + ", " + name + ": not both axis labels");
            List<Long> n = new ArrayList<>();
            for (List<Number> s : (List<List<Number>>) c.get(6)) {
                assertEquals(s.get(0).longValue(), s.get(1).longValue(), page + ", " + name + ": a line not through its points");
                n.add(s.get(0).longValue());
            }
            points.put(name, n);
        }
        figure(page + ": " + charts.size() + " chart(s), points per series " + points.values());
        // the whole page in the screenshot: the window as tall as the page (at most 4000 px), then back
        long tall = Math.min(4000, ((Number) driver.executeScript("return document.scrollingElement.scrollHeight")).longValue());
        driver.manage().window().setSize(new Dimension(1400, (int) Math.max(1000, tall + 200)));
        Path s = shots.resolve(shot);
        try {
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), s, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            driver.manage().window().setSize(new Dimension(1400, 1000));
        }
        figure("screenshot " + s);
        return points;
    }

    /**
     * Every link of the open page into the site names a file and an id on it; following the first
     * link to each target page puts its row below that page's sticky header, in the window.
     */
    @SuppressWarnings("unchecked")
    static int linksResolve(String page) throws Exception {
        Path from = temp.resolve(page);
        driver.get(from.toUri().toString());
        List<String> hrefs = (List<String>) driver.executeScript(
                "return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'));");
        Map<Path, Set<String>> ids = new HashMap<>();
        Map<Path, String> first = new LinkedHashMap<>();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (String href : hrefs) {
            if (href.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") || href.startsWith("#")) {
                continue;
            }
            links++;
            int hash = href.indexOf('#');
            Path target = from.getParent().resolve(hash < 0 ? href : href.substring(0, hash)).normalize();
            if (!target.startsWith(site) || !Files.isRegularFile(target)) {
                broken.add(href + " -> no file in the site");
                continue;
            }
            if (hash < 0) {
                continue;
            }
            Set<String> there = ids.get(target);
            if (there == null) {
                driver.get(target.toUri().toString());
                there = new HashSet<>((List<String>) driver.executeScript("return Array.from(document.querySelectorAll('[id]'), e => e.id);"));
                ids.put(target, there);
            }
            if (!there.contains(href.substring(hash + 1))) {
                broken.add(href + " -> no id " + href.substring(hash + 1));
            } else {
                first.putIfAbsent(target, href);
            }
        }
        assertEquals(List.of(), broken, page);
        for (String href : first.values()) {
            driver.get(from.toUri().toString());
            driver.executeScript("window.location.href = new URL(arguments[0], document.baseURI).href;", href);
            String id = href.substring(href.indexOf('#') + 1);
            for (long end = System.nanoTime() + 30_000_000_000L; !driver.getCurrentUrl().endsWith("#" + id) && System.nanoTime() < end;
                    Thread.sleep(50)) {
                // the page loads
            }
            Thread.sleep(200);
            List<Number> a = (List<Number>) driver.executeScript(String.join("\n",
                    "const tr = document.getElementById(arguments[0]);",
                    "const t = tr.closest('table'); const th = t ? t.querySelector('thead th') : null;",
                    "return [tr.getBoundingClientRect().top, th ? th.getBoundingClientRect().bottom : 0, window.innerHeight];"), id);
            assertTrue(a.get(0).doubleValue() >= a.get(1).doubleValue() - 0.5 && a.get(0).doubleValue() < a.get(2).doubleValue(),
                    page + ": following " + href + " leaves the row at " + a.get(0) + " px, the sticky header ending at " + a.get(1)
                            + " px, the window " + a.get(2) + " px high");
        }
        figure(page + ": " + links + " links into the site, all resolving (" + ids.size() + " target pages); following one to each "
                + "shows its row below the sticky header");
        return links;
    }

    @Test
    void aLockdepRunReportChartsItsRoundsAndLinksItsFramesIntoTheSite() throws Exception {
        RunData run = json("run.json");
        Map<String, List<Long>> charts = look("run.html", "run-report.png");
        assertTrue(charts.size() >= 4, "charts: " + charts.keySet());
        charts.forEach((name, n) -> n.forEach(k -> assertEquals(run.perRound().size(), k, name)));
        assertTrue(linksResolve("run.html") >= 5, "too few links into the site");
    }

    @Test
    void aRaceReportChartsItsHarvestsAndEventsOverTime() throws Exception {
        RunData race = json("race.json");
        assertTrue(race.harvests().size() > 0 && race.events().size() == 6, "harvests " + race.harvests().size()
                + ", events " + race.events().size());
        Map<String, List<Long>> charts = look("race.html", "race-report.png");
        int overTime = 0;
        for (Map.Entry<String, List<Long>> c : charts.entrySet()) {
            if (c.getKey().startsWith("over-time: The racing thread")) {
                assertEquals(List.of(3L, 3L), c.getValue(), c.getKey() + " (3 rounds: logging on 3 times, off 3 times)");
                overTime++;
            } else if (c.getKey().startsWith("over-time: ")) {
                assertEquals(List.of((long) race.harvests().size()), c.getValue(), c.getKey());
                overTime++;
            } else {
                assertEquals(List.of((long) race.perRound().size()), c.getValue(), c.getKey());
            }
        }
        assertEquals(4, overTime, "charts over time: " + charts.keySet());
    }

    @Test
    void anExplorerTimelineLinksItsStepsIntoTheSite() throws Exception {
        look("explore.html", "explore-report.png");
        assertTrue(linksResolve("explore.html") >= 5, "too few links into the site");
    }

    @Test
    void aPlotOfMigrateV315AgainstV316DrawsBothRunsRoundByRound() throws Exception {
        RunData a = json("v3.15.json");
        RunData b = json("v3.16.json");
        Map<String, List<Long>> charts = look("plot.html", "plot.png");
        assertTrue(charts.size() >= 3, "charts: " + charts.keySet());
        charts.forEach((name, n) -> assertEquals(List.of((long) a.perRound().size(), (long) b.perRound().size()), n, name));
    }
}
