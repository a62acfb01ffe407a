// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Where a ported element lives in the Linux v3.16 tree.
 *
 * <p>Every ported function, struct, macro and constant carries one, so a reader can open the C file
 * at {@link #lines()} and find the same name. The scope manifest
 * ({@code kernel-port/src/main/resources/org/mmulab/kernel/scope.tsv}) lists them all and a test
 * keeps the two in step.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.CONSTRUCTOR})
public @interface KernelSource {
    /** Path in the kernel tree, e.g. {@code arch/x86/kvm/mmu.c}. */
    String file();

    /** v3.16 line range, {@code "1192-1207"}, or a single line {@code "150"}. */
    String lines();

    /**
     * The kernel identifier when the Java element cannot spell it (a struct mapped to a class, a
     * C macro with arguments). Empty means the Java name is the kernel name.
     */
    String name() default "";

    /** How the Java departs from the C, when it does. */
    String note() default "";
}
