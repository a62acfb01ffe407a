// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3.hidden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.ScenarioRun;
import org.mmulab.exercises.Under;
import org.mmulab.exercises.ex3.LockdepDiagnosis;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.mutex;

/**
 * Exercise 3's hidden grader: the answers themselves (the autograder's; not in the students' kit). The facts are checked against runs of the scenario under the lockdep
 * agent (in a child JVM, see {@link ScenarioRun}) and against the port's own source elements.
 */
@ExtendWith(Under.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex3Hidden {
    /** The broken variant whose report the task sheet shows; the runs are cached per variant. */
    static final String BROKEN = "no-slots-lock";
    private static final Map<String, ScenarioRun.Outcome> RUNS = new ConcurrentHashMap<>();
    static final Pattern WARNING_AT = Pattern.compile("(?m)^WARNING: CPU: \\d+ PID: \\d+ at \\S+ \\S+\\.(\\w+)\\(\\)$");

    static ScenarioRun.Outcome run(String variant) {
        return RUNS.computeIfAbsent(variant, v -> ScenarioRun.mmulab(120, "run", "enable-logging-race", "--variant", v,
                "--memory", "1M", "--rounds", "2"));
    }

    /** The first lockdep_assert_held WARNING the run printed, or null. */
    static String assertHeldWarning(ScenarioRun.Outcome o) {
        for (String w : o.warnings()) {
            if (w.contains("lockdep_assert_held")) {
                return w;
            }
        }
        return null;
    }

    private static String norm(String s) {
        return s == null ? null : s.replaceAll("\\s+", "").replace("()", "");
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("the variant: a lockdep_assert_held WARNING on every run of it")
    void variant(LockdepDiagnosis answer) {
        String v = norm(answer.variant());
        assertNotNull(v, "variant() is not answered yet");
        assertTrue(VariantLoader.DESCRIPTIONS.containsKey(v), "'" + v + "' is not a variant; `./mmulab list` shows them");
        ScenarioRun.Outcome o = run(v);
        assertNotNull(assertHeldWarning(o), "'" + o.command() + "' printed no lockdep_assert_held WARNING, so the report"
                + " did not come from variant '" + v + "' (exit " + o.exit() + ", " + o.lockdepReports() + " lockdep report(s))");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("the function the WARNING fires in, by its kernel name")
    void function(LockdepDiagnosis answer) throws Exception {
        String f = norm(answer.function());
        assertNotNull(f, "function() is not answered yet");
        String w = assertHeldWarning(run(BROKEN));
        assertNotNull(w, "the grader could not reproduce the report (variant " + BROKEN + ")");
        Matcher m = WARNING_AT.matcher(w);
        assertTrue(m.find(), "the grader could not read the WARNING line of: " + w);
        assertEquals(m.group(1), f, "the WARNING line names the function it fired in");
        Method k = null;
        for (Method x : x86.class.getDeclaredMethods()) {
            if (x.getName().equals(f) && x.isAnnotationPresent(KernelSource.class)) {
                k = x;
            }
        }
        assertNotNull(k, f + " is not a ported x86.c function");
        assertEquals("arch/x86/kvm/x86.c", k.getAnnotation(KernelSource.class).file(), "where " + f + " lives in v3.16");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("the lock the assertion asks for")
    void lock(LockdepDiagnosis answer) throws Exception {
        String l = norm(answer.lock());
        assertNotNull(l, "lock() is not answered yet");
        String field = l.replaceFirst("^&", "").replaceFirst("^kvm->", "");
        Field f;
        try {
            f = kvm.class.getField(field);
        } catch (NoSuchFieldException e) {
            fail("'" + answer.lock() + "' is not a lock of struct kvm (write it like &kvm->mmu_lock)");
            return;
        }
        assertEquals("&kvm->slots_lock", "&kvm->" + f.getName(),
                "the assertion in the WARNING (read the line it names) is about another lock");
        assertEquals(mutex.class, f.getType(), "it is a mutex");
    }

    @Test
    @Order(4)
    @Points(2)
    @DisplayName("the other function that asserts the same lock")
    void otherFunction(LockdepDiagnosis answer) {
        String f = norm(answer.otherFunction());
        assertNotNull(f, "otherFunction() is not answered yet");
        Method k = null;
        for (Method x : mmu.class.getDeclaredMethods()) {
            if (x.getName().equals(f) && x.isAnnotationPresent(KernelSource.class)) {
                k = x;
            }
        }
        for (Method x : x86.class.getDeclaredMethods()) {
            if (x.getName().equals(f) && x.isAnnotationPresent(KernelSource.class)) {
                k = x;
            }
        }
        assertNotNull(k, f + " is not a ported mmu.c or x86.c function");
        assertEquals("kvm_mmu_slot_remove_write_access", f,
                "the function named does not call lockdep_assert_held(&kvm->slots_lock) before its late flush");
    }

    @Test
    @Order(5)
    @Points(3)
    @DisplayName("the rule the assertion guards")
    void rule(LockdepDiagnosis answer) {
        LockdepDiagnosis.Rule r = answer.rule();
        assertNotNull(r, "rule() is not answered yet");
        assertEquals(LockdepDiagnosis.Rule.B_SLOTS_LOCK_COVERS_THE_LATE_FLUSH, r, "not the rule this assertion guards");
    }

    @Test
    @Order(6)
    @Points(1)
    @DisplayName("the invariant that breaks when the race happens")
    void invariant(LockdepDiagnosis answer) {
        int i = answer.invariant();
        assertTrue(List.of(1, 2, 3).contains(i), "invariant() must be 1, 2 or 3, not " + i);
        assertEquals(1, i, "not the invariant enable-logging-race checks (see the scenario table in docs/variants.md)");
    }

}
