// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.util.List;
import java.util.Map;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Code;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * {@code docs/walkthrough.md} as a page of the site (CommonMark with GFM tables). Its code spans
 * that name a cited kernel element ({@code `spte_write_protect`}, {@code `fast_page_fault()`}) or a
 * cited kernel file become links to that row or page ({@code `docs/target/site/start.html`} to the
 * start page); links to its pictures
 * ({@code images/*.svg}) stay, the pictures copied beside it; links to other markdown pages of the
 * repository, which the site does not hold, become plain text naming the file.
 */
public final class Walkthrough {
    private Walkthrough() {}

    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());

    private static String literal(Node n) {
        StringBuilder b = new StringBuilder();
        for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
            if (c instanceof Text t) {
                b.append(t.getLiteral());
            } else if (c instanceof Code k) {
                b.append(k.getLiteral());
            } else {
                b.append(literal(c));
            }
        }
        return b.toString();
    }

    /**
     * The walkthrough's body as HTML (raw HTML in the markdown is escaped, not passed through).
     *
     * @param markdown the text of docs/walkthrough.md
     * @param names each cited kernel name's row, {@code page#id} relative to the site root
     * @param files each cited kernel file's page, relative to the site root
     */
    public static String body(String markdown, Map<String, String> names, Map<String, String> files) {
        Node doc = Parser.builder().extensions(EXTENSIONS).build().parse(markdown);
        doc.accept(new AbstractVisitor() {
            @Override
            public void visit(Code code) {
                String s = code.getLiteral().trim();
                String name = s.endsWith("()") ? s.substring(0, s.length() - 2) : s;
                String target = names.containsKey(name) ? names.get(name) : files.get(s);
                if (s.equals("docs/target/site/start.html")) {
                    target = "start.html";
                }
                if (target != null && !(code.getParent() instanceof Link)) {
                    Link l = new Link(target, target.equals("start.html") ? "the start page" : "its C and Java, side by side");
                    code.insertBefore(l);
                    code.unlink();
                    l.appendChild(code);
                }
            }

            @Override
            public void visit(Link link) {
                String d = link.getDestination();
                if (d.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") || d.startsWith("#") || d.startsWith("images/")) {
                    visitChildren(link);
                    return;
                }
                // a page of the repository the site does not hold: keep the words, name the file
                String words = literal(link);
                Node after = link;
                Node child = link.getFirstChild();
                while (child != null) {
                    Node next = child.getNext();
                    after.insertAfter(child);
                    after = child;
                    child = next;
                }
                String file = "docs/" + d.replaceFirst("#.*", "");
                if (!words.contains(file)) {
                    after.insertAfter(new Text(" (" + file + " in the repository)"));
                }
                link.unlink();
            }
        });
        return HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).build().render(doc);
    }
}
