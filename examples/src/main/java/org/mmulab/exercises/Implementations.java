// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put on an answer exercise's interface: the class that holds the answers, whose exercise region
 * the student fills in. {@link Under} hands a grader test an instance of it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Implementations {
    Class<?> value();
}
