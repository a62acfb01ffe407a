// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.mmulab.docs.Html.esc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import com.github.difflib.DiffUtils;
import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.DeltaType;
import com.github.difflib.patch.Patch;
import org.mmulab.docs.JavaLocator.Located;
import org.mmulab.docs.JavaSourceIndex.Decl;

/**
 * {@code start.html}: the port read in the order of the story. The seed commit's two functions
 * first, each with its {@code v3.15} pre-image (kernel-port's {@code variant_v3_15}) beside the
 * v3.16 Java, then the spte bits, {@code spte_write_protect}, the rmaps, the fault path and the TLB
 * flush request path; every entry links to its row on its file page.
 */
public final class StartPage {
    /** The class holding the seed commit's pre-image methods. */
    public static final String V3_15 = "org.mmulab.kernel.variants.variant_v3_15";

    /** One step of the story: a heading, what to read it for, and the kernel names in reading order. */
    public record Section(String id, String title, String text, List<Entry> entries) {}

    /** A kernel name and what to look for in it (may be empty). */
    public record Entry(String kernelName, String look) {}

    /** The seed commit's two functions, with what the commit moved in each. */
    static final List<Entry> SEED = List.of(
            new Entry("kvm_mmu_slot_remove_write_access",
                    "v3.15 calls kvm_flush_remote_tlbs inside mmu_lock, before every cond_resched_lock and once more before "
                            + "spin_unlock. The commit drops the flush at the lock break, unlocks first, asserts that slots_lock "
                            + "is held, and flushes once after spin_unlock."),
            new Entry("kvm_vm_ioctl_get_dirty_log",
                    "v3.15 flushes (when a bitmap word was dirty) before spin_unlock(mmu_lock). The commit moves that flush "
                            + "after spin_unlock, still under slots_lock, with an assertion that slots_lock is held."));

    /** The story after the seed commit, in reading order. */
    static final List<Section> STORY = List.of(
            new Section("bits", "The spte bits", "The writable bit the hardware reads, and the two bits KVM keeps in the bits "
                    + "the hardware ignores: whether the host page may be written, and whether the MMU may make the spte writable "
                    + "again without taking mmu_lock.", List.of(
                    new Entry("PT_WRITABLE_MASK", "bit 1, the W bit the hardware checks"),
                    new Entry("PT_PRESENT_MASK", ""),
                    new Entry("SPTE_HOST_WRITEABLE", "the host allows writes to the page"),
                    new Entry("SPTE_MMU_WRITEABLE", "the MMU allows W to be set back without mmu_lock"),
                    new Entry("is_writable_pte", ""),
                    new Entry("spte_is_locklessly_modifiable", "both bits set: fast_page_fault may restore W"))),
            new Section("spte", "Write-protecting one spte", "Clearing W in one spte, and how mmu_spte_update answers whether "
                    + "a TLB flush is owed.", List.of(
                    new Entry("spte_write_protect", "pt_protect also clears SPTE_MMU_WRITEABLE"),
                    new Entry("mmu_spte_update", "the flush-owed answer comes from SPTE_MMU_WRITEABLE, not W"),
                    new Entry("spte_has_volatile_bits", ""),
                    new Entry("mmu_spte_set", ""))),
            new Section("rmaps", "The rmaps", "For each guest frame, the sptes that map it: one spte address, or a chain of "
                    + "pte_list_desc blocks; write protection walks them.", List.of(
                    new Entry("struct pte_list_desc", ""),
                    new Entry("pte_list_add", "the tagged head: bit 0 clear is one spte, bit 0 set a chain"),
                    new Entry("pte_list_remove", ""),
                    new Entry("rmap_add", ""),
                    new Entry("struct rmap_iterator", ""),
                    new Entry("rmap_get_first", ""),
                    new Entry("rmap_get_next", ""),
                    new Entry("__rmap_write_protect", "every spte of one rmap, through spte_write_protect"),
                    new Entry("kvm_mmu_write_protect_pt_masked", "one dirty-bitmap word, its rmaps"),
                    new Entry("rmap_write_protect", ""))),
            new Section("fault", "The fault path", "A write to a write-protected page faults; the fast path sets W back "
                    + "without mmu_lock, the slow path under it.", List.of(
                    new Entry("kvm_mmu_page_fault", ""),
                    new Entry("tdp_page_fault", ""),
                    new Entry("page_fault_can_be_fast", ""),
                    new Entry("fast_page_fault", "the lockless cmpxchg64 that sets W back"),
                    new Entry("__direct_map", ""),
                    new Entry("mmu_set_spte", ""),
                    new Entry("set_spte", ""))),
            new Section("flush", "The flush request path", "A remote TLB flush is a request to every vCPU, and a kick to the "
                    + "ones in guest mode; each flushes before it enters the guest again.", List.of(
                    new Entry("kvm_flush_remote_tlbs", ""),
                    new Entry("make_all_cpus_request", "set the request, kick the vCPUs in guest mode, wait for them"),
                    new Entry("KVM_REQ_TLB_FLUSH", ""),
                    new Entry("kvm_make_request", ""),
                    new Entry("ack_flush", ""),
                    new Entry("kvm_check_request", ""),
                    new Entry("vcpu_enter_guest", "checks the request before entering the guest"),
                    new Entry("kvm_mmu_flush_tlb", ""),
                    new Entry("vmx_flush_tlb", ""))));

    private StartPage() {}

    /** Every kernel name the start page lists, in order (the seed's first). */
    public static List<String> storyNames() {
        List<String> out = new ArrayList<>();
        SEED.forEach(e -> out.add(e.kernelName()));
        STORY.forEach(s -> s.entries().forEach(e -> out.add(e.kernelName())));
        return out;
    }

    /**
     * The first row of each kernel name, {@code page#id}, from {@link SiteGenerator#anchors}: a
     * function before any other kind of the same name.
     */
    static Map<String, Map.Entry<Citation, String>> byName(Map<Citation, String> anchors) {
        Map<String, Map.Entry<Citation, String>> out = new LinkedHashMap<>();
        for (Map.Entry<Citation, String> a : anchors.entrySet()) {
            Citation c = a.getKey();
            Map.Entry<Citation, String> had = out.get(c.kernelName());
            if (had == null || !had.getKey().kind().equals("function") && c.kind().equals("function")) {
                out.put(c.kernelName(), a);
            }
        }
        return out;
    }

    /**
     * The start page.
     *
     * @param anchors every citation's row, {@code page#id}
     * @param java where the Java is (the {@code v3.15} methods are looked up there too)
     * @param hasWalkthrough whether {@code walkthrough.html} is written beside it
     * @param mode the page's mode line (HTML)
     * @param head the page's head, up to and including {@code <body>}
     */
    static String render(Map<Citation, String> anchors, JavaLocator java, boolean hasWalkthrough, String mode, String head) {
        Map<String, Map.Entry<Citation, String>> names = byName(anchors);
        StringBuilder b = new StringBuilder(head);
        b.append("<p class=\"nav\"><a href=\"index.html\">all kernel files</a>");
        if (hasWalkthrough) {
            b.append(" · <a href=\"walkthrough.html\">the walkthrough</a>");
        }
        b.append("</p>\n<h1>Start here: the seed commit, then what it rests on</h1>\n");
        b.append("<p>The Linux v3.16 commit <em>KVM: MMU: flush tlb out of mmu lock when write-protect the sptes</em> "
                + "moves two TLB flushes out of <code>mmu_lock</code>. Read its two functions first, then the pieces that make the "
                + "move safe, in the order of ");
        b.append(hasWalkthrough ? "<a href=\"walkthrough.html\">the walkthrough</a>" : "the walkthrough (docs/walkthrough.md)");
        b.append(". Each name links to its row on its file page, C beside Java.</p>\n");
        b.append("<p class=\"mode\">").append(mode).append("</p>\n");
        b.append("<ol class=\"story\">\n<li><a href=\"#seed\">The seed commit</a></li>\n");
        STORY.forEach(s -> b.append("<li><a href=\"#").append(s.id()).append("\">").append(esc(s.title())).append("</a></li>\n"));
        b.append("</ol>\n");

        b.append("<h2 id=\"seed\">The seed commit: v3.15 beside v3.16</h2>\n");
        for (Entry e : SEED) {
            Map.Entry<Citation, String> a = names.get(e.kernelName());
            if (a == null) {
                continue;
            }
            b.append("<div class=\"entry seed\">\n<h3>").append(link(e.kernelName(), a)).append("</h3>\n");
            b.append("<p class=\"moved\">").append(esc(e.look())).append("</p>\n");
            b.append(seedDiff(java, new Citation.JavaElement(V3_15, Citation.Kind.METHOD, e.kernelName(), ""), a.getKey().java()))
                    .append("</div>\n");
        }
        for (Section s : STORY) {
            b.append("<h2 id=\"").append(s.id()).append("\">").append(esc(s.title())).append("</h2>\n<p>").append(esc(s.text()))
                    .append("</p>\n<ul class=\"entries\">\n");
            for (Entry e : s.entries()) {
                Map.Entry<Citation, String> a = names.get(e.kernelName());
                if (a == null) {
                    continue;
                }
                b.append("<li class=\"entry\">").append(link(e.kernelName(), a));
                if (!e.look().isEmpty()) {
                    b.append(" <span class=\"look\">").append(esc(e.look())).append("</span>");
                }
                b.append("</li>\n");
            }
            b.append("</ul>\n");
        }
        if (hasWalkthrough) {
            b.append("<p>Then read <a href=\"walkthrough.html\">the walkthrough</a> for why each step is safe, "
                    + "or browse <a href=\"index.html\">every kernel file</a>.</p>\n");
        }
        return b.append("</body>\n</html>\n").toString();
    }

    private static String link(String name, Map.Entry<Citation, String> a) {
        Citation c = a.getKey();
        return "<a class=\"row\" href=\"" + esc(a.getValue()) + "\"><code>" + esc(name) + "</code></a> <span class=\"kind\">"
                + esc(c.kind()) + "</span> <span class=\"where\">" + esc(c.file()) + ":" + esc(c.lines()) + "</span>";
    }

    /** A Java element's location, or empty when it is not in these sources. */
    private static Optional<Located> locate(JavaLocator java, Citation.JavaElement e) {
        try {
            return Optional.of(java.locate(e));
        } catch (IllegalArgumentException x) {
            return Optional.empty();
        }
    }

    /** One side of the seed diff: a Java line's number (0 for none) and its text, indent removed. */
    record Side(int line, String text) {
        static final Side NONE = new Side(0, null);
    }

    /**
     * A row of the seed diff: {@code same} (the line is in both), {@code del} (v3.15 only),
     * {@code ins} (v3.16 only) or {@code chg} (one replaced by the other).
     */
    record DiffRow(String kind, Side before, Side after) {}

    /**
     * The body lines of a method from its declaration on (javadoc and annotations are on its file
     * page row), without exercise region marks and kit or fix lines, which are not code that runs.
     */
    static List<Side> bodyLines(Located l) {
        Decl d = l.decl();
        List<String> lines = l.lines();
        int indent = Integer.MAX_VALUE;
        for (int i = d.nameLine(); i <= d.end() && i <= lines.size(); i++) {
            String s = lines.get(i - 1);
            if (!s.isBlank()) {
                indent = Math.min(indent, s.length() - s.stripLeading().length());
            }
        }
        List<Side> out = new ArrayList<>();
        for (int i = d.nameLine(); i <= d.end() && i <= lines.size(); i++) {
            String s = lines.get(i - 1);
            String t = s.strip();
            if (t.startsWith("// kit:") || t.startsWith("// fix:") || t.startsWith("// >>>") || t.startsWith("// <<<")) {
                continue;
            }
            out.add(new Side(i, s.isBlank() ? "" : s.substring(Math.min(indent, s.length()))));
        }
        return out;
    }

    /**
     * The rows of the two bodies' line diff (java-diff-utils' Myers diff over the lines with
     * whitespace collapsed): unchanged lines side by side, a removed line on the left only, an
     * added one on the right only, a changed block pairwise.
     */
    static List<DiffRow> diffRows(List<Side> before, List<Side> after) {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        before.forEach(x -> a.add(x.text().strip().replaceAll("\\s+", " ")));
        after.forEach(x -> b.add(x.text().strip().replaceAll("\\s+", " ")));
        Patch<String> patch = DiffUtils.diff(a, b);
        List<DiffRow> rows = new ArrayList<>();
        int i = 0;
        int j = 0;
        for (AbstractDelta<String> delta : patch.getDeltas()) {
            int ds = delta.getSource().getPosition();
            int dt = delta.getTarget().getPosition();
            while (i < ds && j < dt) {
                rows.add(new DiffRow("same", before.get(i++), after.get(j++)));
            }
            int n = delta.getSource().size();
            int m = delta.getTarget().size();
            String kind = delta.getType() == DeltaType.DELETE ? "del" : delta.getType() == DeltaType.INSERT ? "ins" : "chg";
            for (int k = 0; k < Math.max(n, m); k++) {
                Side l = k < n ? before.get(i + k) : Side.NONE;
                Side r = k < m ? after.get(j + k) : Side.NONE;
                rows.add(new DiffRow(l.line() == 0 ? "ins" : r.line() == 0 ? "del" : kind, l, r));
            }
            i += n;
            j += m;
        }
        while (i < before.size() && j < after.size()) {
            rows.add(new DiffRow("same", before.get(i++), after.get(j++)));
        }
        return rows;
    }

    /**
     * The seed commit's change to one function as a two-column diff of the port's Java: the
     * {@code v3.15} pre-image on the left, v3.16 on the right, a line per row, changed rows marked.
     */
    static String seedDiff(JavaLocator java, Citation.JavaElement v315, Citation.JavaElement v316) {
        Optional<Located> before = locate(java, v315);
        Optional<Located> after = locate(java, v316);
        if (before.isEmpty() || after.isEmpty()) {
            return "<p class=\"note\">" + esc((before.isEmpty() ? v315 : v316).display()) + " is not in these sources.</p>\n";
        }
        List<DiffRow> rows = diffRows(bodyLines(before.get()), bodyLines(after.get()));
        long changed = rows.stream().filter(r -> !r.kind().equals("same")).count();
        StringBuilder b = new StringBuilder();
        b.append("<table class=\"pair seeddiff\"><colgroup><col class=\"n\"><col><col class=\"n\"><col></colgroup>\n<thead><tr><th colspan=\"2\">")
                .append("v3.15, before the commit (<code>variant_v3_15</code>, <code>--variant v3.15</code>) <span class=\"where\">")
                .append(esc(fileName(before.get()))).append("</span></th><th colspan=\"2\">v3.16 (<code>").append(esc(v316.display()))
                .append("</code>) <span class=\"where\">").append(esc(fileName(after.get()))).append("</span></th></tr></thead>\n<tbody>\n");
        for (DiffRow r : rows) {
            b.append("<tr class=\"").append(r.kind()).append("\">").append(cell(r.before())).append(cell(r.after()))
                    .append("</tr>\n");
        }
        b.append("</tbody></table>\n<p class=\"legend\">").append(changed).append(changed == 1 ? " line differs" : " lines differ")
                .append(": <span class=\"del\">only in v3.15</span>, <span class=\"ins\">only in v3.16</span>, "
                        + "<span class=\"chg\">changed</span>. The javadoc of each is on its file page row.</p>\n");
        return b.toString();
    }

    private static String fileName(Located l) {
        return l.path().substring(l.path().lastIndexOf('/') + 1) + ":" + l.decl().nameLine() + "-" + l.decl().end();
    }

    private static String cell(Side s) {
        if (s.line() == 0) {
            return "<td class=\"n\"></td><td class=\"gap\"></td>";
        }
        return "<td class=\"n\">" + s.line() + "</td><td><code>" + esc(s.text()) + "</code></td>";
    }

    /**
     * What a page says when there is no tree: where to get one, and which directories
     * {@code --kernel-src} reads (the cited files' directories, and the top Makefile for the version).
     */
    static String noTreeNote(List<Citation> citations) {
        TreeSet<String> dirs = new TreeSet<>();
        citations.forEach(c -> dirs.add(c.file().contains("/") ? c.file().substring(0, c.file().lastIndexOf('/')) + "/" : "./"));
        StringBuilder b = new StringBuilder("<span class=\"tree-note\">To see the C beside the Java, get a Linux v3.16 tree: any "
                + "checkout of the mainline tag <code>v3.16</code> (for example <code>git clone --depth 1 --branch v3.16 "
                + "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git</code>, or "
                + "<code>linux-3.16.tar.xz</code> from kernel.org), then run <code>./mmulab docs --kernel-src DIR</code>. "
                + "It reads the top <code>Makefile</code> (to check the version) and the cited files in ");
        b.append(dirs.size()).append(dirs.size() == 1 ? " directory: " : " directories: ");
        List<String> shown = new ArrayList<>();
        dirs.forEach(d -> shown.add("<code>" + esc(d) + "</code>"));
        return b.append(String.join(", ", shown)).append(".</span>").toString();
    }

    static final String CSS = String.join("\n",
            "ol.story{columns:2 16em}ul.entries{list-style:none;padding-left:.5em}ul.entries li{margin:.2em 0}",
            ".entry .look,.moved{color:#444}.entry .look:before{content:'\\2014  '}",
            "table.pair{border-collapse:collapse;width:100%;table-layout:fixed}table.pair th{text-align:left;background:#eef1f5;padding:.3em .6em}",
            "table.pair td{vertical-align:top;padding:.3em .6em;border-top:1px solid #d0d7de}table.pair td:first-child{background:#f6f8fa}",
            "table.pair pre{white-space:pre-wrap;overflow-wrap:anywhere}",
            "table.seeddiff td{padding:0 .4em;border-top:none;font-size:85%}table.seeddiff col.n{width:3em}",
            "table.seeddiff td.n{color:#8c959f;text-align:right;user-select:none;background:#f6f8fa}",
            "table.seeddiff code{white-space:pre-wrap;overflow-wrap:anywhere}table.seeddiff td:first-child{background:#f6f8fa}",
            "table.seeddiff tr.del td:nth-child(2),.legend .del{background:#ffebe9}table.seeddiff tr.ins td:nth-child(4),.legend .ins{background:#dafbe1}",
            "table.seeddiff tr.chg td:nth-child(2),table.seeddiff tr.chg td:nth-child(4),.legend .chg{background:#fff8c5}",
            "table.seeddiff td.gap{background:#f6f8fa}.legend{color:#57606a;font-size:85%}",
            ".tree-note{display:block;margin-top:.3em}",
            ".md pre{background:#f6f8fa;padding:.5em;overflow-x:auto}.md table{border-collapse:collapse}.md td,.md th{border:1px solid #d0d7de;padding:.2em .5em}",
            ".md img{max-width:100%}",
            "") + "\n";
}
