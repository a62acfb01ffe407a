// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course.mutation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pitest.bytecode.analysis.ClassTree;
import org.pitest.mutationtest.build.InterceptorType;
import org.pitest.mutationtest.build.MutationInterceptor;
import org.pitest.mutationtest.engine.Mutater;
import org.pitest.mutationtest.engine.MutationDetails;

/**
 * Drops every mutant that is not on a line of the given spans. A mutant's place is its class's
 * package and source file (as the class file names it, so nested and lambda classes of a file
 * count with it) and its line number. It runs in PIT's pre-scan too, so a class with no mutant
 * left is not analysed at all.
 */
final class RegionFilter implements MutationInterceptor {
    /** One span: a source file by its path under the source root ({@code org/x/Y.java}), lines first..last. */
    record Span(String file, int first, int last) {
        static final Pattern FORM = Pattern.compile("(.+\\.java):(\\d+)-(\\d+)");

        static Span parse(String s) {
            Matcher m = FORM.matcher(s.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("MMULAB_REGIONS: region[" + s + "] is not path/File.java:first-last");
            }
            return new Span(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        }

        static List<Span> parseAll(List<String> specs) {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("MMULAB_REGIONS is on with no region[...]: every mutant would be dropped");
            }
            List<Span> out = new ArrayList<>();
            for (String s : specs) {
                out.add(parse(s));
            }
            return List.copyOf(out);
        }

        boolean contains(String file, int line) {
            return this.file.equals(file) && line >= first && line <= last;
        }

        @Override
        public String toString() {
            return file + ":" + first + "-" + last;
        }
    }

    private final List<Span> spans;

    RegionFilter(List<Span> spans) {
        this.spans = spans;
    }

    @Override
    public InterceptorType type() {
        return InterceptorType.PRE_SCAN_FILTER;
    }

    @Override
    public void begin(ClassTree clazz) {
        // nothing per class: the decision needs only the mutant
    }

    @Override
    public Collection<MutationDetails> intercept(Collection<MutationDetails> mutations, Mutater m) {
        List<MutationDetails> kept = new ArrayList<>();
        for (MutationDetails d : mutations) {
            if (keeps(sourcePath(d.getClassName().asInternalName(), d.getFilename()), d.getLineNumber())) {
                kept.add(d);
            }
        }
        return kept;
    }

    boolean keeps(String file, int line) {
        for (Span s : spans) {
            if (s.contains(file, line)) {
                return true;
            }
        }
        return false;
    }

    /** The source file of a class, as a path under the source root: its package's folders and the SourceFile name. */
    static String sourcePath(String internalClassName, String sourceFile) {
        int slash = internalClassName.lastIndexOf('/');
        return slash < 0 ? sourceFile : internalClassName.substring(0, slash + 1) + sourceFile;
    }

    @Override
    public void end() {
        // nothing to close
    }
}
