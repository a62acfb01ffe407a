// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The implementation under test: a grader test declares a parameter of the exercise's interface
 * and gets a fresh instance of the student's class, or of the reference when the launcher was
 * given the configuration parameter {@value #TARGET} = {@code reference} ({@code mmulab grade N --reference}).
 */
public final class Under implements ParameterResolver {
    /** JUnit configuration parameter: {@code student} (default) or {@code reference}. */
    public static final String TARGET = "mmulab.grade.target";

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType().isAnnotationPresent(Implementations.class);
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        Class<?> api = p.getParameter().getType();
        Implementations impls = api.getAnnotation(Implementations.class);
        boolean reference = c.getConfigurationParameter(TARGET).map("reference"::equals).orElse(false);
        Class<?> impl = reference ? impls.reference() : impls.student();
        try {
            return api.cast(impl.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ParameterResolutionException("cannot make a " + impl.getName() + " (it needs a public no-argument constructor): " + e, e);
        }
    }
}
