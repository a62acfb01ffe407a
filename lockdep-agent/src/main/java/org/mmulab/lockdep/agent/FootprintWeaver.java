// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@code explore=true}, second pass: puts a footprint call ({@code org.mmulab.lockdep.explore.Footprint})
 * in front of every shared access the port, the machine and the VMM make, so that each step of a
 * controlled run knows what it read and wrote (the explorer's partial-order reduction needs all of
 * it, or it would call two conflicting steps independent):
 *
 * <ul>
 *   <li>getfield and putfield of a non-final field (a final field is written before its object
 *       is shared; a putfield to {@code this} before the super constructor runs is left alone,
 *       since the object cannot be passed anywhere yet);
 *   <li>getstatic and putstatic of a non-final static field;
 *   <li>every array load and store, with its index;
 *   <li>{@code monitorenter} and {@code synchronized} methods (the monitor's object, written);
 *   <li>VarHandle access modes: an array element with its index, else the object, else the
 *       VarHandle itself (a static field);
 *   <li>every other call into the JDK: its receiver, read or written by the method's name, and
 *       its reference arguments, written (at run time only JDK objects and arrays count; the
 *       program's own objects are tracked field by field). What such a call returns, when it is
 *       a JDK object (an iterator, a view, an entry), stands for the receiver afterwards.
 * </ul>
 *
 * The inserted code is straight-line: values are reordered on the stack or kept in fresh locals
 * above the method's own, so the existing stack map frames stay valid.
 */
final class FootprintWeaver {
    static final String FP = "org/mmulab/lockdep/explore/Footprint";

    /**
     * JDK methods that only read their receiver (anything else writes it). Not here: whatever
     * advances a state of its own, as Random's nextInt does.
     */
    static final Set<String> READERS = Set.of("get", "getPlain", "getOpaque", "getAcquire", "size", "isEmpty", "contains",
            "containsKey", "containsValue", "containsAll", "iterator", "listIterator", "getKey", "getValue", "stream", "forEach",
            "indexOf", "lastIndexOf", "equals", "hashCode", "toString", "keySet", "values", "entrySet", "length", "charAt", "peek",
            "peekFirst", "peekLast", "getFirst", "getLast", "first", "last", "longValue", "intValue", "toArray", "spliterator",
            "getOrDefault", "subList", "headSet", "tailSet", "floorKey", "ceilingKey", "firstKey", "lastKey", "floorEntry",
            "ceilingEntry", "higherKey", "lowerKey", "descendingIterator", "isAlive", "getName", "getState");

    /** An iterator's moves read the collection it stands for (its own cursor is its thread's). */
    static final Set<String> ITERATOR_READERS = Set.of("hasNext", "next", "hasPrevious", "previous", "nextIndex", "previousIndex");

    static boolean reads(String owner, String name) {
        if (owner.equals("java/util/Iterator") || owner.equals("java/util/ListIterator")) {
            return ITERATOR_READERS.contains(name);
        }
        return READERS.contains(name);
    }

    /** Immutable JDK value types: calls on them touch nothing shared. */
    static final Set<String> PURE_OWNERS = Set.of("java/lang/String", "java/lang/Math", "java/lang/StrictMath", "java/lang/Integer",
            "java/lang/Long", "java/lang/Short", "java/lang/Byte", "java/lang/Character", "java/lang/Boolean", "java/lang/Double",
            "java/lang/Float", "java/lang/Enum", "java/lang/Class", "java/lang/ThreadLocal", "java/lang/Record");

    /** Final fields by class (internal name), read from the class files on demand. */
    private static final Map<String, Set<String>> FINALS = new ConcurrentHashMap<>();
    private static final Map<String, String> SUPERS = new ConcurrentHashMap<>();

    /** What the last {@link #weave} put in, by kind (for tests and -verbose). */
    record Counts(int fields, int statics, int elements, int monitors, int varHandles, int jdkCalls) {}

    private FootprintWeaver() {}

    /** A call into the JDK: a JDK class, or an array's own method (clone, which reads every element). */
    static boolean jdk(String owner) {
        return owner.startsWith("java/") || owner.startsWith("javax/") || owner.startsWith("jdk/") || owner.startsWith("sun/")
                || owner.startsWith("[");
    }

    /** The class with its footprint calls in, and what was put in. */
    static byte[] weave(String className, byte[] bytes, ClassLoader loader, int[] counts) {
        ClassReader reader = new ClassReader(bytes);
        ClassNode cn = new ClassNode();
        reader.accept(cn, 0);
        Set<String> own = new HashSet<>();
        cn.fields.forEach(f -> {
            if ((f.access & Opcodes.ACC_FINAL) != 0) {
                own.add(f.name);
            }
        });
        Set<String> all = new HashSet<>();
        cn.fields.forEach(f -> all.add(f.name));
        FINALS.put(className, own);
        FIELDS.put(className, all);
        if (cn.superName != null) {
            SUPERS.putIfAbsent(className, cn.superName);
        }
        for (MethodNode m : cn.methods) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 || m.instructions.size() == 0) {
                continue;
            }
            weave(cn, m, loader, counts);
        }
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cn.accept(writer);
        return writer.toByteArray();
    }

    private static void weave(ClassNode cn, MethodNode m, ClassLoader loader, int[] counts) {
        InsnList code = m.instructions;
        boolean ctor = m.name.equals("<init>");
        int pendingNews = 0;
        boolean superCalled = !ctor;
        int temps = m.maxLocals;
        int maxTemps = temps;
        if ((m.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            InsnList in = new InsnList();
            if ((m.access & Opcodes.ACC_STATIC) != 0) {
                in.add(new LdcInsnNode(Type.getObjectType(cn.name)));
            } else {
                in.add(new VarInsnNode(Opcodes.ALOAD, 0));
            }
            in.add(call("whole", "(Ljava/lang/Object;)V"));
            code.insert(in);
            counts[3]++;
        }
        for (AbstractInsnNode insn : code.toArray()) {
            int op = insn.getOpcode();
            if (op < 0) {
                continue;
            }
            InsnList in = new InsnList();
            switch (op) {
                case Opcodes.NEW:
                    pendingNews++;
                    break;
                case Opcodes.GETFIELD: {
                    FieldInsnNode f = (FieldInsnNode) insn;
                    if (!isFinal(f.owner, f.name, loader)) {
                        in.add(new InsnNode(Opcodes.DUP));
                        in.add(new LdcInsnNode(org.mmulab.lockdep.explore.Footprint.fieldId(f.owner, f.name)));
                        in.add(call("read", "(Ljava/lang/Object;I)V"));
                        counts[0]++;
                    }
                    break;
                }
                case Opcodes.PUTFIELD: {
                    FieldInsnNode f = (FieldInsnNode) insn;
                    if (!superCalled && f.owner.equals(cn.name)) {
                        break; // this, before the super constructor: not shared yet, and cannot be passed
                    }
                    int id = org.mmulab.lockdep.explore.Footprint.fieldId(f.owner, f.name);
                    if (Type.getType(f.desc).getSize() == 2) {
                        in.add(new InsnNode(Opcodes.DUP2_X1));
                        in.add(new InsnNode(Opcodes.POP2));
                        in.add(new InsnNode(Opcodes.DUP_X2));
                    } else {
                        in.add(new InsnNode(Opcodes.SWAP));
                        in.add(new InsnNode(Opcodes.DUP_X1));
                    }
                    in.add(new LdcInsnNode(id));
                    in.add(call("write", "(Ljava/lang/Object;I)V"));
                    counts[0]++;
                    break;
                }
                case Opcodes.GETSTATIC:
                case Opcodes.PUTSTATIC: {
                    FieldInsnNode f = (FieldInsnNode) insn;
                    if (!isFinal(f.owner, f.name, loader)) {
                        in.add(new LdcInsnNode(org.mmulab.lockdep.explore.Footprint.fieldId(f.owner, f.name)));
                        in.add(call(op == Opcodes.GETSTATIC ? "readStatic" : "writeStatic", "(I)V"));
                        counts[1]++;
                    }
                    break;
                }
                case Opcodes.IALOAD: case Opcodes.LALOAD: case Opcodes.FALOAD: case Opcodes.DALOAD:
                case Opcodes.AALOAD: case Opcodes.BALOAD: case Opcodes.CALOAD: case Opcodes.SALOAD:
                    in.add(new InsnNode(Opcodes.DUP2));
                    in.add(call("readElement", "(Ljava/lang/Object;I)V"));
                    counts[2]++;
                    break;
                case Opcodes.IASTORE: case Opcodes.FASTORE: case Opcodes.AASTORE:
                case Opcodes.BASTORE: case Opcodes.CASTORE: case Opcodes.SASTORE:
                    in.add(new InsnNode(Opcodes.DUP_X2));
                    in.add(new InsnNode(Opcodes.POP));
                    in.add(new InsnNode(Opcodes.DUP2));
                    in.add(call("writeElement", "(Ljava/lang/Object;I)V"));
                    in.add(new InsnNode(Opcodes.DUP2_X1));
                    in.add(new InsnNode(Opcodes.POP2));
                    counts[2]++;
                    break;
                case Opcodes.LASTORE: case Opcodes.DASTORE:
                    in.add(new InsnNode(Opcodes.DUP2_X2));
                    in.add(new InsnNode(Opcodes.POP2));
                    in.add(new InsnNode(Opcodes.DUP2));
                    in.add(call("writeElement", "(Ljava/lang/Object;I)V"));
                    in.add(new InsnNode(Opcodes.DUP2_X2));
                    in.add(new InsnNode(Opcodes.POP2));
                    counts[2]++;
                    break;
                case Opcodes.MONITORENTER:
                    in.add(new InsnNode(Opcodes.DUP));
                    in.add(call("whole", "(Ljava/lang/Object;)V"));
                    counts[3]++;
                    break;
                case Opcodes.INVOKEVIRTUAL:
                case Opcodes.INVOKESPECIAL:
                case Opcodes.INVOKESTATIC:
                case Opcodes.INVOKEINTERFACE: {
                    MethodInsnNode mi = (MethodInsnNode) insn;
                    boolean init = mi.name.equals("<init>");
                    if (init && op == Opcodes.INVOKESPECIAL) {
                        if (pendingNews > 0) {
                            pendingNews--;
                        } else {
                            superCalled = true; // this(...) or super(...)
                        }
                    }
                    if (!jdk(mi.owner) || PURE_OWNERS.contains(mi.owner)) {
                        break;
                    }
                    if (mi.owner.equals("java/lang/Object") && mi.name.equals("clone") && mi.desc.equals("()Ljava/lang/Object;")) {
                        // super.clone() of a program object copies every field: it touches the whole object
                        in.add(new InsnNode(Opcodes.DUP));
                        in.add(call("whole", "(Ljava/lang/Object;)V"));
                        counts[5]++;
                        break;
                    }
                    if (mi.owner.equals("java/lang/Object") && !mi.name.startsWith("wait") && !mi.name.startsWith("notify")) {
                        break; // equals, hashCode, toString, getClass: the program's own (woven) or identity
                    }
                    int used = weaveCall(mi, op, init, temps, in, counts);
                    maxTemps = Math.max(maxTemps, temps + used);
                    InsnList after = after(mi, op, init, temps);
                    if (after != null) {
                        code.insert(insn, after);
                    }
                    break;
                }
                default:
                    break;
            }
            if (in.size() > 0) {
                code.insertBefore(insn, in);
            }
        }
        m.maxLocals = maxTemps;
    }

    private static MethodInsnNode call(String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, FP, name, desc, false);
    }

    /**
     * Before a JDK call: its arguments into fresh locals from {@code base} on, the footprint calls
     * (receiver, reference arguments), the arguments back. Returns the locals used.
     */
    private static int weaveCall(MethodInsnNode mi, int op, boolean init, int base, InsnList in, int[] counts) {
        Type[] args = Type.getArgumentTypes(mi.desc);
        int[] slot = new int[args.length];
        int next = base;
        for (int i = 0; i < args.length; i++) {
            slot[i] = next;
            next += args[i].getSize();
        }
        boolean receiver = op != Opcodes.INVOKESTATIC && !init;
        int recvSlot = next;
        next += 1;
        for (int i = args.length - 1; i >= 0; i--) {
            in.add(new VarInsnNode(args[i].getOpcode(Opcodes.ISTORE), slot[i]));
        }
        boolean varHandle = mi.owner.equals("java/lang/invoke/VarHandle") && op == Opcodes.INVOKEVIRTUAL && accessMode(mi.name);
        if (receiver) {
            in.add(new InsnNode(Opcodes.DUP));
            in.add(new VarInsnNode(Opcodes.ASTORE, recvSlot));
        }
        if (varHandle) {
            counts[4]++;
            boolean write = !(mi.name.startsWith("get") && !mi.name.contains("And"));
            if (args.length >= 2 && args[0].getSort() == Type.ARRAY && args[1].getSort() == Type.INT
                    && !args[0].getDescriptor().equals("[B")) {
                in.add(new VarInsnNode(Opcodes.ALOAD, slot[0]));
                in.add(new VarInsnNode(Opcodes.ILOAD, slot[1]));
                in.add(call(write ? "writeElement" : "readElement", "(Ljava/lang/Object;I)V"));
            } else if (args.length >= 1 && (args[0].getSort() == Type.OBJECT || args[0].getSort() == Type.ARRAY)) {
                in.add(new VarInsnNode(Opcodes.ALOAD, slot[0]));
                in.add(call("whole", "(Ljava/lang/Object;)V"));
            } else {
                in.add(new VarInsnNode(Opcodes.ALOAD, recvSlot)); // a static field's VarHandle stands for the field
                in.add(call("whole", "(Ljava/lang/Object;)V"));
            }
        } else {
            counts[5]++;
            if (receiver) {
                in.add(new VarInsnNode(Opcodes.ALOAD, recvSlot));
                in.add(new InsnNode(reads(mi.owner, mi.name) ? Opcodes.ICONST_0 : Opcodes.ICONST_1));
                in.add(call("jdk", "(Ljava/lang/Object;Z)V"));
            }
            for (int i = 0; i < args.length; i++) {
                if (args[i].getSort() == Type.OBJECT || args[i].getSort() == Type.ARRAY) {
                    in.add(new VarInsnNode(Opcodes.ALOAD, slot[i]));
                    in.add(new InsnNode(Opcodes.ICONST_1));
                    in.add(call("jdk", "(Ljava/lang/Object;Z)V"));
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            in.add(new VarInsnNode(args[i].getOpcode(Opcodes.ILOAD), slot[i]));
        }
        return next - base;
    }

    /** After a JDK call that returns an object: it stands for its receiver (or first reference argument). */
    private static InsnList after(MethodInsnNode mi, int op, boolean init, int base) {
        Type ret = Type.getReturnType(mi.desc);
        if (init || (ret.getSort() != Type.OBJECT && ret.getSort() != Type.ARRAY)) {
            return null;
        }
        if (mi.owner.equals("java/lang/invoke/VarHandle")) {
            return null;
        }
        Type[] args = Type.getArgumentTypes(mi.desc);
        int ofSlot = -1;
        if (op != Opcodes.INVOKESTATIC) {
            int next = base;
            for (Type a : args) {
                next += a.getSize();
            }
            ofSlot = next; // the receiver's slot (see weaveCall)
        } else {
            int next = base;
            for (Type a : args) {
                if (ofSlot < 0 && (a.getSort() == Type.OBJECT || a.getSort() == Type.ARRAY)) {
                    ofSlot = next;
                }
                next += a.getSize();
            }
        }
        if (ofSlot < 0) {
            return null;
        }
        InsnList in = new InsnList();
        in.add(new VarInsnNode(Opcodes.ALOAD, ofSlot));
        in.add(call("derived", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;"));
        if (!ret.getInternalName().equals("java/lang/Object")) {
            in.add(new TypeInsnNode(Opcodes.CHECKCAST, ret.getSort() == Type.ARRAY ? ret.getDescriptor() : ret.getInternalName()));
        }
        return in;
    }

    /** The signature-polymorphic access modes of VarHandle (get, set, compareAndSet, getAndAdd, ...). */
    static boolean accessMode(String name) {
        return List.of("get", "set", "getVolatile", "setVolatile", "getAcquire", "setRelease", "getOpaque", "setOpaque").contains(name)
                || name.startsWith("compareAnd") || name.startsWith("weakCompareAndSet") || name.startsWith("getAnd");
    }

    /** Whether {@code owner.name} is a final field (looked up the superclass chain in the class files). */
    static boolean isFinal(String owner, String name, ClassLoader loader) {
        String o = owner;
        for (int depth = 0; o != null && depth < 16; depth++) {
            Set<String> finals = finals(o, loader);
            if (finals == null) {
                return false;
            }
            if (finals.contains(name)) {
                return true;
            }
            if (FIELDS.getOrDefault(o, Set.of()).contains(name)) {
                return false; // declared here, not final
            }
            o = SUPERS.get(o);
        }
        return false;
    }

    private static final Map<String, Set<String>> FIELDS = new ConcurrentHashMap<>();

    private static Set<String> finals(String owner, ClassLoader loader) {
        Set<String> known = FINALS.get(owner);
        if (known != null && FIELDS.containsKey(owner)) {
            return known;
        }
        ClassLoader l = loader != null ? loader : ClassLoader.getSystemClassLoader();
        try (InputStream in = l.getResourceAsStream(owner + ".class")) {
            if (in == null) {
                return null;
            }
            Set<String> finals = new HashSet<>();
            Set<String> all = new HashSet<>();
            String[] sup = new String[1];
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                    sup[0] = superName;
                }

                @Override
                public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                    all.add(name);
                    if ((access & Opcodes.ACC_FINAL) != 0) {
                        finals.add(name);
                    }
                    return null;
                }
            }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            FINALS.put(owner, finals);
            FIELDS.put(owner, all);
            if (sup[0] != null) {
                SUPERS.put(owner, sup[0]);
            }
            return finals;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
