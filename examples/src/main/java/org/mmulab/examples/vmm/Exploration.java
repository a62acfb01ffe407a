// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.explore.Describer;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.lockdep.explore.Body;
import org.mmulab.lockdep.explore.Sched;

/**
 * A scenario as the explorer runs it: one whole run per schedule, small enough to run hundreds
 * of times a second (1 vCPU and 8 pages by default), its output discarded, its violations
 * returned. Loaded by the variant loader like {@link Scenarios}, so the port it drives has the
 * variant swapped in; it also gives the scheduler a {@link PortProbe} for the values only the port
 * knows, and the timeline a {@link PortDescriber} for what they mean.
 */
public final class Exploration {
    private Exploration() {}

    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    /** The explorer's body for this scenario and configuration (a {@link RunConfig} as a map). */
    public static Body body(Map<String, String> configMap) {
        RunConfig base = RunConfig.fromMap(configMap);
        Sched.probe(new PortProbe());
        return seed -> {
            // the previous schedule's threads have all ended by now: its VM's pages can go
            release(RaceScenarios.booted);
            RaceScenarios.booted = null;
            RunConfig c = RunConfig.fromMap(base.toMap());
            c.seed = seed;
            RunResult r = Scenario.named(c.scenario).run(c, DISCARD, false);
            List<String> out = new ArrayList<>();
            for (Oracle.Violation v : r.violations) {
                out.add(v.toString());
            }
            for (RunResult.LostPage p : r.lostPages) {
                out.add(String.format("lost page: gfn 0x%x differs at the destination (last writer vcpu%d)", p.gfn(), p.lastWriter()));
            }
            return out;
        };
    }

    /** How the timeline names the port's values. */
    public static Describer describer() {
        return new PortDescriber();
    }

    /**
     * Frees what a finished VM still holds in the kernel's allocators, as kvm_destroy_vm would
     * (the port has none): its shadow pages (the page, its gfn array, its header), the
     * pte_list_desc chains of its rmaps and parent lists, and what its vCPUs' memory caches keep.
     * Without this a long exploration keeps every schedule's VM: about 3 MiB a second.
     */
    static void release(MachineVm m) {
        if (m == null) {
            return;
        }
        java.util.Set<Long> descs = new java.util.HashSet<>();
        for (kvm_mmu_page sp : new ArrayList<>(m.kvm.arch.active_mmu_pages)) {
            free(sp.spt);
            free(sp.gfns_page);
            collectDescs(sp.parent_ptes.get(), descs);
            freeObject(mmu.mmu_page_header_cache, sp.self);
        }
        m.kvm.arch.active_mmu_pages.clear();
        org.mmulab.kernel.linux.kvm_memslots slots = m.kvm.memslots;
        if (slots != null) {
            for (org.mmulab.kernel.linux.kvm_memory_slot slot : slots.memslots) {
                if (slot == null || slot.arch == null) {
                    continue;
                }
                for (long[] level : slot.arch.rmap) {
                    if (level == null) {
                        continue;
                    }
                    for (long word : level) {
                        collectDescs(word, descs);
                    }
                }
            }
        }
        for (long addr : descs) {
            freeObject(mmu.pte_list_desc_cache, addr);
        }
        for (org.mmulab.kernel.linux.kvm_vcpu v : m.kvm.vcpus) {
            if (v == null) {
                continue;
            }
            drain(v.arch.mmu_page_cache, o -> free((Long) o));
            drain(v.arch.mmu_page_header_cache, o -> freeObject(mmu.mmu_page_header_cache, ((kvm_mmu_page) o).self));
            drain(v.arch.mmu_pte_list_desc_cache, o -> freeObject(mmu.pte_list_desc_cache, ((mmu.pte_list_desc) o).addr));
        }
    }

    /** The descriptors of one pte list word (bit 0 set: a chain of pte_list_desc). */
    private static void collectDescs(long word, java.util.Set<Long> into) {
        if ((word & 1) == 0) {
            return;
        }
        try {
            for (mmu.pte_list_desc d = mmu.pte_list_desc_cache.lookup(word & ~1L); d != null; d = d.more) {
                if (!into.add(d.addr)) {
                    return;
                }
            }
        } catch (RuntimeException gone) {
            // already freed
        }
    }

    private static void drain(org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_memory_cache cache,
                              java.util.function.Consumer<Object> release) {
        for (int i = 0; i < cache.nobjs; i++) {
            if (cache.objects[i] != null) {
                release.accept(cache.objects[i]);
                cache.objects[i] = null;
            }
        }
        cache.nobjs = 0;
    }

    private static <T> void freeObject(org.mmulab.kernel.linux.kmem_cache<T> cache, long addr) {
        try {
            cache.lookup(addr);
        } catch (RuntimeException gone) {
            return;
        }
        org.mmulab.kernel.linux.kmem_cache.kmem_cache_free(cache, addr);
    }

    private static void free(long addr) {
        if (addr == 0) {
            return;
        }
        try {
            mm.virt_to_page(addr);
        } catch (RuntimeException gone) {
            return;
        }
        mm.free_page(addr);
    }
}
