// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The inline-SVG line chart: scales, ticks, labels, paths and the elements of known data. */
class SvgChartTest {
    @Test
    void ticksAreOneTwoOrFiveTimesAPowerOfTenCoveringTheRange() {
        assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10, 12, 14, 16}, SvgChart.ticks(0, 15, 8));
        assertArrayEquals(new double[] {0, 5, 10, 15, 20, 25}, SvgChart.ticks(0, 23, 5));
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2}, SvgChart.ticks(0, 1.645, 5));
        assertArrayEquals(new double[] {1, 1.5, 2, 2.5, 3, 3.5, 4}, SvgChart.ticks(1, 4, 8));
        assertArrayEquals(new double[] {1, 2, 3, 4}, SvgChart.ticks(1, 4, 8, true), "whole numbers: no half rounds");
        assertArrayEquals(new double[] {0, 500, 1000, 1500, 2000}, SvgChart.ticks(0, 1703, 8));
        assertArrayEquals(new double[] {0, 0.1, 0.2, 0.3}, SvgChart.ticks(0, 0.3, 3), "no 0.30000000000000004");
    }

    @Test
    void anEmptyRangeGrowsToOneUnit() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1}, SvgChart.ticks(0, 0, 5));
        assertArrayEquals(new double[] {3, 4}, SvgChart.ticks(3, 3, 1));
    }

    @Test
    void labelsDropTrailingZerosAndIntegersHaveNoPoint() {
        assertEquals("16", SvgChart.label(16));
        assertEquals("0.5", SvgChart.label(0.5));
        assertEquals("1.645", SvgChart.label(1.645));
        assertEquals("-3", SvgChart.label(-3));
    }

    @Test
    void aScaleMapsTheDataRangeOntoThePixelsAndFlipsForY() {
        SvgChart.Scale x = new SvgChart.Scale(0, 10, 64, 544);
        assertEquals(64, x.map(0));
        assertEquals(544, x.map(10));
        assertEquals(304, x.map(5));
        SvgChart.Scale y = new SvgChart.Scale(0, 20, 252, 34);
        assertEquals(252, y.map(0));
        assertEquals(34, y.map(20));
        assertEquals(143, y.map(10));
        assertEquals(50, new SvgChart.Scale(1, 1, 0, 100).map(1), "a one-point domain maps to the middle");
    }

    @Test
    void aPathGoesThroughEveryPointInOrder() {
        SvgChart.Scale x = new SvgChart.Scale(0, 4, 0, 400);
        SvgChart.Scale y = new SvgChart.Scale(0, 10, 100, 0);
        assertEquals("M100.0 50.0 L200.0 0.0 L300.0 100.0",
                SvgChart.path(new double[] {1, 2, 3}, new double[] {5, 10, 0}, x, y));
    }

    @Test
    void seriesNeedAsManyXsAsYs() {
        assertThrows(IllegalArgumentException.class, () -> new SvgChart.Series("a", new double[] {1}, new double[] {1, 2}));
    }

    @Test
    void theSvgHasTitleAxesTicksOneLinePerSeriesAndALegend() throws Exception {
        String svg = SvgChart.svg("Pages <sent>", "round", "pages", List.of(
                SvgChart.indexed("v3.15", List.of(15, 13, 0)), SvgChart.indexed("v3.16", List.of(10, 20, 5))));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        Element root = d.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals("Pages <sent>", d.getElementsByTagName("title").item(0).getTextContent());
        // x: rounds 1..3, whole numbers, so no half-round ticks
        assertEquals(List.of("1", "2", "3"), texts(d, "tick x"));
        assertEquals(List.of("0", "5", "10", "15", "20"), texts(d, "tick y"));
        assertEquals(List.of("round", "pages"), texts(d, "label"));
        NodeList paths = d.getElementsByTagName("path");
        assertEquals(2, paths.getLength());
        // x 1..3 onto 64..544, y 0..20 onto 252..34: (1, 15) is (64, 88.5)
        assertEquals("M64.0 88.5 L304.0 110.3 L544.0 252.0", ((Element) paths.item(0)).getAttribute("d"));
        assertEquals("#0072B2", ((Element) paths.item(0)).getAttribute("stroke"));
        assertEquals("#D55E00", ((Element) paths.item(1)).getAttribute("stroke"));
        assertEquals(6, d.getElementsByTagName("circle").getLength());
        Document flushes = f.newDocumentBuilder().parse(new ByteArrayInputStream(SvgChart.svg("f", "round", "flushes",
                List.of(SvgChart.indexed("a", List.of(0, 1, 1)))).getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("0", "1"), texts(flushes, "tick y"), "whole counts get whole ticks");
        NodeList legend = d.getElementsByTagName("g");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < legend.getLength(); i++) {
            Element g = (Element) legend.item(i);
            if (g.getAttribute("class").equals("legend")) {
                names.append(g.getTextContent()).append(';');
            }
        }
        assertEquals("v3.15;v3.16;", names.toString());
    }

    private static List<String> texts(Document d, String cls) {
        NodeList t = d.getElementsByTagName("text");
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < t.getLength(); i++) {
            Element e = (Element) t.item(i);
            if (e.getAttribute("class").equals(cls)) {
                out.add(e.getTextContent());
            }
        }
        return out;
    }
}
