// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The types, fields and methods of one Java source file, with their line ranges: a small lexer
 * (comments, strings, text blocks and char literals skipped) and a brace-matching scan of type
 * bodies. A declaration's range starts at its javadoc or comment (when that begins on a line of its
 * own), takes in its annotations, and ends at its closing {@code ;} or {@code }}.
 */
public final class JavaSourceIndex {

    /** What a declaration is. */
    public enum DeclKind { TYPE, FIELD, METHOD }

    /**
     * One declaration.
     *
     * @param kind type, field or method (constructors are methods named after their class)
     * @param name its simple name
     * @param owner the simple names of the enclosing types, outermost first (empty for a top-level type)
     * @param start first line (javadoc, comment or annotation), 1-based
     * @param nameLine the line of its name
     * @param headerEnd for a type, the line of its opening brace; else {@code end}
     * @param end last line
     */
    public record Decl(DeclKind kind, String name, List<String> owner, int start, int nameLine, int headerEnd, int end) {}

    private record Tok(String text, int line) {}

    private static final Set<String> TYPE_KEYWORDS = Set.of("class", "interface", "enum", "record");

    private final List<Tok> toks = new ArrayList<>();
    private final List<int[]> comments = new ArrayList<>();
    private final List<Decl> decls = new ArrayList<>();
    private int pos;

    private JavaSourceIndex() {}

    /** Indexes one source file's text. Throws {@link IllegalArgumentException} if it cannot be read as Java. */
    public static List<Decl> parse(String source) {
        JavaSourceIndex ix = new JavaSourceIndex();
        ix.lex(source);
        try {
            ix.compilationUnit();
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("unbalanced braces or parentheses", e);
        }
        return List.copyOf(ix.decls);
    }

    private void lex(String s) {
        int line = 1;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                comments.add(new int[] {line, line});
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int startLine = line;
                i += 2;
                while (i < n && !(s.charAt(i) == '*' && i + 1 < n && s.charAt(i + 1) == '/')) {
                    if (s.charAt(i) == '\n') {
                        line++;
                    }
                    i++;
                }
                i += 2;
                comments.add(new int[] {startLine, line});
            } else if (c == '"' && s.startsWith("\"\"\"", i)) {
                int startLine = line;
                i += 3;
                while (i < n && !s.startsWith("\"\"\"", i)) {
                    if (s.charAt(i) == '\\') {
                        i++;
                    } else if (s.charAt(i) == '\n') {
                        line++;
                    }
                    i++;
                }
                i += 3;
                toks.add(new Tok("\"\"", startLine));
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && s.charAt(i) != c && s.charAt(i) != '\n') {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    i++;
                }
                i++;
                toks.add(new Tok("\"\"", line));
            } else if (Character.isJavaIdentifierStart(c)) {
                int b = i;
                while (i < n && Character.isJavaIdentifierPart(s.charAt(i))) {
                    i++;
                }
                toks.add(new Tok(s.substring(b, i), line));
            } else if (Character.isDigit(c)) {
                int b = i;
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '.')) {
                    i++;
                }
                toks.add(new Tok(s.substring(b, i), line));
            } else {
                toks.add(new Tok(String.valueOf(c), line));
                i++;
            }
        }
    }

    private String tok(int i) {
        return i < toks.size() ? toks.get(i).text() : "";
    }

    private int line(int i) {
        return toks.get(i).line();
    }

    private void compilationUnit() {
        while (pos < toks.size()) {
            String t = tok(pos);
            if (t.equals("package") || t.equals("import")) {
                while (!tok(pos).equals(";")) {
                    pos++;
                }
                pos++;
            } else if (t.equals(";")) {
                pos++;
            } else {
                member(List.of());
            }
        }
    }

    /** At a type body's first token: reads members up to the closing brace, leaving pos on it. */
    private void body(List<String> path, boolean isEnum) {
        if (isEnum) {
            int depth = 0;
            while (true) {
                String t = tok(pos);
                if (depth == 0 && t.equals("}")) {
                    return;
                }
                if (depth == 0 && t.equals(";")) {
                    pos++;
                    break;
                }
                if (t.equals("(") || t.equals("{")) {
                    depth++;
                } else if (t.equals(")") || t.equals("}")) {
                    depth--;
                }
                pos++;
            }
        }
        while (!tok(pos).equals("}")) {
            if (tok(pos).equals(";")) {
                pos++;
            } else {
                member(path);
            }
        }
    }

    /** Skips a balanced group opening at pos; returns the index of its closing token, pos after it. */
    private int skipBalanced() {
        String open = tok(pos);
        String close = open.equals("(") ? ")" : open.equals("{") ? "}" : "]";
        int depth = 0;
        while (true) {
            String t = tok(pos);
            if (t.equals(open)) {
                depth++;
            } else if (t.equals(close)) {
                depth--;
                if (depth == 0) {
                    return pos++;
                }
            }
            pos++;
            if (pos > toks.size()) {
                throw new IndexOutOfBoundsException("unbalanced " + open);
            }
        }
    }

    private void member(List<String> path) {
        int startTok = pos;
        while (tok(pos).equals("@") && !tok(pos + 1).equals("interface")) {
            pos += 2;
            while (tok(pos).equals(".")) {
                pos += 2;
            }
            if (tok(pos).equals("(")) {
                skipBalanced();
            }
        }
        int j = pos;
        while (true) {
            if (j >= toks.size()) {
                throw new IndexOutOfBoundsException("declaration runs off the end");
            }
            String t = tok(j);
            boolean annotationType = t.equals("@") && tok(j + 1).equals("interface");
            if (TYPE_KEYWORDS.contains(t) || annotationType) {
                int nameIdx = annotationType ? j + 2 : j + 1;
                String name = tok(nameIdx);
                pos = nameIdx;
                while (!tok(pos).equals("{")) {
                    if (tok(pos).equals("(")) {
                        skipBalanced();
                    } else {
                        pos++;
                    }
                }
                int open = pos++;
                List<String> inner = new ArrayList<>(path);
                inner.add(name);
                body(List.copyOf(inner), t.equals("enum"));
                int close = pos++;
                decls.add(new Decl(DeclKind.TYPE, name, path, startLine(startTok), line(nameIdx), line(open), line(close)));
                return;
            }
            if (t.equals("{")) {
                pos = j;
                skipBalanced();
                return;
            }
            if (t.equals("(")) {
                int nameIdx = j - 1;
                pos = j;
                skipBalanced();
                while (!tok(pos).equals("{") && !tok(pos).equals(";")) {
                    pos++;
                }
                int last = tok(pos).equals("{") ? skipBalanced() : pos++;
                decls.add(new Decl(DeclKind.METHOD, tok(nameIdx), path, startLine(startTok), line(nameIdx), line(last), line(last)));
                return;
            }
            if (t.equals("=") || t.equals(";") || t.equals(",")) {
                int nameIdx = j - 1;
                pos = j;
                while (!tok(pos).equals(";")) {
                    String u = tok(pos);
                    if (u.equals("(") || u.equals("{") || u.equals("[")) {
                        skipBalanced();
                    } else {
                        pos++;
                    }
                }
                int last = pos++;
                decls.add(new Decl(DeclKind.FIELD, tok(nameIdx), path, startLine(startTok), line(nameIdx), line(last), line(last)));
                return;
            }
            j++;
        }
    }

    /** The first token's line, widened up over comments that begin after the previous token's line. */
    private int startLine(int startTok) {
        int first = line(startTok);
        int prev = startTok == 0 ? 0 : line(startTok - 1);
        int start = first;
        for (int[] c : comments) {
            if (c[0] > prev && c[1] <= first) {
                start = Math.min(start, c[0]);
            }
        }
        return start;
    }
}
