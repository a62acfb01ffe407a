// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9.hidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.Under;
import org.mmulab.exercises.ex9.TimelineReading;
import org.mmulab.exercises.ex9.TimelineReading.Prediction;
import org.mmulab.exercises.ex9.TimelineText;
import org.mmulab.exercises.ex9.TimelineText.Row;

/**
 * Exercise 9's hidden grader (the autograder's; not in the students' kit). It does not compare
 * with stored answers: it runs the task sheet's command, and the replay of the same schedule under
 * v3.16, and derives each answer from the timelines they print.
 */
@ExtendWith(Under.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex9Hidden {
    static final String FLUSH = "kvm_flush_remote_tlbs";

    /** The preempted thread's last row: a flush it began and never finished before the check broke. */
    static Row preempted(TimelineText t) {
        Row broken = t.broken();
        assertNotNull(broken, "the grader's run of the task sheet's command broke nothing:\n" + t.output);
        List<Row> found = new ArrayList<>();
        for (int c = 0; c < t.columns.size(); c++) {
            Row last = null;
            for (Row r : t.rowsOf(c)) {
                if (r.step() < broken.step()) {
                    last = r;
                }
            }
            if (last != null && last.text().equals(FLUSH)) {
                found.add(last);
            }
        }
        assertEquals(1, found.size(), "the grader expected exactly one thread whose last row is a flush it began: " + found
                + "\n" + t.output);
        return found.get(0);
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("the preempted thread")
    void thread(TimelineReading answer) {
        TimelineText t = TimelineText.sheet();
        Row p = preempted(t);
        int c = t.column(answer.preemptedThread());
        assertTrue(c >= 0, "'" + answer.preemptedThread() + "' is not a thread of the timeline");
        assertEquals(t.columns.get(p.column()), t.columns.get(c), "not the thread that was preempted with its flush still to"
                + " come (which thread began a kvm_flush_remote_tlbs that never returned?)");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("the step at which it was preempted")
    void step(TimelineReading answer) {
        Row p = preempted(TimelineText.sheet());
        assertEquals(p.step(), answer.step(), "not the step of the preempted thread's last row before the check broke");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("the gfn involved")
    void gfn(TimelineReading answer) {
        long truth = TimelineText.sheet().brokenGfn();
        assertEquals("0x" + Long.toHexString(truth), "0x" + Long.toHexString(answer.gfn()), "not the gfn the broken check names");
    }

    /** In column c, a row matching {@code inside} between a "lock kvm->mmu_lock" and the next "unlock kvm->mmu_lock". */
    static boolean insideMmuLock(TimelineText t, int c, java.util.function.Predicate<String> inside) {
        boolean held = false;
        for (Row r : t.rowsOf(c)) {
            if (r.text().equals("lock kvm->mmu_lock")) {
                held = true;
            } else if (r.text().equals("unlock kvm->mmu_lock")) {
                held = false;
            } else if (held && inside.test(r.text())) {
                return true;
            }
        }
        return false;
    }

    /** Which predictions the two timelines bear out. */
    static Map<Prediction, Boolean> facts() {
        TimelineText broken = TimelineText.sheet();
        List<String> args = new ArrayList<>(broken.replayArgs());
        int v = args.indexOf("--variant");
        assertTrue(v >= 0 && v + 1 < args.size(), "the replay line names no variant: " + args);
        args.set(v + 1, "v3.16");
        TimelineText v316 = TimelineText.of(args);
        int shadower = v316.column("shadower");
        int harvester = v316.column("harvester");
        int brokenShadower = broken.column("shadower");
        assertTrue(shadower >= 0 && harvester >= 0 && brokenShadower >= 0, "the timelines lack the shadower or the harvester:\n"
                + v316.output);
        // the pt-writable schedule: the shadower cleared SPTE_MMU_WRITEABLE under mmu_lock and did not flush there
        String gfn = Long.toHexString(broken.brokenGfn());
        assertTrue(insideMmuLock(broken, brokenShadower, s -> s.startsWith("spte " + gfn + " ") && s.endsWith("-> HW")),
                "the grader expected the shadower to clear SPTE_MMU_WRITEABLE of gfn " + gfn + " under mmu_lock:\n" + broken.output);
        assertTrue(!insideMmuLock(broken, brokenShadower, s -> s.equals(FLUSH)), "the grader expected no flush from the shadower"
                + " under pt-writable:\n" + broken.output);
        boolean shadowerSlots = false;
        boolean started = false;
        for (Row r : v316.rowsOf(shadower)) {
            started |= r.text().startsWith("start harvester");
            shadowerSlots |= started && r.text().equals("lock kvm->slots_lock");
        }
        Map<Prediction, Boolean> f = new EnumMap<>(Prediction.class);
        f.put(Prediction.A_SHADOWER_FLUSHES_ITSELF, v316.exit == 0 && insideMmuLock(v316, shadower, s -> s.equals(FLUSH)));
        f.put(Prediction.B_HARVESTER_FLUSHES_UNDER_MMU_LOCK, insideMmuLock(v316, harvester, s -> s.equals(FLUSH)));
        f.put(Prediction.C_SHADOWER_WAITS_FOR_SLOTS_LOCK, shadowerSlots);
        f.put(Prediction.D_SAME_VIOLATION, v316.exit != 0 || v316.broken() != null);
        return f;
    }

    @Test
    @Order(4)
    @Points(2)
    @DisplayName("what v3.16 does instead")
    void prediction(TimelineReading answer) {
        Prediction p = answer.v316();
        assertNotNull(p, "v316() is not answered yet");
        Map<Prediction, Boolean> f = facts();
        long holding = f.values().stream().filter(b -> b).count();
        if (holding != 1) {
            fail("the grader could not tell the prediction from the two timelines (" + f + ")");
        }
        assertTrue(f.get(p), "the replay of the same schedule under v3.16 does not bear out " + p + " (run it: ./mmulab "
                + String.join(" ", TimelineText.sheet().replayArgs()).replace("pt-writable", "v3.16") + ")");
    }
}
