// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.mmulab.docs.Html.esc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.docs.JavaLocator.Located;
import org.mmulab.docs.JavaSourceIndex.Decl;

/**
 * Renders the side-by-side site in memory: {@code index.html}, and for each kernel file
 * {@code <kernel path>.html} (so {@code arch/x86/kvm/mmu.c.html}) with one table row per cited
 * element, C on the left and Java on the right, ordered by kernel line. Each row's {@code id} is its
 * kernel name ({@code struct kvm_arch} becomes {@code struct-kvm_arch}).
 *
 * <p>With a {@link KernelTree} the left column holds the cited v3.16 lines and every range is
 * checked; without one it links to the same lines on elixir.bootlin.com.
 */
public final class SiteGenerator {
    private static final Logger log = LogManager.getLogger(SiteGenerator.class);

    /** Public v3.16 browser; a link is {@code BOOTLIN + file + "#L" + first}. */
    public static final String BOOTLIN = "https://elixir.bootlin.com/linux/v3.16/source/";

    /** A struct's Java class is shown whole up to this many lines, else its declaration only. */
    static final int WHOLE_TYPE_MAX_LINES = 60;

    /** A cited range that no longer holds its element. */
    public record Stale(Citation citation, String page, String id, String reason) {
        public String line() {
            return citation.file() + ":" + citation.lines() + " " + citation.kernelName() + " (" + citation.java().display()
                    + "): " + reason;
        }
    }

    /** The rendered site: relative path (with {@code /}) to HTML, and what it found. */
    /**
     * @param mapped per kernel file with aligned functions: {paired, code} kernel code lines (not blank,
     *     not comment) of its ported functions, the paired ones beside a Java line
     */
    public record Site(Map<String, String> pages, List<Stale> stale, int elements, int files, Map<String, int[]> mapped) {
        /** Writes every page under {@code out}, creating directories. */
        public void writeTo(Path out) throws IOException {
            for (Map.Entry<String, String> e : pages.entrySet()) {
                Path p = out.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
            }
        }
    }

    private record Row(Citation key, List<Citation> cites, String id) {}

    private final List<Citation> citations;
    private final JavaLocator java;
    private final KernelTree tree;
    private final String javaLabel;
    private Path docsDir;
    private KernelLineMap lineMap;

    /**
     * @param citations what to render
     * @param java where the Java elements are
     * @param tree a checked v3.16 tree, or null to link to bootlin instead
     * @param javaLabel prefix shown before a Java source path, e.g. {@code kernel-port/src/main/java/}
     */
    public SiteGenerator(List<Citation> citations, JavaLocator java, KernelTree tree, String javaLabel) {
        this.citations = List.copyOf(citations);
        this.java = java;
        this.tree = tree;
        this.javaLabel = javaLabel;
    }

    /**
     * Also renders {@code docsDir/walkthrough.md} as {@code walkthrough.html} (its pictures from
     * {@code docsDir/images} beside it); without this, or without the file, the start page names it.
     */
    public SiteGenerator withDocs(Path docsDir) {
        this.docsDir = docsDir;
        return this;
    }

    /** Uses {@code map} for the per-line links without a tree (default: the committed {@link KernelLineMap}). */
    public SiteGenerator withLineMap(KernelLineMap map) {
        this.lineMap = map;
        return this;
    }

    private KernelLineMap lineMapOrCommitted() {
        if (lineMap == null) {
            lineMap = KernelLineMap.load(SiteGenerator.class.getClassLoader());
        }
        return lineMap;
    }

    /** A function's Java as the alignment reads it: the method, its file's lines, the body lines (kit lines left out). */
    private record Body(Located located, Decl decl, List<String> text, List<Integer> lines) {
        String hash() {
            return KernelLineMap.hash(text, lines);
        }
    }

    private Body body(Citation c) {
        Located l = java.locate(c.java());
        Decl d = l.decl();
        List<String> jText = l.lines();
        List<Integer> body = new ArrayList<>();
        for (int i = d.nameLine(); i <= d.end() && i <= jText.size(); i++) {
            if (!exerciseVariant(jText.get(i - 1))) {
                body.add(i);
            }
        }
        return new Body(l, d, jText, body);
    }

    /** The functions aligned line by line (ported by one method), in page order. */
    private List<Citation> alignedFunctions() {
        Map<String, List<Citation>> byFile = new TreeMap<>();
        citations.forEach(c -> byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c));
        List<Citation> out = new ArrayList<>();
        byFile.values().forEach(cs -> rows(cs).stream().filter(SiteGenerator::alignable).forEach(r -> out.add(r.key())));
        return out;
    }

    /**
     * The line map of this port and tree: every function aligned line by line (those whose range
     * lies in the file), as {@link #render()} pairs them. Needs the tree.
     */
    public KernelLineMap lineMap() {
        if (tree == null) {
            throw new IllegalStateException("the line map is made from a kernel tree");
        }
        List<KernelLineMap.Entry> out = new ArrayList<>();
        for (Citation c : alignedFunctions()) {
            Optional<List<String>> text = tree.lines(c.file());
            if (text.isEmpty() || c.last() > text.get().size()) {
                continue;
            }
            Body b = body(c);
            LineAligner.Alignment a = LineAligner.align(text.get(), c.first(), c.last(), b.text(), b.lines());
            boolean[] open = {false};
            Set<Integer> code = new HashSet<>();
            for (int i = c.first(); i <= c.last(); i++) {
                if (!LineAligner.stripComments(text.get().get(i - 1), open).isBlank()) {
                    code.add(i);
                }
            }
            List<int[]> pairs = new ArrayList<>();
            List<Integer> paired = new ArrayList<>();
            int from = b.decl().nameLine();
            for (LineAligner.Pair p : a.rows()) {
                if (p.paired()) {
                    pairs.add(new int[] {p.javaLine() - from, p.cLine()});
                    if (code.contains(p.cLine())) {
                        paired.add(p.cLine());
                    }
                }
            }
            String path = b.located().path();
            out.add(new KernelLineMap.Entry(c.file(), c.kernelName(), c.first(), c.last(), path, c.java().display(), b.hash(), a.codeLines(),
                    List.copyOf(pairs), List.copyOf(paired)));
        }
        return new KernelLineMap(out);
    }

    /**
     * Why the line map in use (default: the committed one) is not current for this port, one line
     * each: a function aligned line by line without an entry or whose Java changed since, an entry
     * for no such function. Empty when current. Needs no tree.
     */
    public List<String> lineMapProblems() {
        KernelLineMap map = lineMapOrCommitted();
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Citation c : alignedFunctions()) {
            KernelLineMap.Entry e = map.get(c);
            String name = c.file() + ":" + c.lines() + " " + c.kernelName() + " (" + c.java().display() + ")";
            if (e == null) {
                out.add(name + ": not in the line map");
                continue;
            }
            seen.add(e.key());
            String h = body(c).hash();
            if (!h.equals(e.javaHash())) {
                out.add(name + ": its Java changed since the line map was made (hash " + h + ", map " + e.javaHash() + ")");
            }
        }
        map.entries().keySet().stream().filter(k -> !seen.contains(k)).forEach(k -> out.add(k + ": in the line map but not aligned by the port"));
        return out;
    }

    /** Renders everything; throws {@link IllegalArgumentException} if a Java element cannot be found. */
    public Site render() {
        Map<String, List<Citation>> byFile = new TreeMap<>();
        for (Citation c : citations) {
            byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c);
        }
        Map<String, String> pages = new LinkedHashMap<>();
        List<Stale> stale = new ArrayList<>();
        Map<String, int[]> mapped = new TreeMap<>();
        Map<String, List<Row>> rowsByFile = new LinkedHashMap<>();
        int elements = 0;
        for (Map.Entry<String, List<Citation>> e : byFile.entrySet()) {
            List<Row> rows = rows(e.getValue());
            rowsByFile.put(e.getKey(), rows);
            pages.put(page(e.getKey()), filePage(e.getKey(), e.getValue(), rows, stale, mapped));
            elements += rows.size() + (int) e.getValue().stream().filter(Citation::isFile).count();
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("index.html", index(byFile, rowsByFile, stale, elements));
        out.putAll(pages);
        extras(out);
        log.info("rendered {} pages, {} elements, {} stale", out.size(), elements, stale.size());
        return new Site(out, List.copyOf(stale), elements, byFile.size(), mapped);
    }

    /**
     * Each citation's place on the file pages, relative to the site root: {@code page#id} for an
     * element, the page itself for a whole-file citation.
     */
    static Map<Citation, String> anchors(List<Citation> citations) {
        Map<String, List<Citation>> byFile = new TreeMap<>();
        citations.forEach(c -> byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c));
        Map<Citation, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Citation>> e : byFile.entrySet()) {
            for (Citation c : e.getValue()) {
                if (c.isFile()) {
                    out.put(c, page(e.getKey()));
                }
            }
            for (Row r : rows(e.getValue())) {
                r.cites().forEach(c -> out.put(c, page(e.getKey()) + "#" + r.id()));
            }
        }
        return out;
    }

    /** The start page, the walkthrough and its pictures, the search index, and a search box on every page. */
    private void extras(Map<String, String> out) {
        Map<Citation, String> anchors = anchors(citations);
        Path md = docsDir == null ? null : docsDir.resolve("walkthrough.md");
        boolean walk = md != null && Files.isRegularFile(md);
        out.put("start.html", StartPage.render(anchors, java, walk, mode(), head("Start here — mmulab side by side")));
        if (walk) {
            Map<String, String> names = new LinkedHashMap<>();
            StartPage.byName(anchors).forEach((n, a) -> names.put(n, a.getValue()));
            Map<String, String> files = new LinkedHashMap<>();
            citations.forEach(c -> files.put(c.file(), page(c.file())));
            try {
                out.put("walkthrough.html", head("Walkthrough — mmulab side by side")
                        + "<p class=\"nav\"><a href=\"start.html\">start here</a> · <a href=\"index.html\">all kernel files</a></p>\n"
                        + "<p class=\"mode\">" + mode() + "</p>\n<div class=\"md\">\n"
                        + Walkthrough.body(Files.readString(md, StandardCharsets.UTF_8), names, files)
                        + "</div>\n<p class=\"nav\">Back to <a href=\"start.html\">the start page</a>.</p>\n</body>\n</html>\n");
                Path images = docsDir.resolve("images");
                if (Files.isDirectory(images)) {
                    try (var s = Files.list(images)) {
                        for (Path p : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".svg")).sorted()::iterator) {
                            out.put("images/" + p.getFileName(), Files.readString(p, StandardCharsets.UTF_8));
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + md + " or its pictures: " + e.getMessage(), e);
            }
        }
        out.put(SiteSearch.INDEX, SiteSearch.indexJs(SiteSearch.items(anchors)));
        // without a tree there is no C column: the Java takes the width
        SiteSearch.inject(out, StartPage.CSS + (tree == null ? "table.sbs.notree col.java{width:100%}\n" : ""));
    }

    /** The page of a kernel file, relative to the site root. */
    public static String page(String kernelFile) {
        return kernelFile + ".html";
    }

    /** Element rows (whole-file citations excluded), overloads citing the same lines sharing one. */
    private static List<Row> rows(List<Citation> cs) {
        Map<String, List<Citation>> groups = new LinkedHashMap<>();
        for (Citation c : cs) {
            if (!c.isFile()) {
                groups.computeIfAbsent(c.kernelName() + "\0" + c.kind() + "\0" + c.first() + "\0" + c.last(), k -> new ArrayList<>()).add(c);
            }
        }
        List<List<Citation>> sorted = new ArrayList<>(groups.values());
        sorted.sort((a, b) -> {
            Citation x = a.get(0);
            Citation y = b.get(0);
            int k = Integer.compare(x.first(), y.first());
            k = k != 0 ? k : Integer.compare(x.last(), y.last());
            return k != 0 ? k : x.kernelName().compareTo(y.kernelName());
        });
        Set<String> ids = new HashSet<>();
        List<Row> rows = new ArrayList<>();
        for (List<Citation> g : sorted) {
            Citation c = g.get(0);
            String id = Html.id(c.kernelName());
            if (!ids.add(id)) {
                id = id + "-L" + c.first();
                for (int n = 2; !ids.add(id); n++) {
                    id = Html.id(c.kernelName()) + "-L" + c.first() + "-" + n;
                }
            }
            rows.add(new Row(c, g, id));
        }
        return rows;
    }

    private static String up(String kernelFile) {
        return "../".repeat((int) kernelFile.chars().filter(ch -> ch == '/').count());
    }

    private static String bootlin(Citation c) {
        return BOOTLIN + c.file() + "#L" + c.first();
    }

    private String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
                + esc(title) + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n";
    }

    private String mode() {
        return tree == null
                ? "C: not rendered (no <code>--kernel-src</code>); each element links to its v3.16 lines on <a href=\"https://elixir.bootlin.com/linux/v3.16/source/\">elixir.bootlin.com</a>."
                        + NO_TREE_LINES + StartPage.noTreeNote(citations)
                : "C: Linux " + esc(tree.version()) + " from <code>" + esc(tree.root().toString()) + "</code>, every cited range checked.";
    }

    private String filePage(String file, List<Citation> cs, List<Row> rows, List<Stale> stale, Map<String, int[]> mapped) {
        StringBuilder b = new StringBuilder(head(file + " — mmulab side by side"));
        b.append("<p class=\"nav\"><a href=\"").append(up(file)).append("index.html\">mmulab side by side</a> / ")
                .append(esc(file)).append("</p>\n");
        b.append("<h1>").append(esc(file)).append("</h1>\n");
        b.append("<p class=\"mode\">").append(mode()).append("</p>\n");

        List<String> problems = new ArrayList<>();
        StringBuilder ported = new StringBuilder();
        for (Citation c : cs) {
            if (!c.isFile()) {
                continue;
            }
            Located l = java.locate(c.java());
            Decl d = l.decl();
            ported.append("<div class=\"ported\"><div class=\"hd\">Whole file (lines ").append(esc(c.lines()))
                    .append(") ported as <code class=\"jname\">").append(esc(c.java().display())).append("</code> ")
                    .append(where(l, d)).append("</div>\n");
            if (!c.note().isEmpty()) {
                ported.append("<p class=\"note\">").append(esc(c.note())).append("</p>\n");
            }
            ported.append(javaPre(l.lines(), d.start(), d.headerEnd())).append("</div>\n");
            if (tree != null) {
                Optional<String> why = tree.check(c);
                if (why.isPresent()) {
                    Stale s = new Stale(c, page(file), null, why.get());
                    stale.add(s);
                    problems.add("<li>whole file (" + esc(c.java().display()) + "): " + esc(why.get()) + "</li>");
                }
            }
        }

        StringBuilder table = new StringBuilder();
        if (tree == null) {
            javaOnlyTable(table, file, rows);
            b.append(ported).append(table).append("</body>\n</html>\n");
            return b.toString();
        }
        table.append("<table class=\"sbs\">\n<colgroup><col class=\"c\"><col class=\"java\"></colgroup>\n<thead><tr><th>C, Linux v3.16 <code>")
                .append(esc(file)).append("</code></th><th>Java</th></tr></thead>\n<tbody>\n");
        for (Row r : rows) {
            Citation c = r.key();
            Optional<String> why = tree == null ? Optional.empty() : tree.check(c);
            why.ifPresent(w -> {
                stale.add(new Stale(c, page(file), r.id(), w));
                problems.add("<li><a href=\"#" + esc(r.id()) + "\">" + esc(c.kernelName()) + "</a>: " + esc(w) + "</li>");
            });
            table.append("<tr id=\"").append(esc(r.id())).append("\" class=\"elem").append(why.isPresent() ? " stale" : "").append("\">\n");
            table.append("<td class=\"c\"><div class=\"hd\"><a class=\"self\" href=\"#").append(esc(r.id())).append("\">")
                    .append(esc(c.kernelName())).append("</a> <span class=\"kind\">").append(esc(c.kind()))
                    .append("</span> <a class=\"where\" href=\"").append(esc(bootlin(c))).append("\">").append(esc(file)).append(":")
                    .append(esc(c.lines())).append("</a></div>\n");
            if (why.isPresent()) {
                table.append("<p class=\"problem\">This range no longer holds <code>").append(esc(c.kernelName())).append("</code>: ")
                        .append(esc(why.get())).append("</p>\n");
            }
            Optional<List<String>> text = tree == null ? Optional.empty() : tree.lines(file);
            if (text.isPresent() && c.last() <= text.get().size() && alignable(r)) {
                alignedRow(table, r, text.get(), mapped.computeIfAbsent(file, f -> new int[2]));
                continue;
            }
            if (text.isPresent() && c.last() <= text.get().size()) {
                table.append(pre(text.get(), c.first(), c.last()));
            }
            table.append("</td>\n<td class=\"java\">");
            javaCites(table, r);
            table.append("</td>\n</tr>\n");
        }
        table.append("</tbody>\n</table>\n");

        if (!problems.isEmpty()) {
            b.append("<div class=\"stale-list\"><h2>").append(problems.size()).append(problems.size() == 1 ? " cited range does" : " cited ranges do")
                    .append(" not hold in this tree</h2>\n<ul>\n");
            problems.forEach(p -> b.append(p).append("\n"));
            b.append("</ul></div>\n");
        }
        b.append(ported).append(table).append("</body>\n</html>\n");
        return b.toString();
    }

    /** The Java of a row's citations, each under its header, a long type cut to its header. */
    private void javaCites(StringBuilder table, Row r) {
        for (Citation j : r.cites()) {
            Located l = java.locate(j.java());
            Decl d = l.decl();
            int end = d.end();
            if (j.java().kind() == Citation.Kind.TYPE && d.end() - d.start() + 1 > WHOLE_TYPE_MAX_LINES) {
                end = d.headerEnd();
            }
            table.append("<div class=\"hd\"><code class=\"jname\">").append(esc(j.java().display())).append("</code> ")
                    .append(where(l, d)).append("</div>\n");
            if (!j.note().isEmpty()) {
                table.append("<p class=\"note\">").append(esc(j.note())).append("</p>\n");
            }
            table.append(javaPre(l.lines(), d.start(), end));
            if (end < d.end()) {
                table.append("<p class=\"more\">… body, lines ").append(end + 1).append("-").append(d.end()).append(", not shown</p>\n");
            }
        }
    }

    /** What the no-tree mode note says about per-line links. */
    static final String NO_TREE_LINES = " <span class=\"no-lines\">Per-line links come from the line map (<code>klines.tsv</code>), made "
            + "from a v3.16 tree and committed: which kernel line a Java line ports is computed from the C text. A function's linked line "
            + "numbers open the kernel line that Java line ports; where the Java changed since the map was made, only its heading links "
            + "(to its first kernel line), and the row says how to regenerate the map. Pairing beside the C itself needs a tree "
            + "(<code>--kernel-src</code>).</span>";

    /**
     * Without a tree: one column, the Java. Each row's heading links to the element's first kernel line
     * on elixir.bootlin.com; a function ported by one method shows its body a line each, a line that
     * names its kernel line ({@code // L1234}, within the cited range) carrying {@code data-kline} and
     * a link to that line.
     */
    private void javaOnlyTable(StringBuilder table, String file, List<Row> rows) {
        table.append("<table class=\"sbs notree\">\n<colgroup><col class=\"java\"></colgroup>\n<thead><tr><th>Java, each element linked to "
                + "its Linux v3.16 lines in <code>").append(esc(file)).append("</code> on elixir.bootlin.com</th></tr></thead>\n<tbody>\n");
        for (Row r : rows) {
            Citation c = r.key();
            table.append("<tr id=\"").append(esc(r.id())).append("\" class=\"elem\">\n<td class=\"java\"><div class=\"hd\"><a class=\"self\" href=\"#")
                    .append(esc(r.id())).append("\">").append(esc(c.kernelName())).append("</a> <span class=\"kind\">").append(esc(c.kind()))
                    .append("</span> <a class=\"where bootlin\" title=\"v3.16 on elixir.bootlin.com\" href=\"").append(esc(bootlin(c))).append("\">")
                    .append(esc(file)).append(":").append(esc(c.lines())).append("</a></div>\n");
            if (alignable(r)) {
                javaLines(table, r);
            } else {
                javaCites(table, r);
            }
            table.append("</td>\n</tr>\n");
        }
        table.append("</tbody>\n</table>\n");
    }

    /**
     * A function's Java without its C: javadoc folded, then the body a line each. Each Java line the
     * line map pairs with a kernel line (when the map's hash of the Java matches) and each line that
     * names its kernel line ({@code // L1234}) carries {@code data-kline} and links to that line.
     */
    private void javaLines(StringBuilder table, Row r) {
        Citation c = r.key();
        Body jb = body(c);
        Located l = jb.located();
        Decl d = jb.decl();
        List<String> jText = jb.text();
        table.append("<div class=\"hd\"><code class=\"jname\">").append(esc(c.java().display())).append("</code> ").append(where(l, d))
                .append("</div>\n");
        if (!c.note().isEmpty()) {
            table.append("<p class=\"note\">").append(esc(c.note())).append("</p>\n");
        }
        if (d.nameLine() > d.start()) {
            table.append("<details class=\"jdoc\"><summary>javadoc and annotations, lines ").append(d.start()).append("-")
                    .append(d.nameLine() - 1).append("</summary>\n").append(javaPre(jText, d.start(), d.nameLine() - 1)).append("</details>\n");
        }
        List<Integer> body = jb.lines();
        int indent = Integer.MAX_VALUE;
        for (int i : body) {
            String s = jText.get(i - 1);
            if (!s.isBlank()) {
                indent = Math.min(indent, s.length() - s.stripLeading().length());
            }
        }
        KernelLineMap map = lineMapOrCommitted();
        KernelLineMap.Entry entry = map.get(c);
        boolean current = entry != null && entry.javaHash().equals(jb.hash());
        Map<Integer, Integer> fromMap = new HashMap<>();
        if (current) {
            entry.pairs().forEach(p -> fromMap.put(d.nameLine() + p[0], p[1]));
        }
        StringBuilder lines = new StringBuilder();
        int marked = 0;
        for (int i : body) {
            String s = jText.get(i - 1);
            String shown = s.isBlank() ? "" : s.substring(Math.min(indent, s.length()));
            java.util.regex.Matcher m = LineAligner.MARK.matcher(shown);
            int k = m.find() ? Integer.parseInt(m.group(1)) : 0;
            boolean mark = shown.strip().startsWith("// >>>") || shown.strip().startsWith("// <<<");
            lines.append("<div class=\"l").append(mark ? " mark" : "").append("\"");
            if (k >= c.first() && k <= c.last()) {
                marked++;
                lines.append(" data-kline=\"").append(k).append("\"><span class=\"ln\">").append(i).append("</span>")
                        .append(esc(shown.substring(0, m.start()))).append("<a class=\"kl\" href=\"")
                        .append(esc(BOOTLIN + c.file() + "#L" + k)).append("\">").append(esc(shown.substring(m.start()))).append("</a>");
            } else if (fromMap.containsKey(i) && fromMap.get(i) >= c.first() && fromMap.get(i) <= c.last()) {
                int kl = fromMap.get(i);
                lines.append(" data-kline=\"").append(kl).append("\"><a class=\"ln kl\" title=\"v3.16 line ").append(kl)
                        .append(" on elixir.bootlin.com\" href=\"").append(esc(BOOTLIN + c.file() + "#L" + kl)).append("\">").append(i)
                        .append("</a>").append(esc(shown));
            } else {
                lines.append("><span class=\"ln\">").append(i).append("</span>").append(esc(shown));
            }
            lines.append("</div>\n");
        }
        if (current) {
            table.append("<p class=\"mapped\">").append(entry.pairedCodeLines().size()).append(" of ").append(entry.codeLines())
                    .append(" kernel code lines linked (line map ").append(map.id()).append(", <code>klines.tsv</code>): a linked line number "
                            + "opens the v3.16 line that Java line ports</p>\n");
        } else {
            table.append("<p class=\"nomap stale-map\">")
                    .append(entry == null ? "This function is not in the line map" : "The line map is stale for this function (its Java changed since)")
                    .append(", so its lines are not linked; the heading links to its first kernel line. Regenerate the map: <code>")
                    .append(esc(KernelLineMap.REGENERATE)).append("</code>.</p>\n");
        }
        if (marked > 0) {
            table.append("<p class=\"mapped\">").append(marked).append(marked == 1 ? " Java line links" : " Java lines link")
                    .append(" to the kernel line it names; the heading links to the function's first line</p>\n");
        }
        table.append("<div class=\"lines\">\n").append(lines).append("</div>\n");
    }

    /** A function ported by one Java method: its rows are aligned line by line. */
    private static boolean alignable(Row r) {
        Citation.Kind k = r.key().java().kind();
        return r.cites().size() == 1 && r.key().kind().equals("function") && (k == Citation.Kind.METHOD || k == Citation.Kind.CONSTRUCTOR);
    }

    /** An exercise kit's or fix's alternative line, not part of the port as it runs. */
    private static boolean exerciseVariant(String line) {
        String t = line.strip();
        return t.startsWith("// kit:") || t.startsWith("// fix:");
    }

    /**
     * Ends the element row (the C cell's header is written) with the Java header, the javadoc and
     * annotations folded, then one {@code tr.al} per aligned pair: a kernel line and the Java line
     * porting it at the same height, both carrying {@code data-kline}; blank cells fill the gaps.
     */
    private void alignedRow(StringBuilder table, Row r, List<String> cText, int[] fileMapped) {
        Citation c = r.key();
        Body jb = body(c);
        Located l = jb.located();
        Decl d = jb.decl();
        List<String> jText = jb.text();
        List<Integer> body = jb.lines();
        LineAligner.Alignment a = LineAligner.align(cText, c.first(), c.last(), jText, body);
        fileMapped[0] += a.pairedCodeLines();
        fileMapped[1] += a.codeLines();
        table.append("</td>\n<td class=\"java\"><div class=\"hd\"><code class=\"jname\">").append(esc(c.java().display())).append("</code> ")
                .append(where(l, d)).append("</div>\n");
        if (!c.note().isEmpty()) {
            table.append("<p class=\"note\">").append(esc(c.note())).append("</p>\n");
        }
        if (d.nameLine() > d.start()) {
            table.append("<details class=\"jdoc\"><summary>javadoc and annotations, lines ").append(d.start()).append("-")
                    .append(d.nameLine() - 1).append("</summary>\n").append(javaPre(jText, d.start(), d.nameLine() - 1)).append("</details>\n");
        }
        table.append(a.pairedCodeLines() == 0
                ? "<p class=\"nomap\">No kernel line of this function is mapped to its Java: the two are shown one after the other.</p>\n"
                : "<p class=\"mapped\">" + a.pairedCodeLines() + " of " + a.codeLines() + " kernel code lines beside the Java that ports them</p>\n");
        table.append("</td>\n</tr>\n");
        int indent = Integer.MAX_VALUE;
        for (int i : body) {
            String s = jText.get(i - 1);
            if (!s.isBlank()) {
                indent = Math.min(indent, s.length() - s.stripLeading().length());
            }
        }
        boolean[] open = {false};
        Set<Integer> code = new HashSet<>();
        for (int i = c.first(); i <= c.last(); i++) {
            if (!LineAligner.stripComments(cText.get(i - 1), open).isBlank()) {
                code.add(i);
            }
        }
        for (LineAligner.Pair p : a.rows()) {
            table.append("<tr class=\"al\" data-of=\"").append(esc(r.id())).append("\"><td class=\"c\">");
            if (p.cLine() > 0) {
                table.append("<div class=\"l").append(code.contains(p.cLine()) ? " code" : "").append("\" data-kline=\"").append(p.cLine())
                        .append("\"><span class=\"ln\">").append(p.cLine()).append("</span>").append(esc(cText.get(p.cLine() - 1)))
                        .append("</div>");
            }
            table.append("</td><td class=\"java\">");
            if (p.javaLine() > 0) {
                String s = jText.get(p.javaLine() - 1);
                String shown = s.isBlank() ? "" : s.substring(Math.min(indent, s.length()));
                boolean marker = shown.strip().startsWith("// >>>") || shown.strip().startsWith("// <<<");
                table.append("<div class=\"l").append(marker ? " mark" : "").append("\"");
                if (p.paired()) {
                    table.append(" data-kline=\"").append(p.cLine()).append("\"");
                }
                table.append("><span class=\"ln\">").append(p.javaLine()).append("</span>").append(esc(shown)).append("</div>");
            }
            table.append("</td></tr>\n");
        }
    }

    /** {@code mmu.java:12-30}, the full path in its title. */
    private String where(Located l, Decl d) {
        String file = l.path().substring(l.path().lastIndexOf('/') + 1);
        String lines = d.start() == d.end() ? Integer.toString(d.start()) : d.start() + "-" + d.end();
        return "<span class=\"where\" title=\"" + esc(javaLabel + l.path()) + "\">" + esc(file) + ":" + lines + "</span>";
    }

    /**
     * Java lines {@code from..to} with their common indentation taken off and each
     * {@code @KernelSource(...)} shortened to {@code @KernelSource(…)} (the row's header says what it
     * cites), its continuation lines left out; the numbers shown stay the file's.
     */
    static String javaPre(List<String> lines, int from, int to) {
        Map<Integer, String> shown = new TreeMap<>();
        for (int i = from; i <= to && i <= lines.size(); i++) {
            String s = lines.get(i - 1);
            int at = s.indexOf("@KernelSource(");
            if (at < 0) {
                shown.put(i, s);
                continue;
            }
            int[] end = closingParen(lines, i, at + "@KernelSource".length());
            if (end == null || end[0] > to) {
                shown.put(i, s);
                continue;
            }
            String rest = lines.get(end[0] - 1).substring(end[1] + 1);
            shown.put(i, s.substring(0, at) + "@KernelSource(\u2026)" + rest);
            i = end[0];
        }
        int indent = Integer.MAX_VALUE;
        for (String s : shown.values()) {
            if (!s.isBlank()) {
                int k = 0;
                while (k < s.length() && s.charAt(k) == ' ') {
                    k++;
                }
                indent = Math.min(indent, k);
            }
        }
        StringBuilder b = new StringBuilder("<pre>");
        int width = Integer.toString(to).length();
        for (Map.Entry<Integer, String> e : shown.entrySet()) {
            String n = Integer.toString(e.getKey());
            String s = e.getValue();
            b.append("<span class=\"ln\">").append(" ".repeat(width - n.length())).append(n).append("</span>")
                    .append(esc(s.isBlank() ? "" : s.substring(indent))).append("\n");
        }
        return b.append("</pre>\n").toString();
    }

    /** The line (1-based) and column of the parenthesis closing the one at {@code lines[line-1][col]}, strings skipped. */
    private static int[] closingParen(List<String> lines, int line, int col) {
        int depth = 0;
        for (int i = line; i <= lines.size() && i < line + 20; i++) {
            String s = lines.get(i - 1);
            for (int k = i == line ? col : 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c == '"') {
                    for (k++; k < s.length() && s.charAt(k) != '"'; k++) {
                        if (s.charAt(k) == '\\') {
                            k++;
                        }
                    }
                } else if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    return new int[] {i, k};
                }
            }
        }
        return null;
    }

    private static String pre(List<String> lines, int from, int to) {
        StringBuilder b = new StringBuilder("<pre>");
        int width = Integer.toString(to).length();
        for (int i = from; i <= to && i <= lines.size(); i++) {
            String n = Integer.toString(i);
            b.append("<span class=\"ln\">").append(" ".repeat(width - n.length())).append(n).append("</span>")
                    .append(esc(lines.get(i - 1))).append("\n");
        }
        return b.append("</pre>\n").toString();
    }

    private String index(Map<String, List<Citation>> byFile, Map<String, List<Row>> rowsByFile, List<Stale> stale, int elements) {
        StringBuilder b = new StringBuilder(head("mmulab side by side: Linux v3.16 KVM MMU, C and Java"));
        b.append("<h1>mmulab side by side</h1>\n<p>The Linux v3.16 KVM x86 MMU elements that mmulab ports, C on the left and Java on the right, one page per kernel file.</p>\n");
        b.append("<p class=\"start\"><strong>New here? <a href=\"start.html\">Start here</a></strong>: the seed commit's two functions, "
                + "then what they rest on, in the order of the story.</p>\n");
        b.append("<p class=\"mode\">").append(mode()).append("</p>\n");
        int rowCount = rowsByFile.values().stream().mapToInt(List::size).sum();
        b.append("<p class=\"summary\">").append(elements).append(" cited elements in ").append(byFile.size()).append(" kernel files (")
                .append(rowCount).append(" element rows on the file pages, ").append(elements - rowCount).append(" whole files mapped to a class)");
        if (tree != null) {
            b.append(stale.isEmpty() ? "; every cited range holds." : "; <strong>" + stale.size() + " cited ranges do not hold</strong> (listed on their pages).");
        }
        b.append("</p>\n<table class=\"toc\">\n<thead><tr><th>kernel file</th><th>Java</th><th>elements</th><th>functions</th><th>macros</th><th>constants</th><th>variables</th><th>types</th>");
        if (tree != null) {
            b.append("<th>not holding</th>");
        }
        b.append("</tr></thead>\n<tbody>\n");
        for (Map.Entry<String, List<Citation>> e : byFile.entrySet()) {
            String file = e.getKey();
            List<Row> rows = rowsByFile.get(file);
            Map<String, Integer> kinds = new TreeMap<>();
            rows.forEach(r -> kinds.merge(r.key().kind(), 1, Integer::sum));
            Set<String> classes = new java.util.LinkedHashSet<>();
            e.getValue().stream().filter(Citation::isFile).forEach(c -> classes.add(c.java().display()));
            e.getValue().forEach(c -> classes.add(c.java().typePath()[0]));
            long bad = stale.stream().filter(s -> s.citation().file().equals(file)).count();
            b.append("<tr><td><a href=\"").append(esc(page(file))).append("\">").append(esc(file)).append("</a></td><td>")
                    .append(classes.isEmpty() ? "" : "<code>" + esc(String.join(", ", classes)) + "</code>").append("</td><td>")
                    .append(rows.size()).append("</td><td>").append(kinds.getOrDefault("function", 0)).append("</td><td>")
                    .append(kinds.getOrDefault("macro", 0)).append("</td><td>").append(kinds.getOrDefault("constant", 0)).append("</td><td>")
                    .append(kinds.getOrDefault("variable", 0)).append("</td><td>")
                    .append(kinds.getOrDefault("struct", 0) + kinds.getOrDefault("union", 0) + kinds.getOrDefault("enum", 0)).append("</td>");
            if (tree != null) {
                b.append("<td").append(bad > 0 ? " class=\"bad\"" : "").append(">").append(bad).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n<h2>Elements by file</h2>\n");
        for (Map.Entry<String, List<Row>> e : rowsByFile.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            b.append("<details><summary><code>").append(esc(e.getKey())).append("</code> (").append(e.getValue().size()).append(")</summary>\n<ul class=\"elems\">\n");
            for (Row r : e.getValue()) {
                b.append("<li><a href=\"").append(esc(page(e.getKey()))).append("#").append(esc(r.id())).append("\">")
                        .append(esc(r.key().kernelName())).append("</a> <span class=\"kind\">").append(esc(r.key().kind()))
                        .append("</span></li>\n");
            }
            b.append("</ul></details>\n");
        }
        return b.append("</body>\n</html>\n").toString();
    }

    static final String CSS = String.join("\n",
            "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.2em 1.5em;color:#1d1d1d;background:#fff}",
            "h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.15em}",
            "a{color:#0550ae}.nav{font-size:90%}.mode,.summary{color:#444}",
            "code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}",
            "table.sbs{border-collapse:collapse;width:100%;table-layout:fixed}",
            "table.sbs col.c,table.sbs col.java{width:50%}",
            "table.sbs th{position:sticky;top:0;background:#eef1f5;text-align:left;padding:.4em .6em;z-index:1}",
            "table.sbs td{border-top:1px solid #d0d7de;vertical-align:top;padding:.4em .6em}",
            "table.sbs td.c{background:#fbfaf5}",
            "table.sbs tr:target td{background:#fff8c5}",
            "tr.elem{scroll-margin-top:2.6em}",
            "tr.al td{border:none;padding:0 .6em}",
            ".l{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12.5px;line-height:1.4;white-space:pre-wrap;overflow-wrap:anywhere;tab-size:8;-moz-tab-size:8;padding-left:6ch;text-indent:-6ch;min-height:1.4em}",
            ".l .ln{display:inline-block;width:5ch;margin-right:1ch;text-align:right;text-indent:0}",
            ".l.mark{color:#8c959f}",
            ".l a.ln.kl{color:#0550ae;text-decoration:none}.l a.ln.kl:hover{text-decoration:underline}",
            "details.jdoc summary{color:#57606a;font-size:90%;cursor:pointer}",
            ".mapped,.nomap{color:#57606a;font-size:85%;margin:.2em 0}.nomap{font-style:italic}",
            ".no-lines{display:block;margin-top:.3em}",
            "tr.stale td.c{background:#ffebe9}",
            "pre{margin:.3em 0 .6em;font-size:12.5px;line-height:1.4;white-space:pre;overflow-x:auto;tab-size:8;-moz-tab-size:8}",
            ".ln{color:#8c959f;margin-right:1.2ch;user-select:none;-webkit-user-select:none}",
            ".hd{font-size:90%}.hd .self{font-weight:600;font-family:ui-monospace,monospace}",
            ".kind{color:#6e7781;font-size:85%}.where{color:#57606a;font-family:ui-monospace,monospace;font-size:90%;white-space:nowrap}",
            ".note,.more{color:#57606a;font-style:italic;margin:.2em 0;font-size:90%}",
            ".problem{color:#a40e26;font-weight:600;margin:.2em 0}",
            ".stale-list{border:1px solid #ff8182;background:#fff5f5;padding:0 1em;margin:1em 0}",
            ".ported{border:1px solid #d0d7de;padding:.3em .8em;margin:.8em 0;background:#f6f8fa}",
            "table.toc{border-collapse:collapse}table.toc th,table.toc td{padding:.25em .7em;border-bottom:1px solid #d0d7de;text-align:left}",
            "table.toc td.bad{color:#a40e26;font-weight:600}",
            "ul.elems{columns:3 18em;font-family:ui-monospace,monospace;font-size:90%}",
            "") + "\n";
}
