// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import java.lang.reflect.Executable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mmulab.kernel.KernelSource;

/**
 * Links from the text of a report into the side-by-side site ({@code ./mmulab docs}): a Java frame
 * {@code org.mmulab.kernel....Class.method(File.java:N)} of a method that carries
 * {@link KernelSource} becomes a link to its row, {@code <site>/<kernel file>.html#<row id>}, where
 * the row id is the kernel name made an id the way the docs module's {@code Html.id} makes it.
 * The annotations are read from the port's classes at run time, so a link names what the code says.
 */
public final class CodeLinks {
    /** A frame of the port, as lockdep prints it (the line may be missing: {@code (x86.java)}). */
    static final Pattern FRAME = Pattern.compile("(org\\.mmulab\\.kernel\\.[\\w.$]+)\\.([\\w$<>]+)\\((\\w+\\.java)(?::\\d+)?\\)");

    /** Where a kernel element's row is: its page in the site and the row id. */
    public record Target(String file, String kernelName) {
        public String page() {
            return file + ".html";
        }

        public String id() {
            return CodeLinks.id(kernelName);
        }
    }

    private final String siteHref;
    private final ClassLoader loader;

    /**
     * @param siteHref the site's directory as a link from the page (ends in {@code /}, or empty)
     * @param loader where the port's classes are
     */
    public CodeLinks(String siteHref, ClassLoader loader) {
        this.siteHref = siteHref.isEmpty() || siteHref.endsWith("/") ? siteHref : siteHref + "/";
        this.loader = loader;
    }

    /** The site directory {@code site} as a link from a page written to {@code page}. */
    public static String relative(Path page, Path site) {
        Path from = page.toAbsolutePath().normalize().getParent();
        Path rel = from.relativize(site.toAbsolutePath().normalize());
        String s = rel.toString().replace('\\', '/');
        return s.isEmpty() ? "" : s + "/";
    }

    public String siteHref() {
        return siteHref;
    }

    /** The docs module's {@code Html.id}: letters, digits, {@code _ . -} kept, anything else {@code -}. */
    public static String id(String kernelName) {
        String s = kernelName.replaceAll("[^A-Za-z0-9_.-]", "-");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) && s.charAt(0) != '_' ? "e-" + s : s;
    }

    /**
     * The row of the method {@code method} of class {@code className}, or null when the class is
     * not loaded from here, no method of that name carries {@link KernelSource}, or its overloads
     * cite different kernel elements (the frame does not say which).
     */
    public Target target(String className, String method) {
        Class<?> c;
        try {
            c = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        Set<Target> found = new LinkedHashSet<>();
        List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
        if (method.equals("<init>")) {
            members = new ArrayList<>(List.of(c.getDeclaredConstructors()));
        }
        for (Executable m : members) {
            if (!(m instanceof java.lang.reflect.Constructor) && !m.getName().equals(method)) {
                continue;
            }
            KernelSource ks = m.getAnnotation(KernelSource.class);
            if (ks != null) {
                found.add(new Target(ks.file(), ks.name().isEmpty() ? m.getName() : ks.name()));
            }
        }
        return found.size() == 1 ? found.iterator().next() : null;
    }

    /** The link of a target: the page and the row. */
    public String href(Target t) {
        return siteHref + t.page() + "#" + t.id();
    }

    /** {@code text} escaped for XHTML, each frame of a ported function a link to its row. */
    public String linkFrames(String text) {
        StringBuilder b = new StringBuilder();
        Matcher m = FRAME.matcher(text);
        int at = 0;
        while (m.find()) {
            Target t = target(m.group(1), m.group(2));
            if (t == null) {
                continue;
            }
            b.append(Xml.esc(text.substring(at, m.start())));
            b.append("<a class=\"code\" href=\"").append(Xml.esc(href(t))).append("\" title=\"")
                    .append(Xml.esc(t.file() + ": " + t.kernelName())).append("\">").append(Xml.esc(m.group()))
                    .append("</a>");
            at = m.end();
        }
        return b.append(Xml.esc(text.substring(at))).toString();
    }
}
