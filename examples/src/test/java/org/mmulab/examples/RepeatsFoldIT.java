// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's {@code repeats=fold} on the run that needs it most: without slots_lock every harvest
 * of enable-logging-race WARNs at the same lockdep_assert_held, reached the same way; folded, the
 * WARN prints once and one line at exit says how many more there were, and every one still counts.
 */
class RepeatsFoldIT {
    @Test
    void theSameWarnPrintsOnceAndTheExitSummaryCountsTheRest() throws Exception {
        UnderLockdepIT.Result r = UnderLockdepIT.mmulabWithAgentOptions("repeats=fold",
                "run", "enable-logging-race", "--variant", "no-slots-lock", "--memory", "1M", "--rounds", "2");
        String o = r.out();
        assertEquals(1, r.exit(), o);
        assertTrue(o.startsWith("lockdep-agent: CONFIG_PROVE_LOCKING on (mode=warn, packages=[org.mmulab.kernel.],"
                + " tlbtrace=summary, repeats=fold)\n"), o);
        assertEquals(1, o.split(Pattern.quote("------------[ cut here ]------------"), -1).length - 1, o);
        Matcher total = Pattern.compile("\nlockdep: (\\d+) report\\(s\\); a run with a lockdep report exits 1\\.\n").matcher(o);
        assertTrue(total.find(), o);
        int reports = Integer.parseInt(total.group(1));
        String warn = "WARNING: lockdep_assert_held(&kvm->slots_lock) failed at org/mmulab/kernel/variants/"
                + "variant_no_slots_lock.java:";
        if (reports == 1) {
            assertTrue(!o.contains("[the same WARN"), o);
        } else {
            int more = reports - 1;
            assertTrue(o.contains("\n[the same WARN " + more + (more == 1 ? " more time] " : " more times] ") + warn), o);
            // the WARN and the summary both go to the agent's stream, so their order is the order they came in
            assertTrue(o.indexOf("[the same WARN") > o.indexOf("---[ end trace"), "the summary comes after the WARN: " + o);
        }
    }
}
