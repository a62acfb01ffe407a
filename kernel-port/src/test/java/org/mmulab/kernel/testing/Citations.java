// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.mmulab.kernel.KernelSource;

/** Every {@link KernelSource} in the kernel-port's compiled classes, in a stable order. */
public final class Citations {
    private Citations() {}

    /** One cited element. {@code java} is {@code pkg.Class#member} relative to org.mmulab.kernel. */
    public record Citation(String kernelName, String kind, String file, String lines, String java) {
        public int first() {
            return Integer.parseInt(lines.split("-")[0]);
        }

        public int last() {
            String[] p = lines.split("-");
            return Integer.parseInt(p[p.length - 1]);
        }

        public String tsv() {
            return String.join("\t", kernelName, kind, file, lines, java);
        }
    }

    public static List<Citation> all() {
        List<Citation> out = new ArrayList<>();
        for (Class<?> c : portClasses()) {
            add(out, c, c, null);
            for (Field f : c.getDeclaredFields()) {
                add(out, f, c, f);
            }
            for (Method m : c.getDeclaredMethods()) {
                add(out, m, c, m);
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                add(out, k, c, k);
            }
        }
        out.sort(Comparator.comparing(Citation::java).thenComparing(Citation::lines).thenComparing(Citation::kernelName));
        // overloads citing the same lines count once
        List<Citation> dedup = new ArrayList<>();
        for (Citation c : out) {
            if (dedup.isEmpty() || !dedup.get(dedup.size() - 1).equals(c)) {
                dedup.add(c);
            }
        }
        return dedup;
    }

    private static void add(List<Citation> out, AnnotatedElement e, Class<?> owner, Member member) {
        KernelSource ks = e.getAnnotation(KernelSource.class);
        if (ks == null) {
            return;
        }
        String javaName = member == null ? owner.getSimpleName() : member.getName();
        String kernelName = ks.name().isEmpty() ? javaName : ks.name();
        String rel = owner.getName().substring("org.mmulab.kernel.".length()).replace('$', '.');
        String java = member == null ? rel : rel + "#" + javaName;
        out.add(new Citation(kernelName, kind(kernelName, member), ks.file(), ks.lines(), java));
    }

    private static String kind(String kernelName, Member member) {
        if (member == null) {
            if (kernelName.endsWith(".c") || kernelName.endsWith(".h")) {
                return "file";
            }
            if (kernelName.startsWith("enum ")) {
                return "enum";
            }
            return kernelName.startsWith("union ") ? "union" : "struct";
        }
        if (member instanceof Field) {
            return Modifier.isFinal(member.getModifiers()) && Modifier.isStatic(member.getModifiers()) ? "constant" : "variable";
        }
        return kernelName.equals(kernelName.toUpperCase(Locale.ROOT)) ? "macro" : "function";
    }

    /** The classes of org.mmulab.kernel, from the directory or jar KernelSource was loaded from. */
    public static List<Class<?>> portClasses() {
        Path root;
        try {
            root = Paths.get(KernelSource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<Class<?>> out = new ArrayList<>();
        if (Files.isRegularFile(root)) {
            // loaded from kernel-port's jar (the port's tests run from another module, under the agent)
            try (FileSystem jar = FileSystems.newFileSystem(root, (ClassLoader) null)) {
                collect(jar.getPath("/"), out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
        collect(root, out);
        return out;
    }

    private static void collect(Path root, List<Class<?>> out) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(x -> x.toString().endsWith(".class")).sorted()::iterator) {
                String name = root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (!name.startsWith("org.mmulab.kernel.")) {
                    continue;
                }
                out.add(Class.forName(name, false, Citations.class.getClassLoader()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
