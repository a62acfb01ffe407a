// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.util.Objects;

/**
 * One {@code @KernelSource} citation: a kernel element (its v3.16 file and line range) and the Java
 * element that ports it.
 *
 * @param kernelName the kernel identifier ({@code kvm_mmu_slot_remove_write_access},
 *     {@code struct kvm_arch}, {@code mmu.c} for a whole file)
 * @param kind {@code function}, {@code macro}, {@code constant}, {@code variable}, {@code struct},
 *     {@code union}, {@code enum} or {@code file}, as in {@code scope.tsv}
 * @param file path in the kernel tree, e.g. {@code arch/x86/kvm/mmu.c}
 * @param first first cited v3.16 line
 * @param last last cited v3.16 line
 * @param note how the Java departs from the C, or empty
 * @param java the Java element
 */
public record Citation(String kernelName, String kind, String file, int first, int last, String note, JavaElement java) {

    public Citation {
        Objects.requireNonNull(kernelName);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(file);
        Objects.requireNonNull(java);
        note = note == null ? "" : note;
        if (first < 1 || last < first) {
            throw new IllegalArgumentException(java + ": bad line range " + first + "-" + last);
        }
    }

    /** Parses a {@code KernelSource.lines()} value, {@code "N"} or {@code "N-M"}. */
    public static int[] parseLines(String lines) {
        if (!lines.matches("\\d+(-\\d+)?")) {
            throw new IllegalArgumentException("lines must be N or N-M: " + lines);
        }
        String[] p = lines.split("-");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[p.length - 1])};
    }

    public String lines() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }

    /** A whole kernel file mapped to a Java class. */
    public boolean isFile() {
        return kind.equals("file");
    }

    /** What a Java element is. */
    public enum Kind { TYPE, FIELD, METHOD, CONSTRUCTOR }

    /**
     * A Java class, field, method or constructor.
     *
     * @param className binary name, {@code org.mmulab.kernel.arch.x86.kvm.mmu$rmap_iterator}
     * @param kind what it is
     * @param member the field or method name; the simple class name for a type or constructor
     * @param descriptor the JVM method descriptor for a method or constructor, else empty
     */
    public record JavaElement(String className, Kind kind, String member, String descriptor) {
        public JavaElement {
            Objects.requireNonNull(className);
            Objects.requireNonNull(kind);
            Objects.requireNonNull(member);
            descriptor = descriptor == null ? "" : descriptor;
        }

        /** The top-level class's source file, relative to a source root: {@code org/mmulab/.../mmu.java}. */
        public String sourcePath() {
            String top = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
            return top.replace('.', '/') + ".java";
        }

        /** Simple names from the top-level class down: {@code [mmu, rmap_iterator]}. */
        public String[] typePath() {
            String simple = className.substring(className.lastIndexOf('.') + 1);
            return simple.split("\\$");
        }

        /** {@code mmu.rmap_iterator#name}, {@code mmu#name} or {@code mmu} for reading. */
        public String display() {
            String t = String.join(".", typePath());
            return kind == Kind.TYPE ? t : t + "#" + member;
        }
    }
}
