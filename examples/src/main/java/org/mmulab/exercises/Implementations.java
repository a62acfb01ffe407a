// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put on an exercise's interface: the class the student edits and the reference (an adapter onto
 * the port, or the known answer). {@link Under} hands a grader test one or the other.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Implementations {
    Class<?> student();

    Class<?> reference();
}
