// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the generator's HTML, as written or as a browser serialized it: element rows with the text
 * of their two cells, and the site's internal links.
 */
final class SiteText {
    private SiteText() {}

    /** One element row: its id, and the C and Java cells as HTML and as text (a page without a tree has no C cell: empty). */
    record Row(String id, String cHtml, String javaHtml) {
        String cText() {
            return text(cHtml);
        }

        String javaText() {
            return text(javaHtml);
        }
    }

    private static final Pattern ROW = Pattern.compile(
            "<tr id=\"([^\"]*)\" class=\"elem[^\"]*\">\\s*(?:<td class=\"c\">(.*?)</td>\\s*)?<td class=\"java\">(.*?)</td>\\s*</tr>"
                    + "((?:\\s*<tr class=\"al\"[^>]*>.*?</tr>)*)",
            Pattern.DOTALL);
    private static final Pattern ALIGNED = Pattern.compile("<tr class=\"al\"[^>]*>\\s*<td class=\"c\">(.*?)</td>\\s*<td class=\"java\">(.*?)</td>\\s*</tr>",
            Pattern.DOTALL);

    /** Rows by id, in page order; an aligned function's line rows ({@code tr.al}) are added to its cells, a line each. */
    static Map<String, Row> rows(String html) {
        Map<String, Row> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(html);
        while (m.find()) {
            StringBuilder c = new StringBuilder(m.group(2) == null ? "" : m.group(2));
            StringBuilder java = new StringBuilder(m.group(3));
            Matcher a = ALIGNED.matcher(m.group(4));
            while (a.find()) {
                c.append(a.group(1)).append('\n');
                java.append(a.group(2)).append('\n');
            }
            out.put(unescape(m.group(1)), new Row(unescape(m.group(1)), c.toString(), java.toString()));
        }
        return out;
    }

    /** The text a reader sees: tags dropped, entities decoded. */
    static String text(String html) {
        return unescape(html.replaceAll("<[^>]*>", ""));
    }

    static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&nbsp;", "\u00a0").replace("&amp;", "&");
    }

    static List<String> attr(String html, String name) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\s" + name + "=\"([^\"]*)\"").matcher(html);
        while (m.find()) {
            out.add(unescape(m.group(1)));
        }
        return out;
    }

    /**
     * Every internal {@code href} of {@code html} (a page at {@code page} inside {@code site}) that
     * does not resolve to an existing file, or to an {@code id} in it: one line each.
     */
    static List<String> brokenLinks(Path site, Path page, String html) throws IOException {
        List<String> broken = new ArrayList<>();
        for (String href : attr(html, "href")) {
            if (href.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                continue; // external (https:, mailto:)
            }
            int hash = href.indexOf('#');
            String file = hash < 0 ? href : href.substring(0, hash);
            String frag = hash < 0 ? null : href.substring(hash + 1);
            Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
            if (!target.startsWith(site.normalize()) || !Files.isRegularFile(target)) {
                broken.add(site.relativize(page) + ": " + href + " -> no file");
                continue;
            }
            if (frag != null && !frag.isEmpty()) {
                String t = Files.readString(target, StandardCharsets.UTF_8);
                if (!attr(t, "id").contains(frag)) {
                    broken.add(site.relativize(page) + ": " + href + " -> no id '" + frag + "' in " + site.relativize(target));
                }
            }
        }
        return broken;
    }

    /** {@link #brokenLinks} over every page of the site. */
    static List<String> brokenLinks(Path site) throws IOException {
        List<String> broken = new ArrayList<>();
        try (Stream<Path> s = Files.walk(site)) {
            for (Path p : (Iterable<Path>) s.filter(x -> x.toString().endsWith(".html")).sorted()::iterator) {
                broken.addAll(brokenLinks(site, p, Files.readString(p, StandardCharsets.UTF_8)));
            }
        }
        return broken;
    }
}
