// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.mmulab.docs.Html.esc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The site's search: {@code search-index.js} (every cited element: kernel name, kind, file and its
 * row, {@code page#id}) and, on every page, a box whose inline script matches what is typed against
 * the kernel names, in the browser: exact name first, then names starting with it, then names
 * containing it, case ignored. {@code page.html?q=NAME} opens with NAME searched; Enter follows the
 * first match. No server, no network.
 */
public final class SiteSearch {
    private SiteSearch() {}

    /** The index file, at the site root. */
    public static final String INDEX = "search-index.js";

    /** One searchable element. */
    public record Item(String name, String kind, String file, String href) {}

    /** Every citation's row (whole-file citations: their page), in the order given. */
    static List<Item> items(Map<Citation, String> anchors) {
        List<Item> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Map.Entry<Citation, String> a : anchors.entrySet()) {
            Citation c = a.getKey();
            if (seen.add(c.kernelName() + "\0" + a.getValue())) {
                out.add(new Item(c.kernelName(), c.kind(), c.file(), a.getValue()));
            }
        }
        return out;
    }

    /** {@code search-index.js}: {@code var MMULAB_SEARCH=[[name,kind,file,href],...];}. */
    static String indexJs(List<Item> items) {
        StringBuilder b = new StringBuilder("// The side-by-side site's search index, written by org.mmulab.docs.SiteSearch: [kernel name, kind, file, row].\n"
                + "var MMULAB_SEARCH=[\n");
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            b.append('[').append(js(it.name())).append(',').append(js(it.kind())).append(',').append(js(it.file())).append(',')
                    .append(js(it.href())).append(']').append(i + 1 < items.size() ? ",\n" : "\n");
        }
        return b.append("];\n").toString();
    }

    /** A JavaScript string literal, safe inside a script file or element. */
    static String js(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e || c == '<' || c == '>' || c == '&') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** The matching, as the page runs it; {@code find(q, index)} returns the matches in order. */
    static final String FIND = "function mmulabFind(q,index){q=q.trim().toLowerCase();if(!q)return [];var a=[],b=[],c=[];"
            + "for(var i=0;i<index.length;i++){var n=index[i][0].toLowerCase();if(n===q)a.push(index[i]);"
            + "else if(n.indexOf(q)===0)b.push(index[i]);else if(n.indexOf(q)>=0)c.push(index[i]);}return a.concat(b,c);}";

    /** The search box for a page {@code depth} directories below the site root. */
    static String box(String pagePath) {
        String root = "../".repeat((int) pagePath.chars().filter(ch -> ch == '/').count());
        return "<form id=\"mmulab-search\" class=\"search\" role=\"search\" data-root=\"" + esc(root) + "\">"
                + "<label>Find a kernel name <input type=\"search\" name=\"q\" autocomplete=\"off\" placeholder=\"spte_write_protect\"></label>"
                + " <a href=\"" + esc(root) + "start.html\">start</a> · <a href=\"" + esc(root) + "index.html\">files</a>"
                + "<ol class=\"hits\"></ol></form>\n"
                + "<script src=\"" + esc(root) + INDEX + "\"></script>\n"
                + "<script>\n" + FIND + "\n(function(){var f=document.getElementById('mmulab-search'),q=f.querySelector('input'),"
                + "o=f.querySelector('ol'),root=f.getAttribute('data-root'),idx=window.MMULAB_SEARCH||[],hits=[];\n"
                + "function show(){while(o.firstChild)o.removeChild(o.firstChild);hits=mmulabFind(q.value,idx);"
                + "hits.slice(0,25).forEach(function(e){var li=document.createElement('li'),a=document.createElement('a');"
                + "a.href=root+e[3];a.className='hit';a.textContent=e[0];li.appendChild(a);"
                + "var s=document.createElement('span');s.className='kind';s.textContent=' '+e[1]+' '+e[2];li.appendChild(s);o.appendChild(li);});\n"
                + "if(hits.length>25){var m=document.createElement('li');m.textContent='\\u2026 '+(hits.length-25)+' more';o.appendChild(m);}"
                + "if(q.value.trim()&&!hits.length){var n=document.createElement('li');n.textContent='no ported element by that name';o.appendChild(n);}}\n"
                + "q.addEventListener('input',show);f.addEventListener('submit',function(ev){ev.preventDefault();show();"
                + "if(hits.length)location.href=root+hits[0][3];});\n"
                + "var m=/[?&]q=([^&#]*)/.exec(location.search);if(m){q.value=decodeURIComponent(m[1].replace(/\\+/g,' '));show();}})();\n"
                + "</script>\n";
    }

    static final String CSS = String.join("\n",
            "form.search{position:relative;float:right;margin:0 0 .5em 1em;font-size:90%;z-index:3}",
            "form.search input{font:inherit;width:16em}",
            "form.search ol.hits{position:absolute;right:0;background:#fff;border:1px solid #d0d7de;margin:0;padding:.3em .6em .3em 2em;"
                    + "max-height:60vh;overflow:auto;min-width:24em;font-family:ui-monospace,monospace}",
            "form.search ol.hits:empty{display:none}",
            "") + "\n";

    /** Puts the CSS in the head and the search box first in the body of every HTML page. */
    static void inject(Map<String, String> pages, String extraCss) {
        for (Map.Entry<String, String> e : pages.entrySet()) {
            if (!e.getKey().endsWith(".html")) {
                continue;
            }
            String html = e.getValue().replaceFirst("</style>", java.util.regex.Matcher.quoteReplacement(CSS + extraCss + "</style>"));
            int body = html.indexOf("<body>\n");
            if (body >= 0) {
                int at = body + "<body>\n".length();
                html = html.substring(0, at) + box(e.getKey()) + html.substring(at);
            }
            e.setValue(html);
        }
    }
}
