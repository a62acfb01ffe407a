// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;
import org.mmulab.lockdep.junit.LockdepExtension;

/** The JUnit 5 extension, under the agent: quiet tests pass; a test that makes lockdep report fails. */
class LockdepExtensionIT {

    @Test
    @ExtendWith(LockdepExtension.class)
    void aTestThatHoldsTheLockItAssertsPasses() {
        mutex m = mutex.mutex_init("&ext->quiet");
        mutex.mutex_lock(m);
        lockdep.lockdep_assert_held(m);
        mutex.mutex_unlock(m);
    }

    @Test
    void theExtensionFailsATestDuringWhichLockdepReported() throws Exception {
        Lockdep.configure(new LockdepConfig(LockdepConfig.Mode.WARN,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        LockdepExtension ext = new LockdepExtension();
        ExtensionContext ctx = FakeContext.create("inner test");
        ext.beforeEach(ctx);
        mutex m = mutex.mutex_init("&ext->loud");
        lockdep.lockdep_assert_held(m); // not held: the WARN
        AssertionError e = assertThrows(AssertionError.class, () -> ext.afterEach(ctx));
        assertTrue(e.getMessage().contains("lockdep printed 1 report(s) during inner test"), e.getMessage());
        assertEquals(true, LockdepAgent.installed());
    }
}
