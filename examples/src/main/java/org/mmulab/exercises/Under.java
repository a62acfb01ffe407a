// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The answers under test, for the answer exercises: a grader test declares a parameter of the
 * exercise's interface and gets a fresh instance of its {@code Solution} (named by
 * {@link Implementations}), or of the class the launcher names in the configuration parameter
 * {@value #IMPL} (a wrong answer kept as a test, see {@link Grade.Target#answers}).
 */
public final class Under implements ParameterResolver {
    /** JUnit configuration parameter: the implementing class to grade instead of the Solution. */
    public static final String IMPL = "mmulab.grade.impl";

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType().isAnnotationPresent(Implementations.class);
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        Class<?> api = p.getParameter().getType();
        String named = c.getConfigurationParameter(IMPL).orElse(null);
        Class<?> impl;
        try {
            impl = named == null ? api.getAnnotation(Implementations.class).value()
                    : Class.forName(named, true, c.getRequiredTestClass().getClassLoader());
            return api.cast(impl.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ParameterResolutionException("cannot make the " + api.getSimpleName() + " to grade ("
                    + (named == null ? "the Solution" : named) + "; it needs a public no-argument constructor): " + e, e);
        }
    }
}
