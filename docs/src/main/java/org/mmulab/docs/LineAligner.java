// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pairs the lines of a kernel function with the lines of its Java port, from the code alone: each
 * line becomes a set of normalized tokens (identifiers, control keywords, braces; comments, string
 * literals, numbers and type words dropped), and a monotone sequence alignment picks the pairs with
 * the greatest total similarity (weighted Dice of the two sets). A Java line that ends with an
 * explicit {@code // L1234} comment is paired with kernel line 1234 and nothing else; keep those rare.
 */
public final class LineAligner {
    private LineAligner() {}

    /** One row of the aligned view: a kernel line, a Java line, or both (0 for none). */
    public record Pair(int cLine, int javaLine) {
        public boolean paired() {
            return cLine > 0 && javaLine > 0;
        }
    }

    /**
     * The aligned rows, in order, and how many kernel code lines (not blank, not comment) there were
     * and how many of them are paired.
     */
    public record Alignment(List<Pair> rows, int codeLines, int pairedCodeLines) {}

    private static final Pattern IDENT = Pattern.compile("(?<![0-9A-Za-z_])[A-Za-z_][A-Za-z0-9_]*|[{}]");
    static final Pattern MARK = Pattern.compile("//\\s*L(\\d+)\\s*$");
    private static final Set<String> KEYWORDS = Set.of("if", "else", "while", "for", "do", "return", "break", "continue", "goto",
            "switch", "case", "default");
    /** Words that say how a value is typed or stored, which differ between C and Java for the same statement. */
    private static final Set<String> NOISE = Set.of("int", "long", "short", "char", "unsigned", "signed", "u8", "u16", "u32", "u64",
            "s8", "s16", "s32", "s64", "bool", "boolean", "void", "static", "final", "const", "struct", "var", "new", "this", "inline",
            "public", "private", "protected", "volatile", "register", "extern", "byte", "get", "set", "deref", "mm", "L");
    private static final double THRESHOLD = 0.4;

    /**
     * Aligns kernel lines {@code cFrom..cTo} of {@code c} with the Java lines {@code javaLines} (1-based
     * numbers into {@code java}, in order).
     */
    public static Alignment align(List<String> c, int cFrom, int cTo, List<String> java, List<Integer> javaLines) {
        List<Map<String, Double>> ct = new ArrayList<>();
        boolean[] inComment = {false};
        int code = 0;
        boolean[] isCode = new boolean[cTo - cFrom + 1];
        for (int i = cFrom; i <= cTo; i++) {
            String stripped = stripComments(c.get(i - 1), inComment);
            isCode[i - cFrom] = !stripped.isBlank();
            if (isCode[i - cFrom]) {
                code++;
            }
            ct.add(tokens(stripped));
        }
        List<Map<String, Double>> jt = new ArrayList<>();
        int[] mark = new int[javaLines.size()];
        boolean[] jComment = {false};
        for (int j = 0; j < javaLines.size(); j++) {
            String s = java.get(javaLines.get(j) - 1);
            Matcher m = MARK.matcher(s);
            if (m.find()) {
                mark[j] = Integer.parseInt(m.group(1));
            }
            jt.add(tokens(stripComments(s, jComment)));
        }
        int n = ct.size();
        int k = jt.size();
        double[][] best = new double[n + 1][k + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = k - 1; j >= 0; j--) {
                double v = Math.max(best[i + 1][j], best[i][j + 1]);
                double s = score(ct.get(i), jt.get(j), mark[j], cFrom + i);
                if (s > 0) {
                    v = Math.max(v, s + best[i + 1][j + 1]);
                }
                best[i][j] = v;
            }
        }
        List<Pair> rows = new ArrayList<>();
        int paired = 0;
        int i = 0;
        int j = 0;
        while (i < n || j < k) {
            if (i < n && j < k) {
                double s = score(ct.get(i), jt.get(j), mark[j], cFrom + i);
                if (s > 0 && best[i][j] == s + best[i + 1][j + 1]) {
                    rows.add(new Pair(cFrom + i, javaLines.get(j)));
                    if (isCode[i]) {
                        paired++;
                    }
                    i++;
                    j++;
                    continue;
                }
                if (best[i][j] == best[i + 1][j]) {
                    rows.add(new Pair(cFrom + i, 0));
                    i++;
                } else {
                    rows.add(new Pair(0, javaLines.get(j)));
                    j++;
                }
            } else if (i < n) {
                rows.add(new Pair(cFrom + i, 0));
                i++;
            } else {
                rows.add(new Pair(0, javaLines.get(j)));
                j++;
            }
        }
        return new Alignment(List.copyOf(rows), code, paired);
    }

    /** How alike a kernel line and a Java line are, 0 if they must not be paired. */
    private static double score(Map<String, Double> a, Map<String, Double> b, int mark, int cLine) {
        if (mark > 0) {
            return mark == cLine ? 10 : 0;
        }
        if (a.isEmpty() || b.isEmpty()) {
            return 0;
        }
        double common = 0;
        boolean word = false;
        for (Map.Entry<String, Double> e : a.entrySet()) {
            if (b.containsKey(e.getKey())) {
                common += e.getValue();
                word |= !e.getKey().equals("{") && !e.getKey().equals("}");
            }
        }
        boolean bracesOnly = a.keySet().stream().allMatch(t -> t.equals("{") || t.equals("}"))
                && b.keySet().stream().allMatch(t -> t.equals("{") || t.equals("}"));
        if (!word && !(bracesOnly && common > 0)) {
            return 0;
        }
        double s = 2 * common / (sum(a) + sum(b));
        return s >= THRESHOLD ? s : 0;
    }

    private static double sum(Map<String, Double> m) {
        return m.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The line with its comments (carrying an open block comment over in {@code open[0]}) and literals removed. */
    static String stripComments(String s, boolean[] open) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (open[0]) {
                if (ch == '*' && k + 1 < s.length() && s.charAt(k + 1) == '/') {
                    open[0] = false;
                    k++;
                }
                continue;
            }
            if (ch == '/' && k + 1 < s.length() && s.charAt(k + 1) == '*') {
                open[0] = true;
                k++;
            } else if (ch == '/' && k + 1 < s.length() && s.charAt(k + 1) == '/') {
                break;
            } else if (ch == '"' || ch == '\'') {
                for (k++; k < s.length() && s.charAt(k) != ch; k++) {
                    if (s.charAt(k) == '\\') {
                        k++;
                    }
                }
                b.append(' ');
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** Normalized tokens with their weights: identifiers 1, control keywords 0.5, braces 0.25. */
    static Map<String, Double> tokens(String code) {
        Map<String, Double> out = new HashMap<>();
        Matcher m = IDENT.matcher(code);
        while (m.find()) {
            String t = m.group();
            if (NOISE.contains(t)) {
                continue;
            }
            if (t.equals("NULL")) {
                t = "null";
            }
            out.put(t, t.equals("{") || t.equals("}") ? 0.25 : KEYWORDS.contains(t) ? 0.5 : 1.0);
        }
        return out;
    }
}
