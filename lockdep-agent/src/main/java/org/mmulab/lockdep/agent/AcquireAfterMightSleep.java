// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;

/**
 * Where Advice is not the right tool: the kernel's mutex_lock (v3.16 kernel/locking/mutex.c
 * 101-111, with CONFIG_DEBUG_LOCK_ALLOC mutex_lock_nested at 513-519) calls might_sleep first and
 * only then tells lockdep about the acquisition, so a mutex taken under a spinlock is reported as
 * "sleeping function called from invalid context" with the mutex not yet among the held locks,
 * and only after that as a lock-order problem. Advice can only run at a method's entry or exit,
 * which would put lock_acquire before might_sleep; this ASM visitor puts the call to
 * {@code Lockdep.acquire(lock, false)} right after the first {@code might_sleep()} call in the
 * method body, before the lock is tried, so a recursive or inverted mutex is still reported
 * before it can block.
 */
final class AcquireAfterMightSleep implements AsmVisitorWrapper {
    static final String LOCKDEP = "org/mmulab/lockdep/Lockdep";

    @Override
    public int mergeWriter(int flags) {
        return flags | ClassWriter.COMPUTE_MAXS;
    }

    @Override
    public int mergeReader(int flags) {
        return flags;
    }

    @Override
    public ClassVisitor wrap(TypeDescription instrumentedType, ClassVisitor classVisitor,
                             Implementation.Context implementationContext, TypePool typePool,
                             FieldList<FieldDescription.InDefinedShape> fields,
                             MethodList<?> methods, int writerFlags, int readerFlags) {
        return new ClassVisitor(Opcodes.ASM9, classVisitor) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                boolean target = name.equals("mutex_lock") && (access & Opcodes.ACC_STATIC) != 0
                        && descriptor.startsWith("(L") && descriptor.endsWith(";)V");
                return target ? new Inserter(mv) : mv;
            }
        };
    }

    /** Inserts the acquire after the first INVOKESTATIC of a method named might_sleep. */
    static final class Inserter extends MethodVisitor {
        private boolean done;

        Inserter(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            if (!done && opcode == Opcodes.INVOKESTATIC && name.equals("might_sleep") && descriptor.equals("()V")) {
                done = true;
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitInsn(Opcodes.ICONST_0);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, LOCKDEP, "acquire", "(Ljava/lang/Object;Z)V", false);
            }
        }
    }
}
