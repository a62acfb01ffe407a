// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex3;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.Under;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.x86;
import org.mmulab.kernel.linux.kvm;

/**
 * Exercise 3's visible grader: whether each answer is of the right kind (a variant that exists, a
 * ported function, a lock of struct kvm, ...). Whether it is the right answer is the hidden
 * grader's to say: the autograder runs it, and the kit does not hold the answers.
 */
@ExtendWith(Under.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex3Grader {
    private static String norm(String s) {
        return s == null ? null : s.replaceAll("\\s+", "").replace("()", "");
    }

    static boolean ported(Class<?> c, String name) {
        for (Method m : c.getDeclaredMethods()) {
            if (m.getName().equals(name) && m.isAnnotationPresent(KernelSource.class)) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Order(1)
    @Points(1)
    @DisplayName("variant(): a variant that `mmulab list` shows")
    void variant(LockdepDiagnosis answer) {
        String v = norm(answer.variant());
        assertNotNull(v, "variant() is not answered yet");
        assertTrue(VariantLoader.DESCRIPTIONS.containsKey(v), "'" + v + "' is not a variant; `./mmulab list` shows them");
    }

    @Test
    @Order(2)
    @Points(1)
    @DisplayName("function(): a ported mmu.c or x86.c function, by its kernel name")
    void function(LockdepDiagnosis answer) {
        String f = norm(answer.function());
        assertNotNull(f, "function() is not answered yet");
        assertTrue(ported(x86.class, f) || ported(mmu.class, f), "'" + f + "' is not a ported mmu.c or x86.c function");
    }

    @Test
    @Order(3)
    @Points(1)
    @DisplayName("lock(): a lock of struct kvm, written like &kvm->mmu_lock")
    void lock(LockdepDiagnosis answer) {
        String l = norm(answer.lock());
        assertNotNull(l, "lock() is not answered yet");
        assertTrue(l.startsWith("&kvm->"), "'" + answer.lock() + "': write it as the kernel source does, like &kvm->mmu_lock");
        String field = l.substring("&kvm->".length());
        boolean found = false;
        for (java.lang.reflect.Field f : kvm.class.getFields()) {
            found |= f.getName().equals(field);
        }
        assertTrue(found, "'" + answer.lock() + "' is not a field of struct kvm");
    }

    @Test
    @Order(4)
    @Points(1)
    @DisplayName("otherFunction(): a ported mmu.c or x86.c function, not the same as function()")
    void otherFunction(LockdepDiagnosis answer) {
        String f = norm(answer.otherFunction());
        assertNotNull(f, "otherFunction() is not answered yet");
        assertTrue(ported(x86.class, f) || ported(mmu.class, f), "'" + f + "' is not a ported mmu.c or x86.c function");
        assertTrue(!f.equals(norm(answer.function())), "otherFunction() must name another function than function()");
    }

    @Test
    @Order(5)
    @Points(1)
    @DisplayName("rule() and invariant(): answered, invariant 1, 2 or 3")
    void ruleAndInvariant(LockdepDiagnosis answer) {
        assertNotNull(answer.rule(), "rule() is not answered yet");
        assertTrue(List.of(1, 2, 3).contains(answer.invariant()), "invariant() must be 1, 2 or 3, not " + answer.invariant());
    }
}
