// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
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
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.kernel.KernelSource;
import org.objectweb.asm.Type;

/**
 * Finds every {@link KernelSource} on the classes of one package tree, read from a class directory
 * or a jar. The port's citations are {@code scan(portClassRoot(), "org.mmulab.kernel.", loader)};
 * tests scan a fixture package instead.
 */
public final class CitationScanner {
    private static final Logger log = LogManager.getLogger(CitationScanner.class);

    private CitationScanner() {}

    /** Where {@link KernelSource} (and so the port) was loaded from: kernel-port's classes or jar. */
    public static Path portClassRoot() {
        try {
            return Paths.get(KernelSource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The port's citations. */
    public static List<Citation> port() {
        return scan(portClassRoot(), "org.mmulab.kernel.", CitationScanner.class.getClassLoader());
    }

    /**
     * Citations on the classes under {@code root} (a directory or a jar) whose names start with
     * {@code packagePrefix}, in a stable order (kernel file, first line, Java element).
     */
    public static List<Citation> scan(Path root, String packagePrefix, ClassLoader loader) {
        List<Citation> out = new ArrayList<>();
        for (String name : classNames(root, packagePrefix)) {
            Class<?> c;
            try {
                c = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("cannot load " + name + " from " + root, e);
            }
            add(out, c, c);
            for (Field f : c.getDeclaredFields()) {
                add(out, f, c);
            }
            for (Method m : c.getDeclaredMethods()) {
                add(out, m, c);
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                add(out, k, c);
            }
        }
        out.sort(Comparator.comparing(Citation::file).thenComparingInt(Citation::first)
                .thenComparingInt(Citation::last).thenComparing(Citation::kernelName)
                .thenComparing(x -> x.java().display()).thenComparing(x -> x.java().descriptor()));
        log.debug("{} citations under {} in {}", out.size(), packagePrefix, root);
        return out;
    }

    private static void add(List<Citation> out, AnnotatedElement e, Class<?> owner) {
        KernelSource ks = e.getAnnotation(KernelSource.class);
        if (ks == null) {
            return;
        }
        Citation.JavaElement java;
        String javaName;
        String kind;
        if (e instanceof Class<?>) {
            javaName = owner.getSimpleName();
            java = new Citation.JavaElement(owner.getName(), Citation.Kind.TYPE, javaName, "");
            kind = null;
        } else if (e instanceof Field f) {
            javaName = f.getName();
            java = new Citation.JavaElement(owner.getName(), Citation.Kind.FIELD, javaName, "");
            kind = Modifier.isFinal(f.getModifiers()) && Modifier.isStatic(f.getModifiers()) ? "constant" : "variable";
        } else if (e instanceof Method m) {
            javaName = m.getName();
            java = new Citation.JavaElement(owner.getName(), Citation.Kind.METHOD, javaName, Type.getMethodDescriptor(m));
            kind = "";
        } else {
            Constructor<?> k = (Constructor<?>) e;
            javaName = owner.getSimpleName();
            java = new Citation.JavaElement(owner.getName(), Citation.Kind.CONSTRUCTOR, javaName, Type.getConstructorDescriptor(k));
            kind = "";
        }
        String kernelName = ks.name().isEmpty() ? javaName : ks.name();
        if (kind == null) {
            if (kernelName.endsWith(".c") || kernelName.endsWith(".h")) {
                kind = "file";
            } else if (kernelName.startsWith("enum ")) {
                kind = "enum";
            } else {
                kind = kernelName.startsWith("union ") ? "union" : "struct";
            }
        } else if (kind.isEmpty()) {
            kind = kernelName.equals(kernelName.toUpperCase(Locale.ROOT)) ? "macro" : "function";
        }
        int[] lines;
        try {
            lines = Citation.parseLines(ks.lines());
        } catch (IllegalArgumentException x) {
            throw new IllegalStateException(java.display() + ": " + x.getMessage(), x);
        }
        out.add(new Citation(kernelName, kind, ks.file(), lines[0], lines[1], ks.note(), java));
    }

    private static List<String> classNames(Path root, String packagePrefix) {
        if (Files.isRegularFile(root)) {
            try (FileSystem jar = FileSystems.newFileSystem(root, (ClassLoader) null)) {
                return classNamesIn(jar.getPath("/"), packagePrefix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return classNamesIn(root, packagePrefix);
    }

    private static List<String> classNamesIn(Path root, String packagePrefix) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(x -> x.toString().endsWith(".class")).sorted()::iterator) {
                String name = root.relativize(p).toString().replace('/', '.').replace('\\', '.').replaceAll("\\.class$", "");
                if (name.startsWith(packagePrefix) && !name.endsWith("package-info")) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
