// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

/** HTML text and attribute escaping. Everything read from a source file goes through {@link #esc}. */
public final class Html {
    private Html() {}

    /** Escapes {@code & < > " '} so {@code s} reads as text in an element or a quoted attribute. */
    public static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** An {@code id} for a kernel name: letters, digits, {@code _ . -} kept, anything else {@code -}. */
    public static String id(String kernelName) {
        String s = kernelName.replaceAll("[^A-Za-z0-9_.-]", "-");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) && s.charAt(0) != '_' ? "e-" + s : s;
    }
}
