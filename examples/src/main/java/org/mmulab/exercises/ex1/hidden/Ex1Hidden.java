// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex1.hidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import org.mmulab.exercises.ex1.Ex1Grader;
import org.mmulab.kernel.linux.mm;

/**
 * Exercise 1's hidden tests (the autograder's; not in the students' kit): the corners a solution
 * fitted to the visible tests may miss.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex1Hidden {
    private final Ex1Grader g = new Ex1Grader();
    private static final long W = Ex1Grader.W;
    private static final long MMU_W = Ex1Grader.MMU_W;
    private static final long BASE = Ex1Grader.BASE;
    private static final long WRITABLE = Ex1Grader.WRITABLE;

    @BeforeEach
    void setUp() {
        g.setUpForHidden();
    }

    @AfterEach
    void tearDown() {
        g.tearDownForHidden();
    }

    private boolean protect(long old, boolean pt_protect) {
        return g.protect(old, pt_protect);
    }

    private static String hex(long v) {
        return Ex1Grader.hex(v);
    }

    private long sptep() {
        return g.sptep();
    }

    @Test
    @Order(6)
    @Points(1)
    @DisplayName("read-only host page (SPTE_HOST_WRITEABLE clear), shadowing: no flush")
    public void hostReadOnly() {
        long old = BASE | MMU_W;
        boolean owed = protect(old, true);
        assertEquals(hex(old), hex(mm.deref(sptep())), "the spte must not change: it can never have been writable");
        assertFalse(owed, "without SPTE_HOST_WRITEABLE no writable translation can exist: nothing is owed");
    }

    @Test
    @Order(7)
    @Points(1)
    @DisplayName("every other bit of the spte is kept (pfn, X, memory type, HOST_W)")
    public void otherBitsKept() {
        long odd = WRITABLE | (0x3_1234L << 12) | (1L << 52) | (1L << 60);
        protect(odd, true);
        assertEquals(hex(odd & ~(W | MMU_W)), hex(mm.deref(sptep())), "only W and SPTE_MMU_WRITEABLE may change");
        protect(odd, false);
        assertEquals(hex(odd & ~W), hex(mm.deref(sptep())), "only W may change for dirty logging");
    }

}
