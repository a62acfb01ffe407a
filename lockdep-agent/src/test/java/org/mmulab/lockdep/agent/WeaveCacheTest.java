// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.ClassFileTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeaveCacheTest {
    private static final String MUTEX = "org/mmulab/kernel/linux/mutex";
    private static final String SETTINGS = "packages=[org.mmulab.kernel.];tlbtrace=true";
    private static final byte[] CLASS = {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 1, 2, 3};
    private static final byte[] WOVEN = {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 9, 9, 9, 9};

    @TempDir
    Path dir;

    @Test
    void aStoredClassComesBackForTheSameClassAgentAndSettings() {
        assertTrue(new WeaveCache(dir, "agent-1").put(MUTEX, SETTINGS, CLASS, WOVEN));
        assertArrayEquals(WOVEN, new WeaveCache(dir, "agent-1").get(MUTEX, SETTINGS, CLASS.clone()));
    }

    @Test
    void aChangedClassFileMisses() {
        new WeaveCache(dir, "agent-1").put(MUTEX, SETTINGS, CLASS, WOVEN);
        byte[] changed = CLASS.clone();
        changed[6] = 4;
        assertNull(new WeaveCache(dir, "agent-1").get(MUTEX, SETTINGS, changed));
    }

    @Test
    void aChangedAgentOrOtherSettingsOrAnotherClassNameMiss() {
        new WeaveCache(dir, "agent-1").put(MUTEX, SETTINGS, CLASS, WOVEN);
        assertNull(new WeaveCache(dir, "agent-2").get(MUTEX, SETTINGS, CLASS), "another agent jar");
        assertNull(new WeaveCache(dir, "agent-1").get(MUTEX, SETTINGS + ";explore=true", CLASS), "other settings");
        assertNull(new WeaveCache(dir, "agent-1").get("org/mmulab/kernel/linux/sched", SETTINGS, CLASS), "another class");
    }

    @Test
    void anEntryWhoseKeysCollideInItsNameIsStillCheckedInFull() throws Exception {
        WeaveCache a = new WeaveCache(dir, "agent-1");
        a.put(MUTEX, SETTINGS, CLASS, WOVEN);
        // another agent whose entry would land in the same file: the name alone must not make a hit
        WeaveCache b = new WeaveCache(dir, "agent-2");
        Files.move(a.entry(MUTEX, SETTINGS, CLASS), b.entry(MUTEX, SETTINGS, CLASS));
        assertNull(b.get(MUTEX, SETTINGS, CLASS));
    }

    @Test
    void aCorruptOrTruncatedEntryMissesAndIsRewrittenByTheNextPut() throws Exception {
        WeaveCache c = new WeaveCache(dir, "agent-1");
        c.put(MUTEX, SETTINGS, CLASS, WOVEN);
        Path f = c.entry(MUTEX, SETTINGS, CLASS);
        byte[] good = Files.readAllBytes(f);

        byte[] flipped = good.clone();
        flipped[flipped.length - 12] ^= 1; // a bit of the woven bytes
        Files.write(f, flipped);
        assertNull(c.get(MUTEX, SETTINGS, CLASS), "one flipped bit");

        Files.write(f, java.util.Arrays.copyOf(good, good.length / 2));
        assertNull(c.get(MUTEX, SETTINGS, CLASS), "truncated");

        Files.write(f, new byte[0]);
        assertNull(c.get(MUTEX, SETTINGS, CLASS), "empty");

        Files.write(f, "not an entry at all, but long enough to be read".getBytes());
        assertNull(c.get(MUTEX, SETTINGS, CLASS), "garbage");

        assertTrue(c.put(MUTEX, SETTINGS, CLASS, WOVEN));
        assertArrayEquals(WOVEN, c.get(MUTEX, SETTINGS, CLASS));
    }

    @Test
    void anUnwritableDirectoryStoresNothingAndThrowsNothing() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        if ("root".equals(System.getProperty("user.name"))) {
            ro = Path.of("/proc/self"); // root writes anywhere a mode allows nothing; nobody makes directories here
        }
        WeaveCache c = new WeaveCache(ro.resolve("woven"), "agent-1");
        assertFalse(c.put(MUTEX, SETTINGS, CLASS, WOVEN));
        assertNull(c.get(MUTEX, SETTINGS, CLASS));
    }

    @Test
    void aCacheDirectoryThatIsAFileStoresNothingAndThrowsNothing() throws Exception {
        Path file = dir.resolve("plain-file");
        Files.write(file, new byte[] {1});
        WeaveCache c = new WeaveCache(file, "agent-1");
        assertFalse(c.put(MUTEX, SETTINGS, CLASS, WOVEN));
        assertNull(c.get(MUTEX, SETTINGS, CLASS));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(file));
    }

    @Test
    void withoutAnAgentKeyNothingIsStoredOrFound() throws Exception {
        WeaveCache c = new WeaveCache(dir, () -> null);
        assertFalse(c.put(MUTEX, SETTINGS, CLASS, WOVEN));
        assertNull(c.get(MUTEX, SETTINGS, CLASS));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void theAgentKeyFollowsTheJarsContentAndIsNullForADirectory() throws Exception {
        Path jar = dir.resolve("agent.jar");
        byte[] content = new byte[100_000];
        new java.util.Random(1).nextBytes(content);
        Files.write(jar, content);
        String k1 = WeaveCache.agentKey(jar);
        assertNotNull(k1);
        assertEquals(k1, WeaveCache.agentKey(jar), "same content, same key");
        content[50_000] ^= 1;
        Files.write(jar, content);
        assertNotEquals(k1, WeaveCache.agentKey(jar), "one bit changed");
        assertNull(WeaveCache.agentKey(dir));
        assertNull(WeaveCache.agentKey(dir.resolve("missing.jar")));
        assertNull(WeaveCache.agentKey(null));
    }

    @Test
    void concurrentWritersAndReadersNeverSeeAHalfWrittenEntry() throws Exception {
        byte[] big = new byte[200_000];
        new java.util.Random(2).nextBytes(big);
        List<Thread> threads = new ArrayList<>();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                WeaveCache c = new WeaveCache(dir, "agent-1");
                for (int i = 0; i < 50; i++) {
                    c.put(MUTEX, SETTINGS, CLASS, big);
                    byte[] got = c.get(MUTEX, SETTINGS, CLASS);
                    if (got != null) {
                        hits.incrementAndGet();
                        if (!java.util.Arrays.equals(big, got)) {
                            wrong.incrementAndGet();
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, wrong.get());
        assertEquals(200, hits.get(), "an entry is always there once written: replaced whole, never removed");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "one entry, no temporary files left behind");
        }
    }

    @Test
    void aLazyWeaverWithAFilledCacheNeverBuildsTheWeaver() throws Exception {
        AtomicInteger built = new AtomicInteger();
        List<String> hits = new ArrayList<>();
        // first run: builds the weaver, weaves, stores
        LazyWeaver first = weaver(built).withCache(new WeaveCache(dir, "agent-1"), SETTINGS, n -> true, hits::add);
        assertArrayEquals(WOVEN, first.transform((Module) null, null, MUTEX, null, null, CLASS));
        assertEquals(1, built.get());
        assertEquals(List.of(), hits);
        // second run: the same class comes from the cache, no weaver
        LazyWeaver second = weaver(built).withCache(new WeaveCache(dir, "agent-1"), SETTINGS, n -> true, hits::add);
        assertArrayEquals(WOVEN, second.transform((Module) null, null, MUTEX, null, null, CLASS));
        assertFalse(second.started());
        assertEquals(1, built.get());
        assertEquals(List.of(MUTEX), hits);
        // a changed class file in a third run: woven again
        byte[] changed = CLASS.clone();
        changed[4] = 7;
        LazyWeaver third = weaver(built).withCache(new WeaveCache(dir, "agent-1"), SETTINGS, n -> true, hits::add);
        assertArrayEquals(WOVEN, third.transform((Module) null, null, MUTEX, null, null, changed));
        assertTrue(third.started());
        assertEquals(2, built.get());
        // a class the caller keeps out of the cache (print='s) always goes to the weaver
        LazyWeaver fourth = weaver(built).withCache(new WeaveCache(dir, "agent-1"), SETTINGS, n -> !n.equals(MUTEX), hits::add);
        assertArrayEquals(WOVEN, fourth.transform((Module) null, null, MUTEX, null, null, CLASS));
        assertEquals(3, built.get());
        assertEquals(List.of(MUTEX), hits);
    }

    @Test
    void aClassTheWeaverLeavesUnchangedIsNotStored() throws Exception {
        LazyWeaver w = new LazyWeaver(List.of("org.mmulab.kernel."), Set.of(MUTEX.replace('/', '.')), () -> new ClassFileTransformer() {
            @Override
            public byte[] transform(Module m, ClassLoader l, String n, Class<?> c, ProtectionDomain d, byte[] b) {
                return null;
            }
        }).withCache(new WeaveCache(dir, "agent-1"), SETTINGS, n -> true, n -> { });
        assertNull(w.transform((Module) null, null, MUTEX, null, null, CLASS));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    private static LazyWeaver weaver(AtomicInteger built) {
        return new LazyWeaver(List.of("org.mmulab.kernel."), Set.of(MUTEX.replace('/', '.')), () -> {
            built.incrementAndGet();
            return new ClassFileTransformer() {
                @Override
                public byte[] transform(Module m, ClassLoader l, String n, Class<?> c, ProtectionDomain d, byte[] b) {
                    return WOVEN;
                }
            };
        });
    }
}
