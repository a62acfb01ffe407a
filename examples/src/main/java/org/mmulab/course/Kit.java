// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether this build is a student's kit ({@code mmulab course export} writes the resource
 * {@value #RESOURCE} into it) or the teacher's tree, and which exercises the kit hands out.
 */
public final class Kit {
    public static final String RESOURCE = "org/mmulab/course/kit.properties";

    /**
     * The packages of student code the machine itself calls in a kit: exercise 10's oracle, which
     * the fixture's checks ask when the kit hands it out. A scenario's class loader loads them
     * with the port (child first), so they see that loader's port and not the parent's.
     */
    public static final java.util.List<String> MACHINE_CALLS = java.util.List.of("org.mmulab.exercises.ex10.");

    private Kit() {}

    /** The kit's description, or empty in the teacher's tree. */
    public static Optional<Properties> info() {
        try (InputStream in = Kit.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            return Optional.of(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True in a student's kit. */
    public static boolean isKit() {
        return info().isPresent();
    }

    /** The exercises a kit hands out (its regions are cut); every exercise in the teacher's tree. */
    public static Set<Integer> handedOut(Set<Integer> all) {
        return info().map(p -> parse(p.getProperty("exercises", ""))).orElse(new TreeSet<>(all));
    }

    static Set<Integer> parse(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                out.add(Integer.parseInt(s.trim()));
            }
        }
        return out;
    }
}
