// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@code explore=true}: redirects the blocking and timing calls of the port, the machine and the
 * VMM to the controlled scheduler ({@code org.mmulab.lockdep.explore.JdkCalls}), which does exactly
 * what the JDK call does outside a controlled run. Spin waits, park/unpark, sleep, join, isAlive,
 * thread start and {@code System.nanoTime} are rewritten call by call; a {@code new Thread(r, ...)}
 * gets {@code JdkCalls.wrap(r)} so the new thread runs controlled from its first instruction. The
 * port's source does not change, and the lock hooks are woven by Byte Buddy as for lockdep.
 *
 * <p>{@code Thread.yield} means two things in the port: a spinner giving up its core (a wait) and
 * {@code schedule()} giving it up voluntarily (not a wait). Inside {@code sched.schedule} it maps
 * to {@code JdkCalls.schedYield}, elsewhere to {@code JdkCalls.spinYield}.
 */
final class ExploreWeaver implements ClassFileTransformer {
    /** Whether the footprint pass runs too (agent option footprints=on). */
    private final boolean footprints;

    ExploreWeaver(boolean footprints) {
        this.footprints = footprints;
    }


    static final String REDIRECTS = "org/mmulab/lockdep/explore/JdkCalls";
    /** The code that runs in a scenario: the port, the machine, the VMM and its hooks. */
    static final List<String> PACKAGES = List.of("org/mmulab/kernel/", "org/mmulab/hw/", "org/mmulab/fixture/", "org/mmulab/examples/vmm/",
            "org/mmulab/examples/hooks/");

    /** owner.name+descriptor -> the JdkCalls method (same descriptor, the receiver first for instance calls). */
    static final Map<String, String[]> CALLS = Map.ofEntries(
            Map.entry("java/lang/Thread.onSpinWait()V", new String[] {"onSpinWait", "()V"}),
            Map.entry("java/lang/Thread.sleep(J)V", new String[] {"sleep", "(J)V"}),
            Map.entry("java/lang/Thread.sleep(JI)V", new String[] {"sleep", "(JI)V"}),
            Map.entry("java/lang/Thread.join()V", new String[] {"join", "(Ljava/lang/Thread;)V"}),
            Map.entry("java/lang/Thread.join(J)V", new String[] {"join", "(Ljava/lang/Thread;J)V"}),
            Map.entry("java/lang/Thread.isAlive()Z", new String[] {"isAlive", "(Ljava/lang/Thread;)Z"}),
            Map.entry("java/lang/Thread.start()V", new String[] {"start", "(Ljava/lang/Thread;)V"}),
            Map.entry("java/util/concurrent/locks/LockSupport.park()V", new String[] {"park", "()V"}),
            Map.entry("java/util/concurrent/locks/LockSupport.park(Ljava/lang/Object;)V", new String[] {"park", "(Ljava/lang/Object;)V"}),
            Map.entry("java/util/concurrent/locks/LockSupport.parkNanos(J)V", new String[] {"parkNanos", "(J)V"}),
            Map.entry("java/util/concurrent/locks/LockSupport.parkNanos(Ljava/lang/Object;J)V",
                    new String[] {"parkNanos", "(Ljava/lang/Object;J)V"}),
            Map.entry("java/util/concurrent/locks/LockSupport.unpark(Ljava/lang/Thread;)V",
                    new String[] {"unpark", "(Ljava/lang/Thread;)V"}),
            Map.entry("java/lang/System.nanoTime()J", new String[] {"nanoTime", "()J"}));

    static boolean wants(String internalName) {
        if (internalName == null) {
            return false;
        }
        for (String p : PACKAGES) {
            if (internalName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (!wants(className)) {
            return null;
        }
        byte[] redirected;
        try {
            redirected = rewrite(className, classfileBuffer);
        } catch (RuntimeException | LinkageError e) {
            System.err.println("lockdep-agent: explore could not rewrite " + className.replace('/', '.')
                    + ", loaded without yield points: " + e);
            return null;
        }
        if (!footprints) {
            return redirected;
        }
        byte[] in = redirected != null ? redirected : classfileBuffer;
        try {
            return FootprintWeaver.weave(className, in, loader, new int[6]);
        } catch (RuntimeException | LinkageError e) {
            // without its footprints a class's steps would look independent: say so, and let the
            // explorer refuse to prune (Footprint.incomplete)
            org.mmulab.lockdep.explore.Footprint.incomplete(className.replace('/', '.') + ": " + e);
            System.err.println("lockdep-agent: explore could not record the footprints of " + className.replace('/', '.')
                    + "; partial-order reduction is off in this JVM: " + e);
            return redirected;
        }
    }

    /** The class with its blocking calls redirected, or null when it has none. */
    static byte[] rewrite(String className, byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] changed = {false};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                boolean schedule = className.equals("org/mmulab/kernel/linux/sched") && name.equals("schedule");
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String mname, String desc, boolean itf) {
                        if (owner.equals("java/lang/Thread") && mname.equals("yield") && desc.equals("()V")) {
                            changed[0] = true;
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, REDIRECTS, schedule ? "schedYield" : "spinYield", "()V", false);
                            return;
                        }
                        if (opcode == Opcodes.INVOKESPECIAL && owner.equals("java/lang/Thread") && mname.equals("<init>")) {
                            if (desc.equals("(Ljava/lang/Runnable;Ljava/lang/String;)V")) {
                                changed[0] = true;
                                super.visitInsn(Opcodes.SWAP);
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, REDIRECTS, "wrap", "(Ljava/lang/Runnable;)Ljava/lang/Runnable;", false);
                                super.visitInsn(Opcodes.SWAP);
                            } else if (desc.equals("(Ljava/lang/Runnable;)V")) {
                                changed[0] = true;
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, REDIRECTS, "wrap", "(Ljava/lang/Runnable;)Ljava/lang/Runnable;", false);
                            }
                            super.visitMethodInsn(opcode, owner, mname, desc, itf);
                            return;
                        }
                        String[] to = CALLS.get(owner + "." + mname + desc);
                        if (to != null && opcode != Opcodes.INVOKESPECIAL) {
                            changed[0] = true;
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, REDIRECTS, to[0], to[1], false);
                            return;
                        }
                        super.visitMethodInsn(opcode, owner, mname, desc, itf);
                    }
                };
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : null;
    }
}
