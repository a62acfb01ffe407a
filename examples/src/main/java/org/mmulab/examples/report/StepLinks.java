// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Links from the rows of an explore timeline to the code each step ran: an ioctl to the kernel
 * function that serves it, a marked function to itself ({@code slot write-protect} is
 * {@code kvm_mmu_slot_remove_write_access}), a flush and a kick to theirs. Each word is resolved
 * through the port's {@code @KernelSource} ({@link CodeLinks#target}), so a link goes where the
 * annotation says, not to a place kept here; and a port function named in a row as it is spelled
 * in the kernel (a marked function) is found in the port's main classes.
 */
public final class StepLinks {
    private static final String MMU = "org.mmulab.kernel.arch.x86.kvm.mmu";
    private static final String X86 = "org.mmulab.kernel.arch.x86.kvm.x86";
    private static final String KVM_MAIN = "org.mmulab.kernel.virt.kvm.kvm_main";
    /** Where a function named in a row is looked for. */
    private static final List<String> PORT = List.of(MMU, X86, KVM_MAIN);

    /** A step's words and the port method that does it. */
    private record Word(Pattern pattern, String className, String method) {}

    private static final List<Word> WORDS = List.of(
            new Word(Pattern.compile("\\bKVM_GET_DIRTY_LOG\\b"), X86, "kvm_vm_ioctl_get_dirty_log"),
            new Word(Pattern.compile("\\bKVM_SET_USER_MEMORY_REGION\\b"), KVM_MAIN, "kvm_vm_ioctl_set_memory_region"),
            new Word(Pattern.compile("\\bKVM_CREATE_VCPU\\b"), KVM_MAIN, "kvm_vm_ioctl_create_vcpu"),
            new Word(Pattern.compile("\\bslot write-protect\\b"), MMU, "kvm_mmu_slot_remove_write_access"),
            new Word(Pattern.compile("\\bflush returns\\b"), KVM_MAIN, "kvm_flush_remote_tlbs"),
            new Word(Pattern.compile("\\bkick vcpu\\d+\\b"), KVM_MAIN, "kvm_vcpu_kick"));
    private static final Pattern NAME = Pattern.compile("\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\\b");
    /** A row of the timeline: the step number first. */
    static final Pattern ROW = Pattern.compile("^\\s+\\d+\\s.*");

    private final CodeLinks links;

    public StepLinks(CodeLinks links) {
        this.links = links;
    }

    private record Hit(int start, int end, CodeLinks.Target target) {}

    /** A timeline row escaped for XHTML, each step that names code a link to its row. */
    public String linkRow(String row) {
        List<Hit> hits = new ArrayList<>();
        for (Word w : WORDS) {
            Matcher m = w.pattern().matcher(row);
            while (m.find()) {
                CodeLinks.Target t = links.target(w.className(), w.method());
                if (t != null) {
                    hits.add(new Hit(m.start(), m.end(), t));
                }
            }
        }
        Matcher m = NAME.matcher(row);
        while (m.find()) {
            for (String c : PORT) {
                CodeLinks.Target t = links.target(c, m.group());
                if (t != null) {
                    hits.add(new Hit(m.start(), m.end(), t));
                    break;
                }
            }
        }
        hits.sort((a, b) -> Integer.compare(a.start(), b.start()));
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (Hit h : hits) {
            if (h.start() < at) {
                continue; // inside an earlier link
            }
            b.append(Xml.esc(row.substring(at, h.start())));
            b.append("<a class=\"code\" href=\"").append(Xml.esc(links.href(h.target()))).append("\" title=\"")
                    .append(Xml.esc(h.target().file() + ": " + h.target().kernelName())).append("\">")
                    .append(Xml.esc(row.substring(h.start(), h.end()))).append("</a>");
            at = h.end();
        }
        return b.append(Xml.esc(row.substring(at))).toString();
    }

    /** What explore printed, escaped: timeline rows linked by step, every other line by its frames. */
    public String link(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(ROW.matcher(line).matches() ? linkRow(line) : links.linkFrames(line));
        }
        return b.toString();
    }
}
