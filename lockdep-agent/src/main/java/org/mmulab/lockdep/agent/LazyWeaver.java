// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The agent's class-file transformer as the JVM sees it: a name check, and nothing more, until a
 * class the agent weaves (one of the hook classes, in one of the woven packages) is loaded. Only
 * then is Byte Buddy's transformer built (the matchers, the advice, some nine hundred classes of
 * Byte Buddy and ASM), and only those classes ever go to it: the port's other hundred-odd classes
 * load untouched, without Byte Buddy parsing each one to find that nothing matches. A program that
 * never loads the port (such as {@code mmulab list}) therefore starts almost as fast as without
 * the agent; one that does pays Byte Buddy's set-up once, at its first hooked class.
 *
 * <p>With a {@link WeaveCache}, a hooked class woven in an earlier run (the same class file, the
 * same agent jar, the same weave settings) is handed back from the cache, and Byte Buddy is not
 * set up at all; a class the cache lacks is woven and stored for the next run.
 */
final class LazyWeaver implements ClassFileTransformer {
    private final String[] prefixes;
    /** Internal names of the classes to weave (the hooks' classes, and print='s class). */
    private final Set<String> classes;
    private final Supplier<ClassFileTransformer> factory;
    private volatile ClassFileTransformer delegate;
    private WeaveCache cache;
    private String settings;
    private Predicate<String> cacheable = n -> true;
    private Consumer<String> onHit = n -> { };
    private boolean building; // guarded by this

    /**
     * @param packages binary-name prefixes ({@code org.mmulab.kernel.})
     * @param classes binary names of the classes to weave, if they are in those packages
     */
    LazyWeaver(List<String> packages, Set<String> classes, Supplier<ClassFileTransformer> factory) {
        // loops, not streams: this runs in premain, where each lambda's first use costs a class
        this.prefixes = new String[packages.size()];
        for (int i = 0; i < prefixes.length; i++) {
            prefixes[i] = packages.get(i).replace('.', '/');
        }
        Set<String> internal = new java.util.HashSet<>();
        for (String c : classes) {
            internal.add(c.replace('.', '/'));
        }
        this.classes = Set.copyOf(internal);
        this.factory = factory;
    }

    /**
     * Keeps woven classes in {@code cache} between runs. {@code settings} names everything besides
     * the class file and the agent jar that the weave depends on; {@code cacheable} says which
     * classes may come from the cache (internal names); {@code onHit} is told of each class that did.
     */
    LazyWeaver withCache(WeaveCache cache, String settings, Predicate<String> cacheable, Consumer<String> onHit) {
        this.cache = cache;
        this.settings = settings;
        this.cacheable = cacheable;
        this.onHit = onHit;
        return this;
    }

    WeaveCache cache() {
        return cache;
    }

    boolean wants(String internalName) {
        if (internalName == null || internalName.startsWith("org/mmulab/lockdep/") || !classes.contains(internalName)) {
            return false;
        }
        for (String p : prefixes) {
            if (internalName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether Byte Buddy's transformer has been built (a port class was seen). */
    boolean started() {
        return delegate != null;
    }

    private ClassFileTransformer delegate() {
        ClassFileTransformer d = delegate;
        if (d != null) {
            return d;
        }
        synchronized (this) {
            if (delegate == null && !building) {
                building = true;
                try {
                    delegate = factory.get();
                } finally {
                    building = false;
                }
            }
            return delegate; // null only for a class loaded while the transformer is being built
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) throws IllegalClassFormatException {
        return weave(module, true, loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) throws IllegalClassFormatException {
        return weave(null, false, loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
    }

    private byte[] weave(Module module, boolean withModule, ClassLoader loader, String className, Class<?> classBeingRedefined,
                         ProtectionDomain protectionDomain, byte[] classfileBuffer) throws IllegalClassFormatException {
        if (!wants(className)) {
            return null;
        }
        WeaveCache c = cache != null && classfileBuffer != null && cacheable.test(className) ? cache : null;
        if (c != null) {
            byte[] hit = c.get(className, settings, classfileBuffer);
            if (hit != null) {
                onHit.accept(className);
                return hit;
            }
        }
        ClassFileTransformer d = delegate();
        if (d == null) {
            if (withModule) {
                System.err.println("lockdep-agent: " + className.replace('/', '.')
                        + " was loaded while the weaver was being built; loaded unchanged");
            }
            return null;
        }
        byte[] woven = withModule
                ? d.transform(module, loader, className, classBeingRedefined, protectionDomain, classfileBuffer)
                : d.transform(loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
        if (c != null && woven != null) {
            c.put(className, settings, classfileBuffer, woven); // a failed write only costs the next run the weave
        }
        return woven;
    }
}
