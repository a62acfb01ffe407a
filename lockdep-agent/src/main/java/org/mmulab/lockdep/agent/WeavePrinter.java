// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * {@code print=pkg.Class#method}: shows a student what the agent wove into one method, as ASM's
 * Textifier listing before and after. Registered ahead of the weaving transformer, it keeps the
 * class file as loaded; the weaver's listener hands over the woven one.
 */
final class WeavePrinter implements ClassFileTransformer {
    private final String internalName;
    private final String method;
    private final PrintStream out;
    private volatile byte[] before;

    WeavePrinter(String spec, PrintStream out) {
        int hash = spec.indexOf('#');
        if (hash <= 0 || hash == spec.length() - 1) {
            throw new AgentOptions.BadOption("lockdep-agent: bad value '" + spec + "' for print; valid: pkg.Class#method");
        }
        this.internalName = spec.substring(0, hash).replace('.', '/');
        this.method = spec.substring(hash + 1);
        this.out = out;
    }

    String className() {
        return internalName.replace('/', '.');
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain pd, byte[] bytes) {
        if (internalName.equals(className)) {
            before = bytes.clone();
        }
        return null;
    }

    /** Called with the woven class file of the named class. */
    void woven(byte[] after) {
        byte[] b = before;
        String name = className() + "#" + method;
        out.println("lockdep-agent: " + name + " as loaded:");
        out.print(b == null ? "  (class file not seen)\n" : listing(b, method));
        out.println("lockdep-agent: " + name + " as woven:");
        out.print(listing(after, method));
    }

    /** The Textifier listing of every method called {@code method} in the class file. */
    static String listing(byte[] classFile, String method) {
        StringWriter text = new StringWriter();
        PrintWriter pw = new PrintWriter(text);
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!name.equals(method)) {
                    return null;
                }
                pw.println("  " + name + descriptor);
                Textifier t = new Textifier(Opcodes.ASM9) {
                    @Override
                    public void visitMethodEnd() {
                        print(pw);
                    }
                };
                return new TraceMethodVisitor(t);
            }
        }, ClassReader.SKIP_FRAMES);
        pw.flush();
        return text.toString();
    }
}
