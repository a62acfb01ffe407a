// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mmulab.docs.JavaSourceIndex.Decl;
import org.mmulab.docs.JavaSourceIndex.DeclKind;

/** The source index and the locator find each cited Java element's lines. */
class JavaSourceIndexTest {

    @Test
    void declarationsSpanJavadocAnnotationsAndBody() {
        String src = String.join("\n",
                "package p;",                                  // 1
                "/** The class. */",                            // 2
                "@Deprecated",                                  // 3
                "public final class A {",                       // 4
                "    static final String S = \"} {\"; // }",   // 5
                "",                                             // 6
                "    /**",                                      // 7
                "     * Two lines of javadoc, one with a } in it.", // 8
                "     */",                                      // 9
                "    @SuppressWarnings(value = {\"x\",",        // 10
                "            \"y\"})",                          // 11
                "    int f(int a) {",                           // 12
                "        return a < 1 && a > -1 ? '}' : 0;",    // 13
                "    }",                                        // 14
                "    static final class B { int x; }",          // 15
                "    enum E { ONE, TWO; int k() { return 1; } }", // 16
                "}");                                           // 17
        List<Decl> ds = JavaSourceIndex.parse(src);
        List<String> got = new ArrayList<>();
        for (Decl d : ds) {
            got.add(d.kind() + " " + String.join(".", d.owner()) + "#" + d.name() + " " + d.start() + "-" + d.end());
        }
        assertEquals(List.of(
                "FIELD A#S 5-5",
                "METHOD A#f 7-14",
                "FIELD A.B#x 15-15",
                "TYPE A#B 15-15",
                "METHOD A.E#k 16-16",
                "TYPE A#E 16-16",
                "TYPE #A 2-17"), got);
        Decl a = ds.get(ds.size() - 1);
        assertEquals(DeclKind.TYPE, a.kind());
        assertEquals(4, a.headerEnd(), "the class header ends at its brace");
    }

    @Test
    void everyPortCitationLocatesToTheDeclarationCarryingIt() {
        JavaLocator loc = new JavaLocator(FixtureTree.portJavaSrc(), getClass().getClassLoader());
        List<String> bad = new ArrayList<>();
        List<Citation> port = CitationScanner.port();
        for (Citation c : port) {
            JavaLocator.Located l = loc.locate(c.java());
            Decl d = l.decl();
            String range = String.join("\n", l.lines().subList(d.start() - 1, d.end()));
            String nameLine = l.lines().get(d.nameLine() - 1);
            String name = c.java().kind() == Citation.Kind.TYPE || c.java().kind() == Citation.Kind.CONSTRUCTOR
                    ? c.java().typePath()[c.java().typePath().length - 1] : c.java().member();
            if (!range.contains("lines = \"" + c.lines() + "\"") || !nameLine.matches(".*\\b" + name + "\\b.*")) {
                bad.add(c.java().display() + " " + c.lines() + " -> " + l.path() + ":" + d.start() + "-" + d.end());
            }
        }
        assertEquals(List.of(), bad, bad.size() + " of " + port.size() + " located wrongly");
    }
}
