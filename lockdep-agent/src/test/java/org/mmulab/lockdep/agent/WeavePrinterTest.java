// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** print=Class#method: the Textifier listing of exactly that method, before and after weaving. */
class WeavePrinterTest {

    static byte[] classFile(Class<?> c) throws Exception {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void listsOnlyTheNamedMethodWithItsInstructions() throws Exception {
        byte[] bytes = classFile(org.mmulab.kernel.linux.lockdep.class);
        String l = WeavePrinter.listing(bytes, "lockdep_assert_held");
        assertTrue(l.startsWith("  lockdep_assert_held(Ljava/lang/Object;)V\n"), l);
        assertTrue(l.contains("RETURN"), l);
        assertEquals("", WeavePrinter.listing(bytes, "no_such_method"));
    }

    @Test
    void printsBeforeAndAfterForTheNamedClass() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        WeavePrinter p = new WeavePrinter("org.mmulab.kernel.linux.lockdep#lockdep_assert_held",
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        byte[] bytes = classFile(org.mmulab.kernel.linux.lockdep.class);
        assertEquals(null, p.transform(null, "org/mmulab/kernel/linux/lockdep", null, null, bytes), "never changes a class");
        p.woven(bytes);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("org.mmulab.kernel.linux.lockdep#lockdep_assert_held as loaded:"), out);
        assertTrue(out.contains("org.mmulab.kernel.linux.lockdep#lockdep_assert_held as woven:"), out);
        assertThrows(AgentOptions.BadOption.class, () -> new WeavePrinter("nohash", System.err));
    }

    @Test
    void anUnwovenMethodIsShownAsLoadedWithTheWovenPrimitivesItCalls() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        WeavePrinter p = new WeavePrinter("org.mmulab.kernel.arch.x86.kvm.x86#kvm_vm_ioctl_get_dirty_log",
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        byte[] bytes = classFile(org.mmulab.kernel.arch.x86.kvm.x86.class);
        p.transform(null, "org/mmulab/kernel/arch/x86/kvm/x86", null, null, bytes);
        p.unchanged();
        p.unchanged(); // printed once
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.split("as loaded", -1).length - 1, out);
        assertTrue(out.contains("x86#kvm_vm_ioctl_get_dirty_log as loaded (the agent leaves this class unchanged):"), out);
        // the seed commit's get-dirty-log: slots_lock asserted, mmu_lock taken, the flush outside it
        assertTrue(out.contains("its checks run inside the woven primitives it calls: ")
                && out.contains("spinlock_t#spin_lock (through lockdep#lock_acquire") && out.contains("lockdep#lockdep_assert_held")
                && out.contains("spinlock_t#spin_unlock (through lockdep#lock_release")
                && out.contains("kvm_main#kvm_flush_remote_tlbs"), out);
    }

    @Test
    void aMissingMethodIsSaidSo() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        WeavePrinter p = new WeavePrinter("org.mmulab.kernel.virt.kvm.kvm_main#kvm_vm_ioctl_get_dirty_log",
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        byte[] bytes = classFile(org.mmulab.kernel.virt.kvm.kvm_main.class);
        p.transform(null, "org/mmulab/kernel/virt/kvm/kvm_main", null, null, bytes);
        p.woven(bytes);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("(no method named kvm_vm_ioctl_get_dirty_log in org.mmulab.kernel.virt.kvm.kvm_main)"), out);
    }

    @Test
    void everyWovenTargetExistsInThePortAsAStaticMethod() throws Exception {
        for (String t : LockdepAgent.WOVEN) {
            int hash = t.indexOf('#');
            Class<?> c = Class.forName(t.substring(0, hash), false, getClass().getClassLoader());
            String m = t.substring(hash + 1);
            boolean found = java.util.Arrays.stream(c.getDeclaredMethods())
                    .anyMatch(x -> x.getName().equals(m) && java.lang.reflect.Modifier.isStatic(x.getModifiers()));
            assertTrue(found, t + " is not a static method of the port");
        }
    }

    @Test
    void everyHooksAdviceNamesAnAdviceClassOfTheAgent() throws Exception {
        java.util.List<LockdepAgent.Hook> all = new java.util.ArrayList<>(LockdepAgent.HOOKS);
        all.addAll(LockdepAgent.EXPLORE_HOOKS);
        for (LockdepAgent.Hook h : all) {
            Class<?> a = Class.forName(h.advice(), false, getClass().getClassLoader());
            Class<?> outer = h.advice().startsWith(LockdepAgent.EA) ? ExploreAdvice.class : LockdepAdvice.class;
            assertEquals(outer, a.getEnclosingClass(), h.key() + ": " + h.advice());
            boolean advises = java.util.Arrays.stream(a.getDeclaredMethods()).anyMatch(x ->
                    x.isAnnotationPresent(net.bytebuddy.asm.Advice.OnMethodEnter.class)
                            || x.isAnnotationPresent(net.bytebuddy.asm.Advice.OnMethodExit.class));
            assertTrue(advises, h.key() + ": " + h.advice() + " has no @Advice.OnMethodEnter or OnMethodExit");
        }
    }
}
