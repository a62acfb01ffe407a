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
}
