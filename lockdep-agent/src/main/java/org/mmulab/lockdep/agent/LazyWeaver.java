// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.function.Supplier;

/**
 * The agent's class-file transformer as the JVM sees it: a name check, and nothing more, until a
 * class in one of the woven packages is loaded. Only then is Byte Buddy's transformer built (the
 * matchers, the advice, some nine hundred classes of Byte Buddy and ASM), and every later class
 * in those packages goes to it. A program that never loads the port (such as {@code mmulab list})
 * therefore starts almost as fast as without the agent; one that does pays Byte Buddy's set-up
 * once, at its first port class.
 */
final class LazyWeaver implements ClassFileTransformer {
    private final String[] prefixes;
    private final Supplier<ClassFileTransformer> factory;
    private volatile ClassFileTransformer delegate;
    private boolean building; // guarded by this

    /** @param packages binary-name prefixes ({@code org.mmulab.kernel.}) */
    LazyWeaver(List<String> packages, Supplier<ClassFileTransformer> factory) {
        this.prefixes = packages.stream().map(p -> p.replace('.', '/')).toArray(String[]::new);
        this.factory = factory;
    }

    boolean wants(String internalName) {
        if (internalName == null || internalName.startsWith("org/mmulab/lockdep/")) {
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
        if (!wants(className)) {
            return null;
        }
        ClassFileTransformer d = delegate();
        if (d == null) {
            System.err.println("lockdep-agent: " + className.replace('/', '.')
                    + " was loaded while the weaver was being built; loaded unchanged");
            return null;
        }
        return d.transform(module, loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) throws IllegalClassFormatException {
        if (!wants(className)) {
            return null;
        }
        ClassFileTransformer d = delegate();
        return d == null ? null : d.transform(loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
    }
}
