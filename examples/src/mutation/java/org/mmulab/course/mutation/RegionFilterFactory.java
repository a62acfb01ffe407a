// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course.mutation;

import org.pitest.mutationtest.build.InterceptorParameters;
import org.pitest.mutationtest.build.MutationInterceptor;
import org.pitest.mutationtest.build.MutationInterceptorFactory;
import org.pitest.plugin.Feature;
import org.pitest.plugin.FeatureParameter;

/**
 * The PIT feature {@code MMULAB_REGIONS}: a filter that keeps only the mutants on an exercise's
 * lines (its regions, or its reference's whole file), so that the score of an exercise whose region
 * is a few lines of a big class such as {@code mmu} counts those lines and no others. Registered in
 * {@code META-INF/services} for PIT's plugin loader; off unless enabled, with one {@code region}
 * parameter per span: {@code +MMULAB_REGIONS(region[org/mmulab/kernel/arch/x86/kvm/mmu.java:866-879])}.
 */
public final class RegionFilterFactory implements MutationInterceptorFactory {
    static final String FEATURE = "MMULAB_REGIONS";
    static final FeatureParameter REGION = FeatureParameter.named("region")
            .withDescription("a span of source lines to mutate: the file's path under its source root, a colon, first-last (1-based, inclusive)");

    @Override
    public String description() {
        return "mmulab: mutate only the lines of an exercise's regions";
    }

    @Override
    public Feature provides() {
        return Feature.named(FEATURE)
                .withOnByDefault(false)
                .withDescription("Keeps only the mutants whose class's source file and line lie in one of the given regions")
                .withParameter(REGION);
    }

    @Override
    public MutationInterceptor createInterceptor(InterceptorParameters params) {
        return new RegionFilter(RegionFilter.Span.parseAll(params.getList(REGION)));
    }
}
