// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmulab.examples.report.CodeLinks;
import org.mmulab.examples.report.StepLinks;

/**
 * The links of the report pages ({@code mmulab run/explore --html}, examples' CodeLinks and
 * StepLinks) each name a row this generator writes for the port: the page and the row id.
 */
class ReportLinksTest {
    /** Frames as the agent prints them in {@code run migrate --variant no-slots-lock}, and more of the port. */
    static final String REPORT = """
            Call Trace:
             org.mmulab.kernel.linux.lockdep.lockdep_assert_held(lockdep.java:24)
             org.mmulab.kernel.arch.x86.kvm.x86.kvm_vm_ioctl_get_dirty_log(x86.java)
             org.mmulab.kernel.virt.kvm.kvm_main.kvm_vm_ioctl(kvm_main.java:841)
             org.mmulab.kernel.arch.x86.kvm.mmu.kvm_mmu_slot_remove_write_access(mmu.java:4300)
             org.mmulab.kernel.arch.x86.kvm.mmu.spte_write_protect(mmu.java:1200)
             org.mmulab.kernel.arch.x86.kvm.mmu.mmu_spte_update(mmu.java:500)
             org.mmulab.kernel.virt.kvm.kvm_main.kvm_flush_remote_tlbs(kvm_main.java:140)
             org.mmulab.examples.vmm.Migration.ioctl(Migration.java:160)
            """;
    /** Timeline rows as explore prints them. */
    static final String TIMELINE = String.join("\n",
            "   2564  KVM_SET_USER_MEMORY_REGION",
            "   2575                                      KVM_GET_DIRTY_LOG",
            "   2582  slot write-protect",
            "   2590                                      kick vcpu0",
            "   2591  kvm_flush_remote_tlbs",
            "   2592  KVM_CREATE_VCPU");
    static final Pattern HREF = Pattern.compile("href=\"site/([^\"#]+)#([^\"]+)\"");

    static Map<String, String> site;

    @BeforeAll
    static void generate() {
        site = new SiteGenerator(CitationScanner.port(), new JavaLocator(FixtureTree.portJavaSrc(),
                ReportLinksTest.class.getClassLoader()), null, "kernel-port/src/main/java/").render().pages();
    }

    private static List<String> checked(String markup) {
        List<String> ids = new ArrayList<>();
        Matcher m = HREF.matcher(markup);
        while (m.find()) {
            String page = m.group(1);
            String id = m.group(2);
            assertTrue(site.containsKey(page), "no page " + page);
            assertTrue(site.get(page).contains("<tr id=\"" + id + "\""), "no row " + id + " on " + page);
            ids.add(page + "#" + id);
        }
        return ids;
    }

    @Test
    void everyLinkedFrameNamesARowOfTheSite() {
        CodeLinks links = new CodeLinks("site/", getClass().getClassLoader());
        assertEquals(List.of("include/linux/lockdep.h.html#lockdep_assert_held", "arch/x86/kvm/x86.c.html#kvm_vm_ioctl_get_dirty_log",
                "virt/kvm/kvm_main.c.html#kvm_vm_ioctl", "arch/x86/kvm/mmu.c.html#kvm_mmu_slot_remove_write_access",
                "arch/x86/kvm/mmu.c.html#spte_write_protect", "arch/x86/kvm/mmu.c.html#mmu_spte_update",
                "virt/kvm/kvm_main.c.html#kvm_flush_remote_tlbs"), checked(links.linkFrames(REPORT)));
    }

    @Test
    void everyLinkedStepNamesARowOfTheSite() {
        StepLinks steps = new StepLinks(new CodeLinks("site/", getClass().getClassLoader()));
        assertEquals(List.of("virt/kvm/kvm_main.c.html#kvm_vm_ioctl_set_memory_region", "arch/x86/kvm/x86.c.html#kvm_vm_ioctl_get_dirty_log",
                "arch/x86/kvm/mmu.c.html#kvm_mmu_slot_remove_write_access", "virt/kvm/kvm_main.c.html#kvm_vcpu_kick",
                "virt/kvm/kvm_main.c.html#kvm_flush_remote_tlbs", "virt/kvm/kvm_main.c.html#kvm_vm_ioctl_create_vcpu"),
                checked(steps.link(TIMELINE)));
    }
}
