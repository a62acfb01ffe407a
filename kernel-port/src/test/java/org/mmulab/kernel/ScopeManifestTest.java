// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mmulab.kernel.testing.Citations;
import org.mmulab.kernel.testing.Citations.Citation;

/**
 * The scope manifest ({@code org/mmulab/kernel/scope.tsv}) is the port's own list of what it
 * ports. Every entry must be present in the code with exactly that citation, every citation in the
 * code must be listed, and every element the kernel-port issue names must be there.
 *
 * <p>After a deliberate change of scope, regenerate the file with
 * {@code mvn -pl kernel-port test -Dtest=ScopeManifestTest -Dmmulab.scope.write=true} and review
 * the diff.
 */
class ScopeManifestTest {
    static final String RESOURCE = "/org/mmulab/kernel/scope.tsv";
    static final String HEADER = "kernel_name\tkind\tfile\tv3.16_lines\tjava";

    /** The elements the kernel-port issue lists by name (with kernel spelling). */
    static final List<String> REQUIRED = List.of(
            // 1. mmu.h and the spte helpers
            "PT_PRESENT_MASK", "PT_WRITABLE_MASK", "SPTE_HOST_WRITEABLE", "SPTE_MMU_WRITEABLE",
            "shadow_nx_mask", "shadow_x_mask", "shadow_user_mask", "shadow_accessed_mask", "shadow_dirty_mask",
            "kvm_mmu_set_mask_ptes", "is_writable_pte", "is_shadow_present_pte", "is_large_pte", "is_rmap_spte",
            "is_last_spte", "spte_to_pfn", "spte_is_locklessly_modifiable", "spte_has_volatile_bits",
            "spte_is_bit_cleared", "__set_spte", "__update_clear_spte_fast", "__update_clear_spte_slow",
            "mmu_spte_set", "mmu_spte_update", "mmu_spte_clear_track_bits", "mmu_spte_clear_no_track",
            "mmu_spte_get_lockless",
            // 2. rmaps
            "pte_list_add", "pte_list_remove", "pte_list_walk", "struct pte_list_desc", "PTE_LIST_EXT", "rmap_add",
            "rmap_remove", "rmap_get_first", "rmap_get_next", "__gfn_to_rmap", "gfn_to_rmap", "drop_spte",
            // 3. write protection
            "spte_write_protect", "__rmap_write_protect", "rmap_write_protect", "kvm_mmu_write_protect_pt_masked",
            "kvm_mmu_slot_remove_write_access",
            // 4. the TDP fault path
            "tdp_page_fault", "page_fault_can_be_fast", "fast_page_fault", "fast_pf_fix_direct_spte", "__direct_map",
            "kvm_mmu_get_page", "link_shadow_page", "mmu_set_spte", "set_spte", "mapping_level",
            "mapping_level_dirty_bitmap", "shadow_walk_init", "shadow_walk_okay", "shadow_walk_next",
            "walk_shadow_page_lockless_begin", "walk_shadow_page_lockless_end", "mmu_alloc_direct_roots",
            "account_shadowed",
            // 5. x86.c
            "kvm_vm_ioctl_get_dirty_log", "kvm_arch_commit_memory_region",
            // 6. kvm_main.c and kvm_host.h
            "struct kvm", "struct kvm_vcpu", "struct kvm_memory_slot", "struct kvm_memslots", "id_to_memslot",
            "gfn_to_memslot", "kvm_dirty_bitmap_bytes", "__kvm_set_memory_region", "KVM_MEM_LOG_DIRTY_PAGES",
            "mark_page_dirty", "kvm_flush_remote_tlbs", "make_all_cpus_request", "kvm_make_request",
            "kvm_check_request", "KVM_REQ_TLB_FLUSH", "kvm_vm_ioctl", "KVM_SET_USER_MEMORY_REGION",
            "KVM_GET_DIRTY_LOG",
            // 7. include/linux primitives
            "spinlock_t", "spin_lock", "spin_unlock", "spin_needbreak", "cond_resched_lock", "struct mutex",
            "mutex_lock", "mutex_unlock", "srcu_read_lock", "srcu_read_unlock", "need_resched",
            "lockdep_assert_held", "might_sleep", "__ffs", "xchg", "cmpxchg64", "set_bit_le");

    static List<String> manifestRows() throws IOException {
        try (InputStream in = ScopeManifestTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " missing");
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).collect(Collectors.toList());
            assertEquals(HEADER, lines.get(0), "manifest header");
            return lines.subList(1, lines.size());
        }
    }

    @Test
    void manifestAndCitationsAgreeEntryForEntry() throws IOException {
        List<String> code = Citations.all().stream().map(Citation::tsv).collect(Collectors.toList());
        if (Boolean.getBoolean("mmulab.scope.write")) {
            Path out = Paths.get("src/main/resources/org/mmulab/kernel/scope.tsv");
            List<String> text = new ArrayList<>();
            text.add("# The kernel elements mmulab ports, one per line, generated from the @KernelSource citations.");
            text.add("# Regenerate: mvn -pl kernel-port test -Dtest=ScopeManifestTest -Dmmulab.scope.write=true");
            text.add(HEADER);
            text.addAll(code);
            Files.createDirectories(out.getParent());
            Files.write(out, text, StandardCharsets.UTF_8);
            return;
        }
        List<String> manifest = manifestRows();
        Set<String> missingInCode = new TreeSet<>(manifest);
        missingInCode.removeAll(code);
        Set<String> missingInManifest = new TreeSet<>(code);
        missingInManifest.removeAll(manifest);
        assertEquals("", String.join("\n", missingInCode),
                "manifest entries with no matching @KernelSource (element gone, renamed, or re-cited)");
        assertEquals("", String.join("\n", missingInManifest),
                "@KernelSource citations not in the manifest (regenerate with -Dmmulab.scope.write=true)");
        assertEquals(new LinkedHashSet<>(manifest).size(), manifest.size(), "duplicate manifest rows");
    }

    @Test
    void everyElementTheIssueNamesIsInScope() throws IOException {
        Set<String> names = manifestRows().stream().map(r -> r.split("\t")[0]).collect(Collectors.toSet());
        List<String> absent = REQUIRED.stream().filter(n -> !names.contains(n)).collect(Collectors.toList());
        assertTrue(absent.isEmpty(), "required by the kernel-port issue but not in the manifest: " + absent);
    }

    @Test
    void everyManifestRowIsWellFormed() throws IOException {
        for (String row : manifestRows()) {
            String[] f = row.split("\t", -1);
            assertEquals(5, f.length, row);
            assertTrue(f[1].matches("function|macro|constant|variable|struct|union|enum|file"), row);
            assertTrue(f[3].matches("\\d+(-\\d+)?"), row);
            assertTrue(f[4].matches("[a-z0-9_.]+\\.[A-Za-z0-9_.]+(#[A-Za-z0-9_$]+)?"), row);
        }
    }
}
