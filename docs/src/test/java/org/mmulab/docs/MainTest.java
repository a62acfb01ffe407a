// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.docs.fixture.mm;

/** {@code mmulab docs} on the fixture: what it prints, its exit status, what it writes. */
class MainTest {
    @TempDir
    Path temp;

    private String out;
    private String err;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                FixtureTree::citations, mm.class.getClassLoader());
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return rc;
    }

    @Test
    void aTreeThatIsNotV316IsOneErrorLineExit2AndNothingWritten() throws Exception {
        Path tree = FixtureTree.write(temp.resolve("linux-4.2"), "4.2.0", FixtureTree.MM_C);
        Path site = temp.resolve("site");
        int rc = run("--kernel-src", tree.toString(), "--out", site.toString(), "--java-src", FixtureTree.javaSrc().toString());
        assertEquals(2, rc);
        assertEquals("mmulab docs: " + tree + " is Linux 4.2.0, not v3.16\n", err);
        assertEquals("", out);
        assertFalse(Files.exists(site), "nothing written");
    }

    @Test
    void aMissingTreeOrAnUnknownArgumentIsOneErrorLine() {
        Path site = temp.resolve("site");
        assertEquals(2, run("--kernel-src", temp.resolve("nope").toString(), "--out", site.toString(), "--java-src",
                FixtureTree.javaSrc().toString()));
        assertEquals("mmulab docs: " + temp.resolve("nope") + " is not a directory\n", err);
        assertEquals(2, run("--frobnicate"));
        assertEquals("mmulab docs: unknown option '--frobnicate' (see: mmulab docs --help)\n", err);
        assertEquals(2, run("--out"));
        assertEquals("mmulab docs: --out needs a directory\n", err);
        assertEquals(2, run("--out="));
        assertEquals("mmulab docs: --out needs a directory\n", err);
        assertEquals(2, run("site"));
        assertEquals("mmulab docs: unexpected argument 'site' (see: mmulab docs --help)\n", err);
        assertFalse(Files.exists(site), "nothing written");
    }

    @Test
    void helpListsEveryOptionInTheStyleOfTheMmulabCliAndExitsZero() {
        for (String help : new String[] {"--help", "-h"}) {
            assertEquals(0, run(help));
            assertTrue(out.startsWith("Usage: mmulab docs [-h] [--kernel-src=DIR] [--out=DIR] [--java-src=DIR] [--write-klines]\n"), out);
            for (String option : new String[] {"--kernel-src=DIR", "--out=DIR", "--java-src=DIR", "--write-klines", "-h, --help"}) {
                assertTrue(out.contains("\n  " + option) || out.contains("\n      " + option), option + " in:\n" + out);
            }
            assertTrue(out.contains("\nExit status:\n  0   written"), out);
            assertEquals("", err);
        }
    }

    @Test
    void aGoodTreeWritesTheSiteAndSaysSo() throws Exception {
        Path tree = FixtureTree.write(temp.resolve("linux"));
        Path site = temp.resolve("site");
        assertEquals(0, run("--kernel-src", tree.toString(), "--out=" + site, "--java-src", FixtureTree.javaSrc().toString()));
        assertEquals("mmulab docs: wrote 4 pages to " + site + ": 7 elements from 1 kernel files; C from Linux 3.16.0 at " + tree
                + ", every cited range holds\n"
                + "mmulab docs: lines mapped: fake/mm.c: 7 of 9 kernel code lines of its ported functions (78%) beside their Java\n", out);
        assertEquals("", err);
        assertTrue(Files.isRegularFile(site.resolve("index.html")));
        assertTrue(Files.readString(site.resolve("fake/mm.c.html")).contains("<tr id=\"less_and\""));
        // the 4 pages: index, the file page, the start page and the repository's walkthrough
        assertTrue(Files.isRegularFile(site.resolve("start.html")) && Files.isRegularFile(site.resolve("walkthrough.html")));
    }

    @Test
    void staleRangesAreListedOnStderrAndExit1WithTheSiteWritten() throws Exception {
        Path tree = FixtureTree.write(temp.resolve("linux"), "3.16.0", FixtureTree.MM_C.replace("less_and(int", "more_or(int"));
        Path site = temp.resolve("site");
        assertEquals(1, run("--kernel-src", tree.toString(), "--out", site.toString(), "--java-src", FixtureTree.javaSrc().toString()));
        assertTrue(err.startsWith("mmulab docs: stale: fake/mm.c:13-17 less_and (mm#less_and): 'less_and' is not in the first 3 lines"), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(out.contains("1 cited ranges do not hold"), out);
        assertTrue(Files.readString(site.resolve("fake/mm.c.html")).contains("class=\"elem stale\""));
    }
}
