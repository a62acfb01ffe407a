// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
    private volatile ClassLoader loader;

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
            this.loader = loader;
        }
        return null;
    }

    /** Called with the woven class file of the named class. */
    void woven(byte[] after) {
        byte[] b = before;
        String name = className() + "#" + method;
        out.println("lockdep-agent: " + name + " as loaded:");
        out.print(b == null ? "  (class file not seen)\n" : orMissing(listing(b, method)));
        out.println("lockdep-agent: " + name + " as woven:");
        out.print(orMissing(listing(after, method)));
        done = true;
    }

    private volatile boolean done;

    /**
     * Called when the weaver has finished with the named class without changing it: the method is
     * printed as loaded, with the woven primitives it calls (that is where its checks run).
     */
    void unchanged() {
        byte[] b = before;
        if (done || b == null) {
            return;
        }
        done = true;
        String name = className() + "#" + method;
        out.println("lockdep-agent: " + name + " as loaded (the agent leaves this class unchanged):");
        out.print(orMissing(listing(b, method)));
        List<String> calls = wovenCallees(b, method, loader);
        out.println(calls.isEmpty()
                ? "lockdep-agent: it calls no woven primitive, so lockdep checks nothing here"
                : "lockdep-agent: its checks run inside the woven primitives it calls: " + String.join(", ", calls));
    }

    private String orMissing(String listing) {
        return listing.isEmpty() ? "  (no method named " + method + " in " + className() + ")\n" : listing;
    }

    /**
     * The methods {@code method} invokes that are woven ({@link LockdepAgent#WOVEN}) or reach a
     * woven hook through the port's own code (spin_lock reaches lock_acquire through spin_acquire),
     * in first-call order; a reaching one is shown with the hooks it reaches.
     */
    static List<String> wovenCallees(byte[] classFile, String method, ClassLoader loader) {
        ClassLoader l = loader != null ? loader : ClassLoader.getSystemClassLoader();
        Map<String, Set<String>> memo = new HashMap<>();
        List<String> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String callee : callees(classFile, method)) {
            if (!seen.add(callee)) {
                continue;
            }
            String shown = callee.substring(callee.lastIndexOf('.') + 1);
            if (LockdepAgent.WOVEN.contains(callee)) {
                out.add(shown);
                continue;
            }
            Set<String> reached = reach(callee, l, memo, 0);
            if (!reached.isEmpty()) {
                List<String> hooks = new ArrayList<>();
                reached.forEach(h -> hooks.add(h.substring(h.lastIndexOf('.') + 1)));
                out.add(shown + " (through " + String.join(", ", hooks) + ")");
            }
        }
        return out;
    }

    /** How deep {@link #reach} follows the port's calls: the macro chains are short. */
    private static final int REACH_DEPTH = 6;

    /** The woven hooks {@code key} (Class#method) reaches through port code, at most {@link #REACH_DEPTH} calls down. */
    private static Set<String> reach(String key, ClassLoader l, Map<String, Set<String>> memo, int depth) {
        Set<String> known = memo.get(key);
        if (known != null) {
            return known;
        }
        Set<String> out = new LinkedHashSet<>();
        memo.put(key, out); // a cycle ends here
        if (depth >= REACH_DEPTH || !key.startsWith("org.mmulab.kernel.")) {
            return out;
        }
        int hash = key.indexOf('#');
        byte[] bytes;
        try (java.io.InputStream in = l.getResourceAsStream(key.substring(0, hash).replace('.', '/') + ".class")) {
            if (in == null) {
                return out;
            }
            bytes = in.readAllBytes();
        } catch (java.io.IOException e) {
            return out;
        }
        for (String c : callees(bytes, key.substring(hash + 1))) {
            if (LockdepAgent.WOVEN.contains(c)) {
                out.add(c);
            } else {
                out.addAll(reach(c, l, memo, depth + 1));
            }
        }
        return out;
    }

    /** Every method {@code method} invokes, as Class#method, in call order (repeats kept once). */
    private static Set<String> callees(byte[] classFile, String method) {
        Set<String> out = new LinkedHashSet<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!name.equals(method)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String mname, String mdesc, boolean itf) {
                        out.add(owner.replace('/', '.') + "#" + mname);
                    }
                };
            }
        }, ClassReader.SKIP_FRAMES);
        return out;
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
