// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mmulab.fixture.MachineVm;
import org.mmulab.fixture.Oracle;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.lockdep.explore.Explorer;
import org.mmulab.lockdep.explore.Sched;

/**
 * A scenario as the explorer runs it: one whole run per schedule, small enough to run hundreds
 * of times a second (1 vCPU and 8 pages by default), its output discarded, its violations
 * returned. Loaded by the variant loader like {@link Scenarios}, so the port it drives has the
 * variant swapped in; it also tells the scheduler how to read the port's values for the timeline.
 */
public final class Exploration {
    private Exploration() {}

    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    /** The explorer's body for this scenario and configuration (a {@link RunConfig} as a map). */
    public static Explorer.Body body(Map<String, String> configMap) {
        RunConfig base = RunConfig.fromMap(configMap);
        Sched.describe(new PortDescriber());
        return seed -> {
            // the previous schedule's threads have all ended by now: its VM's pages can go
            release(RaceScenarios.booted);
            RaceScenarios.booted = null;
            RunConfig c = RunConfig.fromMap(base.toMap());
            c.seed = seed;
            RunResult r = Scenarios.scenario(c, DISCARD, false);
            if (r == null) {
                throw new IllegalArgumentException("unknown scenario '" + c.scenario + "'");
            }
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

    /** How the timeline names the port's values: gfns of sptes, spte bits, ioctls, requests. */
    static final class PortDescriber implements Sched.Describer {
        @Override
        public long read(long addr) {
            return mm.deref(addr);
        }

        @Override
        public long gfnOf(long sptep) {
            try {
                kvm_mmu_page sp = kvm_host_h.page_header(mm.__pa(sptep));
                if (sp == null || sp.role.level != mmu_h.PT_PAGE_TABLE_LEVEL) {
                    return -1;
                }
                return mmu.kvm_mmu_page_get_gfn(sp, (int) ((sptep & ~mm.PAGE_MASK) >>> 3));
            } catch (RuntimeException e) {
                return -1;
            }
        }

        @Override
        public String bits(long spte) {
            if (!mmu.is_shadow_present_pte(spte)) {
                return "none";
            }
            StringBuilder b = new StringBuilder();
            if ((spte & mmu_h.PT_WRITABLE_MASK) != 0) {
                b.append("W");
            }
            if ((spte & mmu.SPTE_MMU_WRITEABLE) != 0) {
                b.append(b.length() == 0 ? "" : ",").append("MW");
            }
            if ((spte & mmu.SPTE_HOST_WRITEABLE) != 0) {
                b.append(b.length() == 0 ? "" : ",").append("HW");
            }
            return b.length() == 0 ? "RO" : b.toString();
        }

        @Override
        public String ioctl(long cmd) {
            if (cmd == kvm_h.KVM_GET_DIRTY_LOG) {
                return "KVM_GET_DIRTY_LOG";
            }
            if (cmd == kvm_h.KVM_SET_USER_MEMORY_REGION) {
                return "KVM_SET_USER_MEMORY_REGION";
            }
            if (cmd == kvm_h.KVM_CREATE_VCPU) {
                return "KVM_CREATE_VCPU";
            }
            return "ioctl 0x" + Long.toHexString(cmd);
        }

        @Override
        public String request(int req) {
            switch (req) {
                case org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH:
                    return "KVM_REQ_TLB_FLUSH";
                case org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_RELOAD:
                    return "KVM_REQ_MMU_RELOAD";
                case org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_SYNC:
                    return "KVM_REQ_MMU_SYNC";
                default:
                    return "request " + req;
            }
        }

        @Override
        public boolean tlbWritable(Object entry) {
            return ((SoftTlb.Entry) entry).writable();
        }

        @Override
        public long violationGfn(Object violation) {
            return ((Oracle.Violation) violation).gfn();
        }

        @Override
        public String legend() {
            return "(spte bits: W PT_WRITABLE_MASK, MW SPTE_MMU_WRITEABLE, HW SPTE_HOST_WRITEABLE, none: not present;"
                    + " TLB entries RW or RO; gfns in hex)";
        }
    }
}
