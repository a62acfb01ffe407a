// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mmulab.lockdep.ReportKind;

/**
 * Runs a test class or method under lockdep's eye ({@link LockdepExtension}): the test fails when
 * the lockdep agent is not attached, and when lockdep reports while it runs, with the report
 * itself as the failure message.
 *
 * <p>A negative test names the kinds of report it means to cause:
 * {@code @Lockdep(expect = ReportKind.CIRCULAR_DEPENDENCY)} passes only if each named kind was
 * reported and nothing else was. Such a test starts from an empty lock graph and leaves an empty
 * one behind ({@code Lockdep.reset()} before and after it), so the bad dependency it made on
 * purpose cannot turn up in a later test's report. A {@code LockdepError} of an expected kind
 * (agent option {@code mode=fail}) does not fail it either.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LockdepExtension.class)
public @interface Lockdep {
    /** The kinds of report the test must cause, each at least once; empty (the default): none. */
    ReportKind[] expect() default {};
}
