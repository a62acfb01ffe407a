// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

/**
 * The footprint pass of explore=true: every kind of shared access gets its call (fields, statics,
 * array elements, monitors, VarHandles, JDK calls), the woven code still computes what it did,
 * and every class of the port and the machine woven this way passes the bytecode verifier.
 */
class FootprintWeaverTest {
    /** Code with every kind of access the pass records. */
    public static final class Sample implements Cloneable {
        static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
        public static int counter;
        public final List<Integer> list = new ArrayList<>();
        public long[] words = new long[4];
        public long plain;
        public final AtomicLong atomic = new AtomicLong();
        public final java.util.Random random = new java.util.Random(1);

        public Sample() {
            plain = 7; // a putfield after the super constructor
        }

        /** super.clone() copies every field. */
        public Sample copy() throws CloneNotSupportedException {
            return (Sample) super.clone();
        }

        public synchronized long run() {
            counter++;
            words[1] = 5;
            long w = words[1];
            long old = (long) LONGS.getAndSet(words, 2, 9L);
            list.add(3);
            long sum = 0;
            for (Iterator<Integer> it = list.iterator(); it.hasNext(); ) {
                sum += it.next();
            }
            synchronized (list) {
                plain += w + old + sum;
            }
            atomic.addAndGet(plain);
            long[] copy = words.clone(); // reads every element: an array's own method is a JDK call
            return plain + copy[2] + counter + random.nextInt(10);
        }
    }

    @Test
    void everyKindOfSharedAccessGetsItsCall() throws Exception {
        byte[] original = ExploreWeaverTest.bytesOf(Sample.class);
        int[] counts = new int[6];
        byte[] woven = FootprintWeaver.weave(Sample.class.getName().replace('.', '/'), original, getClass().getClassLoader(), counts);
        List<String> calls = ExploreWeaverTest.calls(woven);
        String fp = FootprintWeaver.FP + ".";
        for (String m : List.of("read", "write", "readStatic", "writeStatic", "readElement", "writeElement", "whole", "jdk",
                "derived")) {
            assertTrue(calls.contains(fp + m), m + " missing: " + calls);
        }
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0 && counts[3] >= 2 && counts[4] == 1 && counts[5] > 0,
                "fields, statics, elements, monitors (the method and the block), the VarHandle, JDK calls: "
                        + java.util.Arrays.toString(counts));
        assertTrue(verify(woven, getClass().getClassLoader()).isEmpty());
        // the footprint call right before each of these: clone and nextInt count (nextInt as a write)
        assertEquals(fp + "jdk", callBefore(calls, "[J.clone"), calls.toString());
        assertEquals(fp + "jdk", callBefore(calls, "java/util/Random.nextInt"), calls.toString());
        assertEquals(fp + "whole", callBefore(calls, "java/lang/Object.clone"), calls.toString());
        assertTrue(FootprintWeaver.reads("java/util/List", "size") && FootprintWeaver.reads("java/util/Iterator", "next"));
        assertTrue(!FootprintWeaver.reads("java/util/Random", "nextInt") && !FootprintWeaver.reads("java/util/Random", "next"),
                "a call that advances its receiver's own state writes it");
    }

    /** The call just before the first call to {@code target} in {@code calls}. */
    static String callBefore(List<String> calls, String target) {
        int i = calls.indexOf(target);
        assertTrue(i > 0, target + " not called: " + calls);
        return calls.get(i - 1);
    }

    @Test
    void outsideARunTheWovenCodeComputesWhatItDid() throws Exception {
        byte[] woven = FootprintWeaver.weave(Sample.class.getName().replace('.', '/'), ExploreWeaverTest.bytesOf(Sample.class),
                getClass().getClassLoader(), new int[6]);
        ClassLoader loader = ExploreWeaverTest.definingLoader(Sample.class.getName(), woven, getClass().getClassLoader());
        Object wovenSample = loader.loadClass(Sample.class.getName()).getConstructor().newInstance();
        long got = (Long) wovenSample.getClass().getMethod("run").invoke(wovenSample);
        long want = new Sample().run();
        assertEquals(want - 1, got - 1, "the same result (each class has its own static counter)");
    }

    /** The verifier's complaints about a class, or "" when it has none. */
    static String verify(byte[] bytes, ClassLoader loader) {
        StringWriter out = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(bytes), loader, false, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void everyClassOfThePortAndTheMachineVerifiesWoven() throws Exception {
        List<String> bad = new ArrayList<>();
        int[] counts = new int[6];
        int n = 0;
        for (java.util.Map.Entry<String, byte[]> c : classFiles(classesOf(org.mmulab.kernel.linux.spinlock_t.class)).entrySet()) {
            if (!ExploreWeaver.wants(c.getKey())) {
                continue;
            }
            byte[] woven = FootprintWeaver.weave(c.getKey(), c.getValue(), getClass().getClassLoader(), counts);
            String why = verify(woven, getClass().getClassLoader());
            if (!why.isEmpty()) {
                bad.add(c.getKey() + ": " + why.lines().limit(3).toList());
            }
            n++;
        }
        assertTrue(n > 100, "the port's classes: " + n);
        assertTrue(bad.isEmpty(), bad.size() + " class(es) fail to verify: " + bad.subList(0, Math.min(5, bad.size())));
        assertTrue(counts[0] > 1000 && counts[2] > 100 && counts[4] > 0 && counts[5] > 100, java.util.Arrays.toString(counts));
    }

    /** internal name -> class file, from a classes directory or a jar. */
    static java.util.Map<String, byte[]> classFiles(Path where) throws java.io.IOException {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> files = Files.walk(where)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    out.put(where.relativize(f).toString().replace('\\', '/').replace(".class", ""), Files.readAllBytes(f));
                }
            }
            return out;
        }
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(where.toFile())) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(jar.entries())) {
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    out.put(e.getName().replace(".class", ""), jar.getInputStream(e).readAllBytes());
                }
            }
        }
        return out;
    }

    static Path classesOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
