// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

class ExploreWeaverTest {
    /** Code with every blocking call the weaver redirects. */
    public static final class Sample {
        public static final AtomicInteger RAN = new AtomicInteger();

        public static long all() throws InterruptedException {
            Thread.onSpinWait();
            Thread.yield();
            LockSupport.parkNanos(1000);
            LockSupport.unpark(Thread.currentThread());
            LockSupport.park(Sample.class);
            Thread.sleep(0, 1000);
            Thread t = new Thread(RAN::incrementAndGet, "sample-child");
            t.start();
            t.join();
            Thread u = new Thread(RAN::incrementAndGet);
            u.start();
            u.join(10_000);
            return t.isAlive() || u.isAlive() ? -1 : System.nanoTime();
        }
    }

    static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName().replace('.', '$') + ".class")) {
            if (in != null) {
                return in.readAllBytes();
            }
        }
        String name = c.getName().substring(c.getName().lastIndexOf('.') + 1);
        try (InputStream in = c.getResourceAsStream(name + ".class")) {
            return in.readAllBytes();
        }
    }

    /** A loader that defines class {@code className} from {@code bytes} and asks {@code parent} for the rest. */
    static ClassLoader definingLoader(String className, byte[] bytes, ClassLoader parent) {
        return new ClassLoader(parent) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(className)) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, bytes, 0, bytes.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
    }

    /** owner.name of every call in the class. */
    static List<String> calls(byte[] bytes) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        out.add(owner + "." + n);
                    }
                };
            }
        }, 0);
        return out;
    }

    @Test
    void everyBlockingCallGoesToTheSchedulerAndNewThreadsAreWrapped() throws Exception {
        byte[] original = bytesOf(Sample.class);
        byte[] woven = ExploreWeaver.rewrite(Sample.class.getName().replace('.', '/'), original);
        List<String> calls = calls(woven);
        for (String jdk : List.of("java/lang/Thread.onSpinWait", "java/lang/Thread.yield", "java/lang/Thread.sleep",
                "java/lang/Thread.join", "java/lang/Thread.start", "java/lang/Thread.isAlive",
                "java/util/concurrent/locks/LockSupport.park", "java/util/concurrent/locks/LockSupport.parkNanos",
                "java/util/concurrent/locks/LockSupport.unpark", "java/lang/System.nanoTime")) {
            assertFalse(calls.contains(jdk), jdk + " is still called: " + calls);
        }
        String sched = ExploreWeaver.REDIRECTS + ".";
        for (String m : List.of("onSpinWait", "spinYield", "parkNanos", "unpark", "park", "sleep", "start", "join",
                "isAlive", "nanoTime")) {
            assertTrue(calls.contains(sched + m), m + " missing: " + calls);
        }
        assertEquals(2, calls.stream().filter((sched + "wrap")::equals).count(), "both new Thread(...) wrapped: " + calls);
        assertTrue(calls.contains("java/lang/Thread.<init>"));
    }

    @Test
    void outsideAControlledRunTheRewrittenCodeBehavesAsBefore() throws Exception {
        byte[] woven = ExploreWeaver.rewrite(Sample.class.getName().replace('.', '/'), bytesOf(Sample.class));
        Class<?> c = definingLoader(Sample.class.getName(), woven, getClass().getClassLoader()).loadClass(Sample.class.getName());
        long t = (Long) c.getMethod("all").invoke(null);
        assertTrue(t > 0, "both children ended");
        AtomicInteger ran = (AtomicInteger) c.getField("RAN").get(null);
        assertEquals(2, ran.get());
    }

    @Test
    void classesWithoutBlockingCallsAndOutsideTheScenarioPackagesAreLeftAlone() throws Exception {
        assertNull(ExploreWeaver.rewrite("org/mmulab/kernel/Nothing", bytesOf(ExploreWeaverTest.class.getClassLoader()
                .loadClass("org.mmulab.lockdep.agent.FakeContext"))));
        assertTrue(ExploreWeaver.wants("org/mmulab/kernel/linux/spinlock_t"));
        assertTrue(ExploreWeaver.wants("org/mmulab/examples/vmm/RaceScenarios"));
        assertFalse(ExploreWeaver.wants("org/mmulab/lockdep/Lockdep"));
        assertFalse(ExploreWeaver.wants("org/mmulab/examples/Main"));
        assertFalse(ExploreWeaver.wants("java/lang/Thread"));
    }
}
