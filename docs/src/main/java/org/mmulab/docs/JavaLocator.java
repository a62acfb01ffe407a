// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.mmulab.docs.JavaSourceIndex.Decl;
import org.mmulab.docs.JavaSourceIndex.DeclKind;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Finds a Java element's lines in a source root. Types and fields by the source index; a method by
 * name, and among overloads by the first line of its bytecode (ASM's LineNumberTable), then widened
 * to its javadoc and annotations by the index.
 */
public final class JavaLocator {
    private static final Logger log = LogManager.getLogger(JavaLocator.class);

    /**
     * Where an element is.
     *
     * @param path the source file relative to the root, with {@code /}
     * @param decl its declaration
     * @param lines the whole file's lines
     */
    public record Located(String path, Decl decl, List<String> lines) {}

    private final Path root;
    private final ClassLoader loader;
    private final Map<String, List<String>> text = new HashMap<>();
    private final Map<String, List<Decl>> index = new HashMap<>();
    private final Map<String, Map<String, Integer>> firstLines = new HashMap<>();

    /**
     * @param root the source root ({@code kernel-port/src/main/java})
     * @param loader loads the compiled classes, for their line tables
     */
    public JavaLocator(Path root, ClassLoader loader) {
        this.root = root;
        this.loader = loader;
    }

    /** Locates {@code e}; throws {@link IllegalArgumentException} with a reason when it cannot. */
    public Located locate(Citation.JavaElement e) {
        String rel = e.sourcePath();
        List<String> lines = text(rel);
        List<Decl> decls = index.computeIfAbsent(rel, r -> {
            try {
                return JavaSourceIndex.parse(String.join("\n", lines));
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException(root.resolve(r) + ": " + x.getMessage(), x);
            }
        });
        List<String> typePath = Arrays.asList(e.typePath());
        List<String> owner = typePath.subList(0, typePath.size() - 1);
        String simple = typePath.get(typePath.size() - 1);
        List<Decl> found = new ArrayList<>();
        for (Decl d : decls) {
            boolean match = switch (e.kind()) {
                case TYPE -> d.kind() == DeclKind.TYPE && d.owner().equals(owner) && d.name().equals(simple);
                case FIELD -> d.kind() == DeclKind.FIELD && d.owner().equals(typePath) && d.name().equals(e.member());
                case METHOD -> d.kind() == DeclKind.METHOD && d.owner().equals(typePath) && d.name().equals(e.member());
                case CONSTRUCTOR -> d.kind() == DeclKind.METHOD && d.owner().equals(typePath) && d.name().equals(simple);
            };
            if (match) {
                found.add(d);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no declaration of " + e.display() + " in " + root.resolve(rel));
        }
        Decl pick = found.get(0);
        if (found.size() > 1 && (e.kind() == Citation.Kind.METHOD || e.kind() == Citation.Kind.CONSTRUCTOR)) {
            String key = (e.kind() == Citation.Kind.CONSTRUCTOR ? "<init>" : e.member()) + e.descriptor();
            Integer first = firstLines(e.className()).get(key);
            pick = null;
            for (Decl d : found) {
                if (first != null && d.start() <= first && first <= d.end()) {
                    pick = d;
                }
            }
            if (pick == null) {
                log.warn("{}: {} overloads and no line table to choose by; taking the first", e.display(), found.size());
                pick = found.get(0);
            }
        }
        return new Located(rel, pick, lines);
    }

    private List<String> text(String rel) {
        return text.computeIfAbsent(rel, r -> {
            Path p = root.resolve(r);
            try {
                return Files.readAllLines(p, StandardCharsets.UTF_8);
            } catch (IOException x) {
                throw new IllegalArgumentException("no Java source " + p, x);
            }
        });
    }

    /** name+descriptor -> the smallest line in the method's LineNumberTable. */
    private Map<String, Integer> firstLines(String className) {
        return firstLines.computeIfAbsent(className, cn -> {
            Map<String, Integer> out = new HashMap<>();
            try (InputStream in = loader.getResourceAsStream(cn.replace('.', '/') + ".class")) {
                if (in == null) {
                    return out;
                }
                new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                        String key = name + desc;
                        return new MethodVisitor(Opcodes.ASM9) {
                            @Override
                            public void visitLineNumber(int line, Label start) {
                                out.merge(key, line, Math::min);
                            }
                        };
                    }
                }, ClassReader.SKIP_FRAMES);
            } catch (IOException x) {
                log.warn("cannot read the class file of {}: {}", cn, x.toString());
            }
            return out;
        });
    }
}
