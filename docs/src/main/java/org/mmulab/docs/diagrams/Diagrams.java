// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs.diagrams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the walkthrough's pictures as SVG from small text sources kept in {@code docs/diagrams}
 * (so a picture is reviewed and diffed as text, and regenerated rather than redrawn). Three kinds,
 * chosen by the first line, {@code kind bits|lanes|boxes}:
 *
 * <ul>
 *   <li>{@code bits}: a register-style picture of a 64-bit word. {@code field HI LO LABEL NOTE...}
 *       per field, high bits first; unnamed gaps are drawn as reserved.</li>
 *   <li>{@code lanes}: a timeline, one column per thread. {@code lanes A | B | C}, then one
 *       {@code step LANE: text} per row in time order; {@code bad LANE: text} draws the row in the
 *       warning colour; {@code note text} spans all lanes.</li>
 *   <li>{@code boxes}: boxes and arrows at grid positions. {@code box ID COL ROW text} and
 *       {@code arrow FROM TO [label]}; {@code \n} in a text breaks the line.</li>
 * </ul>
 * Every source has a {@code title} line; {@code #} starts a comment. Text is XML-escaped.
 *
 * <p>{@code java -cp docs.jar org.mmulab.docs.diagrams.Diagrams docs/diagrams docs/images}
 * renders every {@code *.diagram}; DiagramsTest fails when a committed SVG differs from its source.
 */
public final class Diagrams {
    private Diagrams() {}

    /** A source line the renderer could not read: file, line number, and why. */
    public static final class DiagramError extends RuntimeException {
        public DiagramError(String where, int line, String why) {
            super(where + ":" + line + ": " + why);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Diagrams SOURCE_DIR OUT_DIR");
            System.exit(2);
        }
        try {
            for (Path p : renderAll(Path.of(args[0]), Path.of(args[1]))) {
                System.out.println("wrote " + p);
            }
        } catch (DiagramError e) {
            System.err.println("diagrams: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Renders every {@code *.diagram} in {@code src} to {@code out/NAME.svg}; returns the files written. */
    public static List<Path> renderAll(Path src, Path out) throws IOException {
        List<Path> written = new ArrayList<>();
        Files.createDirectories(out);
        List<Path> sources = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(src, "*.diagram")) {
            ds.forEach(sources::add);
        }
        sources.sort(null);
        for (Path p : sources) {
            String name = p.getFileName().toString().replaceFirst("\\.diagram$", "");
            String svg = render(name, Files.readString(p, StandardCharsets.UTF_8));
            Path target = out.resolve(name + ".svg");
            Files.writeString(target, svg, StandardCharsets.UTF_8);
            written.add(target);
        }
        return written;
    }

    /** One source text to SVG; {@code where} names it in errors. */
    public static String render(String where, String source) {
        List<String[]> lines = new ArrayList<>(); // {lineNumber, text}
        String[] raw = source.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String t = raw[i].strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                lines.add(new String[] {Integer.toString(i + 1), t});
            }
        }
        if (lines.isEmpty() || !lines.get(0)[1].startsWith("kind ")) {
            throw new DiagramError(where, lines.isEmpty() ? 1 : Integer.parseInt(lines.get(0)[0]),
                    "the first line must be 'kind bits', 'kind lanes' or 'kind boxes'");
        }
        String kind = lines.get(0)[1].substring(5).strip();
        String title = null;
        List<String[]> body = new ArrayList<>();
        for (String[] l : lines.subList(1, lines.size())) {
            if (l[1].startsWith("title ")) {
                title = l[1].substring(6).strip();
            } else {
                body.add(l);
            }
        }
        if (title == null) {
            throw new DiagramError(where, 1, "no 'title' line");
        }
        switch (kind) {
            case "bits":
                return bits(where, title, body);
            case "lanes":
                return lanes(where, title, body);
            case "boxes":
                return boxes(where, title, body);
            default:
                throw new DiagramError(where, Integer.parseInt(lines.get(0)[0]), "unknown kind '" + kind + "'");
        }
    }

    // ------------------------------------------------------------------ kinds

    private record Field(int hi, int lo, String label, String note) {}

    private static String bits(String where, String title, List<String[]> body) {
        List<Field> fields = new ArrayList<>();
        for (String[] l : body) {
            String[] w = l[1].split("\\s+", 5);
            int n = Integer.parseInt(l[0]);
            if (!w[0].equals("field") || w.length < 4) {
                throw new DiagramError(where, n, "expected 'field HI LO LABEL [NOTE]'");
            }
            int hi = number(where, n, w[1]);
            int lo = number(where, n, w[2]);
            if (hi < lo || hi > 63 || lo < 0) {
                throw new DiagramError(where, n, "bits " + hi + ".." + lo + " are not a range inside 63..0");
            }
            if (!fields.isEmpty() && fields.get(fields.size() - 1).lo() <= hi) {
                throw new DiagramError(where, n, "fields must go from high bits to low without overlap");
            }
            fields.add(new Field(hi, lo, w[3], w.length > 4 ? w[4] : ""));
        }
        // fill gaps as reserved/ignored
        List<Field> all = new ArrayList<>();
        int next = 63;
        for (Field f : fields) {
            if (f.hi() < next) {
                all.add(new Field(next, f.hi() + 1, "", "ignored / reserved"));
            }
            all.add(f);
            next = f.lo() - 1;
        }
        if (next >= 0) {
            all.add(new Field(next, 0, "", "ignored / reserved"));
        }
        // width: narrow fields get a minimum, wide ones are compressed
        int x0 = 20;
        int y0 = 50;
        int h = 44;
        List<int[]> spans = new ArrayList<>();
        int x = x0;
        for (Field f : all) {
            int width = f.hi() - f.lo() + 1;
            int w = Math.max(width == 1 ? 46 : Math.min(240, 46 + 8 * width), 9 * f.label().length() + 16);
            spans.add(new int[] {x, w});
            x += w;
        }
        int longest = 0;
        for (Field f : fields) {
            longest = Math.max(longest, f.label().length() + f.note().length() + 16);
        }
        int width = Math.max(x + x0, 2 * x0 + longest * 15 / 2); // about 7.5 px a character at 13 px
        int notesY = y0 + h + 40;
        int height = notesY + 22 * fields.size() + 20;
        Svg svg = new Svg(width, height, title);
        for (int i = 0; i < all.size(); i++) {
            Field f = all.get(i);
            int[] s = spans.get(i);
            boolean reserved = f.label().isEmpty();
            svg.rect(s[0], y0, s[1], h, reserved ? "#eeeeee" : "#dcebfa", "#333333");
            svg.text(s[0] + s[1] / 2, y0 - 6, f.hi() == f.lo() ? Integer.toString(f.hi()) : f.hi() + ".." + f.lo(),
                    11, "middle", "#555555");
            if (!reserved) {
                svg.text(s[0] + s[1] / 2, y0 + h / 2 + 5, f.label(), 13, "middle", "#000000");
            }
        }
        int y = notesY;
        for (Field f : fields) {
            String bitsText = f.hi() == f.lo() ? "bit " + f.hi() : "bits " + f.hi() + ".." + f.lo();
            svg.text(x0, y, f.label() + " (" + bitsText + ")" + (f.note().isEmpty() ? "" : ": " + f.note()), 13, "start",
                    "#000000");
            y += 22;
        }
        return svg.end();
    }

    private static String lanes(String where, String title, List<String[]> body) {
        if (body.isEmpty() || !body.get(0)[1].startsWith("lanes ")) {
            throw new DiagramError(where, body.isEmpty() ? 1 : Integer.parseInt(body.get(0)[0]),
                    "a lanes diagram starts with 'lanes A | B | ...'");
        }
        List<String> lanes = new ArrayList<>();
        for (String s : body.get(0)[1].substring(6).split("\\|")) {
            lanes.add(s.strip());
        }
        int laneW = 250;
        int x0 = 20;
        int top = 60;
        int rowH = 46;
        int rows = body.size() - 1;
        Svg svg = new Svg(x0 * 2 + laneW * lanes.size(), top + 30 + rowH * rows + 20, title);
        for (int i = 0; i < lanes.size(); i++) {
            int cx = x0 + laneW * i + laneW / 2;
            svg.text(cx, top, lanes.get(i), 14, "middle", "#000000", true);
            svg.line(cx, top + 10, cx, top + 20 + rowH * rows, "#999999", true);
        }
        int y = top + 24;
        for (String[] l : body.subList(1, body.size())) {
            int n = Integer.parseInt(l[0]);
            String t = l[1];
            if (t.startsWith("note ")) {
                svg.rect(x0, y, laneW * lanes.size(), rowH - 8, "#fff7d6", "#c9a400");
                svg.multiline(x0 + laneW * lanes.size() / 2, y + 16, t.substring(5).strip(), 12, "middle", "#000000");
            } else if (t.startsWith("step ") || t.startsWith("bad ")) {
                boolean bad = t.startsWith("bad ");
                String rest = t.substring(bad ? 4 : 5);
                int colon = rest.indexOf(':');
                if (colon < 0) {
                    throw new DiagramError(where, n, "expected 'step LANE: text'");
                }
                String lane = rest.substring(0, colon).strip();
                int li = lanes.indexOf(lane);
                if (li < 0) {
                    throw new DiagramError(where, n, "no lane '" + lane + "' (lanes: " + String.join(", ", lanes) + ")");
                }
                int bx = x0 + laneW * li + 8;
                svg.rect(bx, y, laneW - 16, rowH - 8, bad ? "#fbe0e0" : "#e6f2e6", bad ? "#b00020" : "#4a7a4a");
                svg.multiline(bx + (laneW - 16) / 2, y + 16, rest.substring(colon + 1).strip(), 12, "middle", "#000000");
            } else {
                throw new DiagramError(where, n, "expected 'step', 'bad' or 'note'");
            }
            y += rowH;
        }
        return svg.end();
    }

    private static String boxes(String where, String title, List<String[]> body) {
        int cellW = 270;
        int cellH = 90;
        int x0 = 20;
        int top = 50;
        Map<String, int[]> boxes = new LinkedHashMap<>(); // id -> {x, y, w, h}
        Map<String, String> texts = new LinkedHashMap<>();
        List<String[]> arrows = new ArrayList<>();
        int maxCol = 0;
        int maxRow = 0;
        for (String[] l : body) {
            int n = Integer.parseInt(l[0]);
            String[] w = l[1].split("\\s+", 5);
            if (w[0].equals("box") && w.length == 5) {
                int col = number(where, n, w[2]);
                int row = number(where, n, w[3]);
                if (boxes.containsKey(w[1])) {
                    throw new DiagramError(where, n, "box '" + w[1] + "' defined twice");
                }
                boxes.put(w[1], new int[] {x0 + col * cellW, top + row * cellH, cellW - 50, cellH - 30});
                texts.put(w[1], w[4]);
                maxCol = Math.max(maxCol, col);
                maxRow = Math.max(maxRow, row);
            } else if (w[0].equals("arrow") && w.length >= 3) {
                String label = l[1].split("\\s+", 4).length == 4 ? l[1].split("\\s+", 4)[3] : "";
                arrows.add(new String[] {w[1], w[2], label, l[0]});
            } else {
                throw new DiagramError(where, n, "expected 'box ID COL ROW text' or 'arrow FROM TO [label]'");
            }
        }
        Svg svg = new Svg(x0 * 2 + (maxCol + 1) * cellW, top + (maxRow + 1) * cellH + 10, title);
        for (Map.Entry<String, int[]> e : boxes.entrySet()) {
            int[] b = e.getValue();
            svg.rect(b[0], b[1], b[2], b[3], "#dcebfa", "#333333");
            svg.multiline(b[0] + b[2] / 2, b[1] + 20, texts.get(e.getKey()), 12, "middle", "#000000");
        }
        for (String[] a : arrows) {
            int[] f = boxes.get(a[0]);
            int[] t = boxes.get(a[1]);
            if (f == null || t == null) {
                throw new DiagramError(where, Integer.parseInt(a[3]), "arrow names an unknown box: " + (f == null ? a[0] : a[1]));
            }
            int x1;
            int y1;
            int x2;
            int y2;
            if (t[0] > f[0]) { // rightwards: side to side
                x1 = f[0] + f[2];
                y1 = f[1] + f[3] / 2;
                x2 = t[0];
                y2 = t[1] + t[3] / 2;
            } else { // downwards
                x1 = f[0] + f[2] / 2;
                y1 = f[1] + f[3];
                x2 = t[0] + t[2] / 2;
                y2 = t[1];
            }
            svg.arrow(x1, y1, x2, y2);
            if (!a[2].isEmpty()) {
                svg.text((x1 + x2) / 2, (y1 + y2) / 2 - 5, a[2], 11, "middle", "#555555");
            }
        }
        return svg.end();
    }

    private static int number(String where, int line, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new DiagramError(where, line, "'" + s + "' is not a number");
        }
    }

    // ------------------------------------------------------------------ SVG writer

    /** Escapes text for XML content and attribute values. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&apos;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    private static final class Svg {
        private final StringBuilder b = new StringBuilder();

        Svg(int w, int h, String title) {
            b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            b.append("<!-- generated by org.mmulab.docs.diagrams.Diagrams from docs/diagrams; edit the source, not this file -->\n");
            b.append(String.format(Locale.ROOT,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n", w, h, w, h));
            b.append("<title>").append(escape(title)).append("</title>\n");
            b.append("<defs><marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\">"
                    + "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333333\"/></marker></defs>\n");
            b.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h));
            text(10, 22, title, 15, "start", "#000000", true);
        }

        void rect(int x, int y, int w, int h, String fill, String stroke) {
            b.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\" stroke=\"%s\"/>\n", x, y, w, h, fill, stroke));
        }

        void line(int x1, int y1, int x2, int y2, String stroke, boolean dashed) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s/>\n", x1, y1, x2, y2,
                    stroke, dashed ? " stroke-dasharray=\"4 4\"" : ""));
        }

        void arrow(int x1, int y1, int x2, int y2) {
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\" marker-end=\"url(#head)\"/>\n", x1, y1, x2, y2));
        }

        void text(int x, int y, String s, int size, String anchor, String fill) {
            text(x, y, s, size, anchor, fill, false);
        }

        void text(int x, int y, String s, int size, String anchor, String fill, boolean bold) {
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\"%s>", x, y,
                    size, anchor, fill, bold ? " font-weight=\"bold\"" : "")).append(escape(s)).append("</text>\n");
        }

        /** Text with literal {@code \n} breaks, one tspan per line. */
        void multiline(int x, int y, String s, int size, String anchor, String fill) {
            String[] parts = s.split("\\\\n");
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\">", x, y,
                    size, anchor, fill));
            for (int i = 0; i < parts.length; i++) {
                b.append(String.format(Locale.ROOT, "<tspan x=\"%d\" dy=\"%s\">", x, i == 0 ? "0" : "1.2em"))
                        .append(escape(parts[i].strip())).append("</tspan>");
            }
            b.append("</text>\n");
        }

        String end() {
            b.append("</svg>\n");
            return b.toString();
        }
    }
}
