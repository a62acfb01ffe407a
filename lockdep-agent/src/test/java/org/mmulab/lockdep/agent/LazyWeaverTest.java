// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.ClassFileTransformer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyWeaverTest {
    private static final byte[] IN = {1, 2, 3};
    private static final byte[] OUT = {4, 5};

    @Test
    void buildsTheWeaverOnlyAtTheFirstClassOfAWovenPackageAndOnlyOnce() throws Exception {
        AtomicInteger built = new AtomicInteger();
        AtomicInteger seen = new AtomicInteger();
        LazyWeaver w = new LazyWeaver(List.of("org.mmulab.kernel."),
                Set.of("org.mmulab.kernel.linux.spinlock_t", "org.mmulab.kernel.linux.mutex"), () -> {
            built.incrementAndGet();
            return new ClassFileTransformer() {
                @Override
                public byte[] transform(Module m, ClassLoader l, String n, Class<?> c, java.security.ProtectionDomain d, byte[] b) {
                    seen.incrementAndGet();
                    return OUT;
                }
            };
        });
        assertNull(w.transform((Module) null, null, "org/mmulab/examples/Main", null, null, IN));
        assertNull(w.transform((Module) null, null, "java/lang/String", null, null, IN));
        assertNull(w.transform((Module) null, null, null, null, null, IN), "a hidden class has no name");
        assertNull(w.transform((Module) null, null, "org/mmulab/kernel/arch/x86/kvm/mmu_h", null, null, IN),
                "a port class without hooks loads untouched");
        assertFalse(w.started());
        assertEquals(0, built.get(), "no port class yet: Byte Buddy not set up");

        assertArrayEquals(OUT, w.transform((Module) null, null, "org/mmulab/kernel/linux/spinlock_t", null, null, IN));
        assertArrayEquals(OUT, w.transform((Module) null, null, "org/mmulab/kernel/linux/mutex", null, null, IN));
        assertTrue(w.started());
        assertEquals(1, built.get());
        assertEquals(2, seen.get());
    }

    @Test
    void neverHandsTheAgentsOwnClassesToTheWeaver() {
        LazyWeaver w = new LazyWeaver(List.of("org.mmulab."),
                Set.of("org.mmulab.lockdep.Lockdep", "org.mmulab.kernel.arch.x86.kvm.mmu"), () -> {
                    throw new AssertionError("must not be built");
                });
        assertFalse(w.wants("org/mmulab/lockdep/Lockdep"));
        assertFalse(w.wants("org/mmulab/lockdep/shaded/bytebuddy/ByteBuddy"));
        assertTrue(w.wants("org/mmulab/kernel/arch/x86/kvm/mmu"));
        assertFalse(w.wants("org/mmulab/kernel/arch/x86/kvm/x86"));
    }

    @Test
    void aHookedClassOutsideTheWovenPackagesIsLeftAlone() {
        LazyWeaver w = new LazyWeaver(List.of("com.example."), Set.of("org.mmulab.kernel.linux.spinlock_t"), () -> {
            throw new AssertionError("must not be built");
        });
        assertFalse(w.wants("org/mmulab/kernel/linux/spinlock_t"));
    }
}
