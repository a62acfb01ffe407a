// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux source tree checked to be v3.16: its top Makefile says {@code VERSION = 3},
 * {@code PATCHLEVEL = 16}, {@code SUBLEVEL = 0} and an empty {@code EXTRAVERSION}. Reads files as
 * ISO-8859-1 so any byte survives.
 */
public final class KernelTree {
    /** The tree given is not usable; the message is the whole error line. */
    public static final class NotV316Exception extends Exception {
        NotV316Exception(String message) {
            super(message);
        }
    }

    private final Path root;
    private final String version;
    private final Map<String, Optional<List<String>>> files = new HashMap<>();

    private KernelTree(Path root, String version) {
        this.root = root;
        this.version = version;
    }

    /** Opens {@code root}, or says why it is not a v3.16 tree. */
    public static KernelTree open(Path root) throws NotV316Exception {
        if (!Files.isDirectory(root)) {
            throw new NotV316Exception(root + " is not a directory");
        }
        Path makefile = root.resolve("Makefile");
        String text;
        try {
            text = Files.readString(makefile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new NotV316Exception(root + " has no readable top Makefile, so it is not a Linux tree");
        }
        String v = field(text, "VERSION");
        String p = field(text, "PATCHLEVEL");
        String s = field(text, "SUBLEVEL");
        String x = field(text, "EXTRAVERSION");
        if (v == null || p == null || s == null) {
            throw new NotV316Exception(root + "/Makefile has no VERSION/PATCHLEVEL/SUBLEVEL lines, so it is not a Linux tree");
        }
        String version = v + "." + p + "." + s + (x == null ? "" : x);
        if (!v.equals("3") || !p.equals("16") || !s.equals("0") || (x != null && !x.isEmpty())) {
            throw new NotV316Exception(root + " is Linux " + version + ", not v3.16");
        }
        return new KernelTree(root, version);
    }

    private static String field(String makefile, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "[ \\t]*=[ \\t]*(\\S*)[ \\t]*$").matcher(makefile);
        return m.find() ? m.group(1) : null;
    }

    public Path root() {
        return root;
    }

    /** {@code 3.16.0}. */
    public String version() {
        return version;
    }

    /** The lines of {@code file} (a path in the tree), or empty if there is no such file. */
    public Optional<List<String>> lines(String file) {
        return files.computeIfAbsent(file, f -> {
            Path p = root.resolve(f).normalize();
            if (!p.startsWith(root.normalize())) {
                return Optional.empty();
            }
            try {
                return Optional.of(Files.readAllLines(p, StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * Why {@code c}'s range does not hold its element in this tree, or empty when it does: a function
     * or macro's name in its first three lines, a struct/union/enum's in its first two, a constant or
     * variable's on its first line, a whole-file citation covering the whole file.
     */
    public Optional<String> check(Citation c) {
        Optional<List<String>> maybe = lines(c.file());
        if (maybe.isEmpty()) {
            return Optional.of("no file " + c.file() + " in the tree");
        }
        List<String> text = maybe.get();
        if (c.last() > text.size()) {
            return Optional.of(c.file() + " has " + text.size() + " lines, cited " + c.lines());
        }
        if (c.isFile()) {
            return c.first() == 1 && c.last() == text.size()
                    ? Optional.empty()
                    : Optional.of("whole-file citation " + c.lines() + " but " + c.file() + " has " + text.size() + " lines");
        }
        String name = c.kernelName().replaceFirst("^(struct|union|enum) ", "");
        int window = switch (c.kind()) {
            case "function", "macro" -> 3;
            case "struct", "union", "enum" -> 2;
            default -> 1;
        };
        Pattern p = Pattern.compile("\\b" + Pattern.quote(name) + "\\b");
        for (int i = c.first(); i <= Math.min(c.last(), c.first() + window - 1); i++) {
            if (p.matcher(text.get(i - 1)).find()) {
                return Optional.empty();
            }
        }
        return Optional.of("'" + name + "' is not in the first " + (window == 1 ? "line" : window + " lines") + " of "
                + c.file() + ":" + c.lines() + " (line " + c.first() + ": " + text.get(c.first() - 1).trim() + ")");
    }
}
