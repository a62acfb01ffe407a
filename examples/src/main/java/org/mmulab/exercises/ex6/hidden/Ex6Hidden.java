// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex6.hidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/** Hidden tests of exercise 6 (the autograder's only): the 1 GiB level, moves in a row, a delete after a move. */
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
}
