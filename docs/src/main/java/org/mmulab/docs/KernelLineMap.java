// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed line map ({@code klines.tsv} beside this class): for each kernel function ported by
 * one Java method, which Java line ports which Linux v3.16 line, as {@link LineAligner} paired them
 * from a real tree. Facts only (names, line numbers, a hash of the Java lines); never kernel text.
 * Without a tree the site links each paired Java line to its kernel line on elixir.bootlin.com from
 * this map, as long as the Java the map was made from is unchanged (its hash matches).
 *
 * <p>It is a build product: {@code ./mmulab docs --kernel-src DIR --write-klines} writes it
 * (SiteGenerator aligns every function as for the side-by-side pages); nobody edits it.
 */
public final class KernelLineMap {
    /** Where the map sits, in the docs module's sources and on its classpath. */
    public static final String RESOURCE = "org/mmulab/docs/klines.tsv";
    /** The file in the repository. */
    public static final String SOURCE_PATH = "docs/src/main/resources/" + RESOURCE;
    /** How to make it again. */
    public static final String REGENERATE = "./mmulab docs --kernel-src DIR --write-klines (DIR a Linux v3.16 tree)";

    /**
     * One function: its kernel file, name and cited range; its Java file (under the source root) and
     * member; the hash of the Java body lines aligned ({@link #hash}); how many kernel code lines
     * the range has; and the pairs, Java line (an offset from the method's name line) to kernel line.
     */
    public record Entry(String file, String kernelName, int first, int last, String javaFile, String javaMember, String javaHash,
            int codeLines, List<int[]> pairs, List<Integer> pairedCodeLines) {
        /** The key the site looks the function up by. */
        public String key() {
            return KernelLineMap.key(file, kernelName, first, last);
        }
    }

    private final Map<String, Entry> entries;
    private final String id;

    public KernelLineMap(List<Entry> entries) {
        Map<String, Entry> m = new LinkedHashMap<>();
        entries.forEach(e -> m.put(e.key(), e));
        this.entries = m;
        this.id = sha(body()).substring(0, 12);
    }

    static String key(String file, String kernelName, int first, int last) {
        return file + ":" + first + "-" + last + " " + kernelName;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    /** The entry of a function, or null. */
    public Entry get(Citation c) {
        return entries.get(key(c.file(), c.kernelName(), c.first(), c.last()));
    }

    /** A short digest of the map's rows, naming this version of it on the pages. */
    public String id() {
        return id;
    }

    /**
     * The hash of the Java body lines an alignment used: each line's offset from the first and its
     * text, so moving the method within its file keeps it and any edit of its lines changes it.
     * 16 hex digits of SHA-256.
     */
    public static String hash(List<String> javaText, List<Integer> body) {
        StringBuilder b = new StringBuilder();
        int from = body.isEmpty() ? 0 : body.get(0);
        for (int i : body) {
            b.append(i - from).append('\t').append(javaText.get(i - 1)).append('\n');
        }
        return sha(b.toString()).substring(0, 16);
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final String HEADER = String.join("\n",
            "# mmulab kernel line map: for each Linux v3.16 function ported by one Java method, which Java line ports which kernel line.",
            "# Generated, do not edit. Made by LineAligner from a v3.16 tree and the port's Java; regenerate with",
            "#   " + REGENERATE,
            "# (it writes " + SOURCE_PATH + "). Facts only: names, line numbers, a hash of the Java; no kernel text.",
            "# The site uses it without a tree: a function's row links each paired Java line to its kernel line while java_sha256",
            "# (16 hex digits over the aligned Java lines, each with its offset from the first) matches the Java as it is.",
            "# Columns, tab-separated: kernel_file, kernel_name, kernel_lines, java_file, java_member, java_sha256, kernel_code_lines,",
            "# paired_kernel_code_lines (ranges), pairs (JAVA>KERNEL, JAVA an offset from the method's name line; A-B>K is A>K, A+1>K+1 ... B>K+B-A).",
            "kernel_file\tkernel_name\tkernel_lines\tjava_file\tjava_member\tjava_sha256\tkernel_code_lines\tpaired_kernel_code_lines\tpairs",
            "");

    private String body() {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries.values()) {
            b.append(e.file()).append('\t').append(e.kernelName()).append('\t').append(e.first()).append('-').append(e.last()).append('\t')
                    .append(e.javaFile()).append('\t').append(e.javaMember()).append('\t').append(e.javaHash()).append('\t')
                    .append(e.codeLines()).append('\t').append(ranges(e.pairedCodeLines())).append('\t').append(pairs(e.pairs())).append('\n');
        }
        return b.toString();
    }

    /** The file's text: the header, then a row per function in the order given. */
    public String format() {
        return HEADER + body();
    }

    private static String ranges(List<Integer> lines) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); ) {
            int j = i;
            while (j + 1 < lines.size() && lines.get(j + 1) == lines.get(j) + 1) {
                j++;
            }
            b.append(b.length() == 0 ? "" : ",").append(lines.get(i)).append(j > i ? "-" + lines.get(j) : "");
            i = j + 1;
        }
        return b.length() == 0 ? "-" : b.toString();
    }

    private static String pairs(List<int[]> pairs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pairs.size(); ) {
            int j = i;
            while (j + 1 < pairs.size() && pairs.get(j + 1)[0] == pairs.get(j)[0] + 1 && pairs.get(j + 1)[1] == pairs.get(j)[1] + 1) {
                j++;
            }
            b.append(b.length() == 0 ? "" : " ").append(pairs.get(i)[0]).append(j > i ? "-" + pairs.get(j)[0] : "").append('>')
                    .append(pairs.get(i)[1]);
            i = j + 1;
        }
        return b.length() == 0 ? "-" : b.toString();
    }

    /** Reads a map's text; throws {@link IllegalArgumentException} naming the line that does not parse. */
    public static KernelLineMap parse(String text) {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("kernel_file\t")) {
                continue;
            }
            try {
                String[] f = line.split("\t", -1);
                if (f.length != 9) {
                    throw new IllegalArgumentException(f.length + " columns, not 9");
                }
                String[] r = f[2].split("-");
                List<Integer> paired = new ArrayList<>();
                if (!f[7].equals("-")) {
                    for (String s : f[7].split(",")) {
                        String[] ab = s.split("-");
                        int a = Integer.parseInt(ab[0]);
                        int z = ab.length > 1 ? Integer.parseInt(ab[1]) : a;
                        for (int k = a; k <= z; k++) {
                            paired.add(k);
                        }
                    }
                }
                List<int[]> pairs = new ArrayList<>();
                if (!f[8].equals("-")) {
                    for (String s : f[8].split(" ")) {
                        String[] jk = s.split(">");
                        String[] ab = jk[0].split("-");
                        int a = Integer.parseInt(ab[0]);
                        int z = ab.length > 1 ? Integer.parseInt(ab[1]) : a;
                        int k = Integer.parseInt(jk[1]);
                        for (int j = a; j <= z; j++) {
                            pairs.add(new int[] {j, k + j - a});
                        }
                    }
                }
                out.add(new Entry(f[0], f[1], Integer.parseInt(r[0]), Integer.parseInt(r[1]), f[3], f[4], f[5], Integer.parseInt(f[6]),
                        List.copyOf(pairs), List.copyOf(paired)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + n + " of the line map does not parse: " + e.getMessage(), e);
            }
        }
        return new KernelLineMap(out);
    }

    /** The committed map on the classpath of {@code loader}, or an empty one if there is none. */
    public static KernelLineMap load(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            return in == null ? new KernelLineMap(List.of()) : parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
