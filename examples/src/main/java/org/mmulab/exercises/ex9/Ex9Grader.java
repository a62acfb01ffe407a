// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex9;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.examples.vmm.RaceScenarios;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.Under;

/**
 * Exercise 9's visible grader: whether each answer is of the right kind (a thread the timeline
 * has, a step inside it, a gfn of the scenario's memory slot, a prediction). It runs the task
 * sheet's command itself (in a child JVM under the agent) to know the timeline. Whether an answer
 * is right is the hidden grader's to say: the autograder runs it.
 */
@ExtendWith(Under.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex9Grader {
    /** The scenario's slot: the explorer's default --pages, from the scenarios' first gfn. */
    static final long PAGES = 8;

    static String command() {
        return "./mmulab " + String.join(" ", TimelineText.EXPLORE);
    }

    @Test
    @Order(1)
    @Points(1)
    @DisplayName("preemptedThread(): a thread of the timeline")
    void thread(TimelineReading answer) {
        assertNotNull(answer.preemptedThread(), "preemptedThread() is not answered yet");
        TimelineText t = TimelineText.sheet();
        assertTrue(t.column(answer.preemptedThread()) >= 0, "'" + answer.preemptedThread() + "' is not a thread of the timeline '"
                + command() + "' prints; its columns are " + t.columns);
    }

    @Test
    @Order(2)
    @Points(1)
    @DisplayName("step(): a step the timeline shows, up to the broken check")
    void step(TimelineReading answer) {
        TimelineText t = TimelineText.sheet();
        long last = t.broken() == null ? Long.MAX_VALUE : t.broken().step();
        assertTrue(answer.step() >= t.firstStep() && answer.step() <= last, "step " + answer.step() + " is not between the first"
                + " step the timeline shows (" + t.firstStep() + ") and the broken check's (" + last + ")");
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("gfn(): a gfn of the scenario's memory slot")
    void gfn(TimelineReading answer) {
        long g = answer.gfn();
        assertTrue(g >= RaceScenarios.BASE_GFN && g < RaceScenarios.BASE_GFN + PAGES, String.format("gfn 0x%x is not in the"
                + " scenario's slot (gfns 0x%x to 0x%x); the timeline prints gfns in hex", g, RaceScenarios.BASE_GFN,
                RaceScenarios.BASE_GFN + PAGES - 1));
    }

    @Test
    @Order(4)
    @Points(1)
    @DisplayName("v316(): one of the predictions")
    void prediction(TimelineReading answer) {
        assertNotNull(answer.v316(), "v316() is not answered yet: one of Prediction.A_... to Prediction.D_...");
    }
}
