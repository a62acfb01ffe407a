// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs.diagrams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class DiagramsTest {
    /** The docs module's working directory is docs/. */
    static final Path SOURCES = Path.of("diagrams");
    static final Path IMAGES = Path.of("images");

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyCommittedPictureIsWhatItsSourceRendersTo() throws Exception {
        List<Path> sources = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(SOURCES, "*.diagram")) {
            ds.forEach(sources::add);
        }
        assertTrue(sources.size() >= 4, "spte layout, rmap shapes and two race timelines: " + sources);
        for (Path src : sources) {
            String name = src.getFileName().toString().replace(".diagram", "");
            Path svg = IMAGES.resolve(name + ".svg");
            assertTrue(Files.isRegularFile(svg), "no " + svg + ": run Diagrams docs/diagrams docs/images");
            assertEquals(Diagrams.render(name, Files.readString(src)), Files.readString(svg),
                    svg + " is stale: run java -cp docs/target/classes org.mmulab.docs.diagrams.Diagrams docs/diagrams docs/images");
            Document d = parse(Files.readString(svg));
            assertEquals("svg", d.getDocumentElement().getLocalName());
        }
    }

    @Test
    void renderAllWritesOneSvgPerSource(@TempDir Path out) throws Exception {
        List<Path> written = Diagrams.renderAll(SOURCES, out);
        assertTrue(written.contains(out.resolve("spte-ept.svg")), written.toString());
        assertTrue(Files.readString(out.resolve("spte-ept.svg")).contains(">MMU_W</text>"));
    }

    @Test
    void bitsNameEveryFieldAndFillTheGapsAsReserved() throws Exception {
        String svg = Diagrams.render("t", "kind bits\ntitle T\nfield 11 11 MMU_W note a\nfield 1 1 W note b\n");
        Document d = parse(svg);
        assertTrue(svg.contains(">63..12</text>") && svg.contains(">10..2</text>") && svg.contains(">0</text>"), svg);
        assertTrue(svg.contains(">MMU_W (bit 11): note a</text>"), svg);
        assertEquals("T", d.getElementsByTagName("title").item(0).getTextContent());
    }

    @Test
    void textFromTheSourceIsEscaped() throws Exception {
        String svg = Diagrams.render("t", "kind lanes\ntitle a < b & c\nlanes A | B\nstep A: x <y> & \"z\"\nnote n & m\n");
        parse(svg); // well-formed
        assertTrue(svg.contains("a &lt; b &amp; c"), svg);
        assertTrue(svg.contains("x &lt;y&gt; &amp; &quot;z&quot;"), svg);
        assertFalse(svg.contains("<y>"), svg);
    }

    @Test
    void lanesDrawBadStepsInTheWarningColour() throws Exception {
        String svg = Diagrams.render("t", "kind lanes\ntitle T\nlanes A | B\nstep A: fine\nbad B: broken\n");
        assertTrue(svg.contains("fill=\"#fbe0e0\" stroke=\"#b00020\""), svg);
        assertTrue(svg.contains(">broken</tspan>"), svg);
    }

    @Test
    void mistakesNameTheFileAndLine() {
        Diagrams.DiagramError e = assertThrows(Diagrams.DiagramError.class,
                () -> Diagrams.render("race", "kind lanes\ntitle T\nlanes A | B\n# comment\nstep C: who?\n"));
        assertEquals("race:5: no lane 'C' (lanes: A, B)", e.getMessage());
        e = assertThrows(Diagrams.DiagramError.class,
                () -> Diagrams.render("spte", "kind bits\ntitle T\nfield 3 1 A\nfield 2 0 B\n"));
        assertEquals("spte:4: fields must go from high bits to low without overlap", e.getMessage());
        e = assertThrows(Diagrams.DiagramError.class, () -> Diagrams.render("x", "title T\n"));
        assertEquals("x:1: the first line must be 'kind bits', 'kind lanes' or 'kind boxes'", e.getMessage());
        e = assertThrows(Diagrams.DiagramError.class,
                () -> Diagrams.render("r", "kind boxes\ntitle T\nbox a 0 0 A\narrow a b\n"));
        assertEquals("r:4: arrow names an unknown box: b", e.getMessage());
    }
}
