// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.variants;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Selects a variant of the seed commit without touching the port: a class loader that loads the
 * port, the machine and the VMM itself (child first) and, as it loads them, swaps whole methods
 * for a variant's (ASM rewrites the body into a call to the replacement), or adds a hook at a
 * method's entry (for tests that force a schedule). Everything else comes from the parent, so a
 * hook class outside the loaded packages is shared with the code that set it up.
 */
public final class VariantLoader extends ClassLoader {
    /** Packages this loader loads itself (a fresh copy per run, with the swaps applied). */
    static final String[] CHILD_FIRST = {"org.mmulab.kernel.", "org.mmulab.hw.", "org.mmulab.fixture.",
        "org.mmulab.examples.vmm."};

    /** A method swap or entry hook. Owners are internal names ({@code org/mmulab/kernel/...}). */
    public record Swap(String owner, String method, String descriptor, String target, String hook) {
        /** Replace the body of {@code owner.method} with a call to the same method of {@code target}. */
        public static Swap replace(String owner, String method, String descriptor, String target) {
            return new Swap(owner, method, descriptor, target, null);
        }

        /** Call the static no-argument {@code target.hook()} when {@code owner.method} is entered. */
        public static Swap before(String owner, String method, String descriptor, String target, String hook) {
            return new Swap(owner, method, descriptor, target, hook);
        }
    }

    static final String MMU = "org/mmulab/kernel/arch/x86/kvm/mmu";
    static final String X86 = "org/mmulab/kernel/arch/x86/kvm/x86";
    static final String SLOT_WP = "(Lorg/mmulab/kernel/linux/kvm;I)V";
    static final String GET_LOG = "(Lorg/mmulab/kernel/linux/kvm;Lorg/mmulab/kernel/uapi/linux/kvm_dirty_log;)I";
    static final String SPTE_UPDATE = "(JJ)Z";

    /** The variants of the seed commit, by name, in the order `mmulab list` shows them. */
    public static final Map<String, String> DESCRIPTIONS = new LinkedHashMap<>();
    static final Map<String, List<Swap>> SWAPS = new LinkedHashMap<>();

    static {
        variant("v3.16", "the code as the seed commit left it (default)");
        variant("v3.15", "before the commit: both flushes inside mmu_lock",
                Swap.replace(MMU, "kvm_mmu_slot_remove_write_access", SLOT_WP, "org/mmulab/kernel/variants/variant_v3_15"),
                Swap.replace(X86, "kvm_vm_ioctl_get_dirty_log", GET_LOG, "org/mmulab/kernel/variants/variant_v3_15"));
        variant("no-slots-lock", "teaching break: KVM_GET_DIRTY_LOG without slots_lock",
                Swap.replace(X86, "kvm_vm_ioctl_get_dirty_log", GET_LOG, "org/mmulab/kernel/variants/variant_no_slots_lock"));
        variant("pt-writable", "teaching break: mmu_spte_update owes a flush by PT_WRITABLE_MASK",
                Swap.replace(MMU, "mmu_spte_update", SPTE_UPDATE, "org/mmulab/kernel/variants/variant_pt_writable"));
    }

    private static void variant(String name, String description, Swap... swaps) {
        DESCRIPTIONS.put(name, description);
        SWAPS.put(name, List.of(swaps));
    }

    private final List<Swap> swaps;
    private final List<Swap> extra;
    private final List<String> childFirst = new ArrayList<>(List.of(CHILD_FIRST));
    private final Map<String, Integer> applied = new LinkedHashMap<>();

    /** A loader for {@code variant} plus any {@code extra} swaps or hooks. */
    public VariantLoader(String variant, ClassLoader parent, List<Swap> extra) {
        this(variant, parent, extra, List.of());
    }

    /**
     * A loader for {@code variant} plus any {@code extra} swaps or hooks, which also loads the
     * packages {@code alsoChildFirst} itself: code that must see the swapped port (an exercise's
     * graders and the solutions swapped in for it).
     */
    public VariantLoader(String variant, ClassLoader parent, List<Swap> extra, List<String> alsoChildFirst) {
        super("mmulab-variant-" + variant, parent);
        this.childFirst.addAll(alsoChildFirst);
        List<Swap> s = SWAPS.get(variant);
        if (s == null) {
            throw new IllegalArgumentException("unknown variant '" + variant + "'");
        }
        this.swaps = new ArrayList<>(s);
        this.swaps.addAll(extra);
        this.extra = List.copyOf(extra);
    }

    /** The swaps and hooks given on top of the variant's (a grader hands them on to a child JVM). */
    public List<Swap> extra() {
        return extra;
    }

    /** How many methods were rewritten, by "owner.method" (for tests: a swap that never applied is a bug). */
    public synchronized Map<String, Integer> applied() {
        return new LinkedHashMap<>(applied);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                if (!isChildFirst(name)) {
                    return super.loadClass(name, resolve);
                }
                byte[] bytes = read(name);
                if (bytes == null) {
                    return super.loadClass(name, resolve);
                }
                bytes = transform(name.replace('.', '/'), bytes);
                c = defineClass(name, bytes, 0, bytes.length);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private boolean isChildFirst(String name) {
        for (String p : childFirst) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private byte[] read(String name) throws ClassNotFoundException {
        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }

    private byte[] transform(String internalName, byte[] bytes) {
        List<Swap> mine = new ArrayList<>();
        for (Swap s : swaps) {
            if (s.owner().equals(internalName)) {
                mine.add(s);
            }
        }
        if (mine.isEmpty()) {
            return bytes;
        }
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                for (Swap s : mine) {
                    if (s.method().equals(name) && s.descriptor().equals(descriptor)) {
                        record(internalName + "." + name);
                        if (s.hook() == null) {
                            delegate(mv, access, name, descriptor, s.target());
                            return null; // the original body is dropped
                        }
                        return new MethodVisitor(Opcodes.ASM9, mv) {
                            @Override
                            public void visitCode() {
                                super.visitCode();
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, s.target(), s.hook(), "()V", false);
                            }
                        };
                    }
                }
                return mv;
            }
        }, 0);
        return writer.toByteArray();
    }

    private synchronized void record(String what) {
        applied.merge(what, 1, Integer::sum);
    }

    /** The new body: pass every argument on to {@code target.name} and return what it returns. */
    private static void delegate(MethodVisitor mv, int access, String name, String descriptor, String target) {
        if ((access & Opcodes.ACC_STATIC) == 0) {
            throw new IllegalArgumentException("only static kernel functions can be swapped: " + name);
        }
        mv.visitCode();
        int slot = 0;
        for (Type t : Type.getArgumentTypes(descriptor)) {
            mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot);
            slot += t.getSize();
        }
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, target, name, descriptor, false);
        mv.visitInsn(Type.getReturnType(descriptor).getOpcode(Opcodes.IRETURN));
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }
}
