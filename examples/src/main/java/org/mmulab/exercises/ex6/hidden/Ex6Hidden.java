// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex6.hidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.ex6.Ex6Grader;
import org.mmulab.fixture.FaultInjection;
import org.mmulab.kernel.arch.x86.include.asm.kvm_lpage_info;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.errno;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_memslots;
import org.mmulab.kernel.mm.failslab;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Hidden tests of exercise 6 (the autograder's only): the 1 GiB level, moves in a row, a delete after a
 * move, and a move whose new arrays cannot be allocated.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex6Hidden {
    public Ex6Hidden() {}

    static final int LOG = kvm_h.KVM_MEM_LOG_DIRTY_PAGES;
    final Ex6Grader g = new Ex6Grader();

    @BeforeEach
    void setUp() {
        g.setUp();
    }

    @AfterEach
    void tearDown() {
        g.tearDown();
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("a logged move across a 1 GiB boundary: no oops, level-3 arrays for the new base")
    void acrossOneGiB() {
        long to = 0x3fff8; // straddles gfn 0x40000, a 1 GiB (and 2 MiB) boundary
        g.change(LOG, Ex6Grader.OLD, Ex6Grader.NPAGES, Ex6Grader.user(Ex6Grader.OLD), "creating the logged slot");
        g.change(LOG, to, Ex6Grader.NPAGES, Ex6Grader.user(Ex6Grader.OLD), "moving it to 0x3fff8");
        Ex6Grader.assertFreshArrays(g.slot(), Ex6Grader.user(Ex6Grader.OLD), "after the move across 1 GiB");
        g.reload();
        g.write(to + 15, false);
        assertEquals(Ex6Grader.bits(1L << 15), Ex6Grader.bits(g.harvest(Ex6Grader.NPAGES)), "the write past the boundary is logged");
    }

    @Test
    @Order(2)
    @Points(1)
    @DisplayName("three logged moves in a row, each across an alignment, then back home")
    void movesInARow() {
        long user = Ex6Grader.user(Ex6Grader.OLD);
        g.change(LOG, Ex6Grader.OLD, Ex6Grader.NPAGES, user, "creating the logged slot");
        long[] bases = {Ex6Grader.NEW, 0x5fc, 0x7f9, Ex6Grader.OLD};
        for (long b : bases) {
            g.change(LOG, b, Ex6Grader.NPAGES, user, "moving the logged slot to " + Ex6Grader.hex(b));
            Ex6Grader.assertFreshArrays(g.slot(), user, "after the move to " + Ex6Grader.hex(b));
            g.reload();
            g.write(b + 6, false);
            assertEquals(Ex6Grader.bits(1L << 6), Ex6Grader.bits(g.harvest(Ex6Grader.NPAGES)), "at " + Ex6Grader.hex(b));
        }
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("deleting a slot after a move zaps its sptes through the new rmaps")
    void deleteAfterMove() {
        long user = Ex6Grader.user(Ex6Grader.OLD);
        g.change(0, Ex6Grader.OLD, Ex6Grader.NPAGES, user, "creating the slot");
        g.change(0, Ex6Grader.NEW, Ex6Grader.NPAGES, user, "moving it to 0x3f8");
        g.reload();
        for (long gfn = Ex6Grader.NEW; gfn < Ex6Grader.NEW + Ex6Grader.NPAGES; gfn++) {
            g.write(gfn, false);
        }
        g.change(0, Ex6Grader.NEW, 0, user, "deleting the moved slot");
        assertNull(kvm_main.gfn_to_memslot(g.vm.kvm, Ex6Grader.NEW), "the slot is gone");
        assertEquals(1, g.vm.kvm.arch.n_used_mmu_pages, "every shadow page but the vCPU's root (still in use) is zapped");
    }

    /**
     * v3.16's failure path after the slot was invalidated (kvm_main.c 846-872, out_slots 916-919):
     * the copy installed at 855, whose slot has KVM_MEMSLOT_INVALID, stays live (out_slots frees
     * the old memslots array, not it); kvm_free_physmem_slot(&new, &old) frees only what the
     * prepared slot does not share with the old one, so the slot keeps its base, its rmap and
     * lpage_info arrays and its dirty bitmap.
     */
    @Test
    @Order(4)
    @Points(1)
    @DisplayName("a logged move whose new arrays cannot be allocated: -ENOMEM, the slot invalid at its old base with its own arrays")
    void moveThatCannotAllocate() {
        long user = Ex6Grader.user(Ex6Grader.OLD);
        g.change(LOG, Ex6Grader.OLD, Ex6Grader.NPAGES, user, "creating the logged slot");
        kvm_memory_slot before = g.slot();
        long[][] rmap = before.arch.rmap.clone();
        kvm_lpage_info[][] lpage_info = before.arch.lpage_info.clone();
        LongPtr bitmap = before.dirty_bitmap;
        kvm_memslots memslots = g.vm.kvm.memslots;
        long generation = memslots.generation;
        long r;
        try {
            // the copy of the memslots (kmemdup, 16 KiB) is allowed; the next slab allocation, the
            // first of the moved slot's new arrays, fails, and only that one (times 1)
            FaultInjection.failslab(memslotsObjectSize() + 1, 1);
            r = g.setRegion(LOG, Ex6Grader.NEW, Ex6Grader.NPAGES, user);
            assertEquals(0, failslab.attr.times.get(), "the move allocated nothing: kvm_arch_prepare_memory_region must give a"
                    + " moved slot new rmap and lpage_info arrays (kvm_arch_create_memslot)");
            assertEquals(1, failslab.attr.space.get(), "the memslots' copy took its 16 KiB of space, then the next allocation failed");
        } finally {
            FaultInjection.disarm();
        }
        assertEquals(-errno.ENOMEM, r, "a move whose new arrays cannot be allocated must fail with -ENOMEM:"
                + " return kvm_arch_create_memslot's result, do not ignore it");
        assertNotSame(memslots, g.vm.kvm.memslots, "the copy with the invalidated slot was installed before the arrays were asked for");
        assertEquals(generation + 1, g.vm.kvm.memslots.generation, "one memslots update (the invalidation), not two");
        kvm_memory_slot s = g.slot();
        assertTrue((s.flags & kvm_host_h.KVM_MEMSLOT_INVALID) != 0,
                "v3.16 leaves the invalidated copy live on this path (kvm_main.c 870-872, 916-919)");
        assertEquals(Ex6Grader.hex(Ex6Grader.OLD), Ex6Grader.hex(s.base_gfn), "the slot stays at its old base");
        assertEquals(Ex6Grader.NPAGES, s.npages);
        assertEquals(user, s.userspace_addr);
        assertSame(bitmap, s.dirty_bitmap, "the slot keeps its dirty bitmap");
        for (int i = 0; i < rmap.length; i++) {
            assertNotNull(s.arch.rmap[i], "rmap[" + i + "] freed: the failed move must not touch the old slot's arrays");
            assertSame(rmap[i], s.arch.rmap[i], "the slot keeps its own rmap[" + i + "]");
        }
        for (int i = 0; i < lpage_info.length; i++) {
            assertNotNull(s.arch.lpage_info[i], "lpage_info[" + i + "] freed: the failed move must not touch the old slot's arrays");
            assertSame(lpage_info[i], s.arch.lpage_info[i], "the slot keeps its own lpage_info[" + i + "]");
        }
        assertNull(org.mmulab.kernel.virt.kvm.kvm_main.gfn_to_memslot(g.vm.kvm, Ex6Grader.NEW), "nothing at the new base");
    }

    /** What kmemdup of the memslots takes from failslab's space: its kmalloc cache's object size. */
    static int memslotsObjectSize() {
        return org.mmulab.kernel.linux.slab.kmalloc_size(org.mmulab.kernel.linux.slab.kmalloc_index(kvm_memslots.SIZEOF));
    }
}
