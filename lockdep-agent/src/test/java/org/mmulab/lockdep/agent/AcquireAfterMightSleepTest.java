// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.FakeLock;
import org.mmulab.lockdep.Lockdep;

class AcquireAfterMightSleepTest {
    /** Shaped like the port's mutex_lock: might_sleep first, then the lock itself. */
    public static final class Ops {
        public static final List<String> LOG = new ArrayList<>();

        public static void might_sleep() {
            LOG.add("might_sleep sees: " + Lockdep.heldLocks().lines().findFirst().orElse(""));
        }

        public static void mutex_lock(FakeLock lock) {
            might_sleep();
            LOG.add("lock taken, lockdep sees: " + Lockdep.heldLocks().lines().findFirst().orElse(""));
        }
    }

    @AfterEach
    void tearDown() {
        Lockdep.reset();
        Ops.LOG.clear();
    }

    @Test
    void lockdepHearsOfTheMutexAfterMightSleepAndBeforeTheLockIsTaken() throws Exception {
        Lockdep.reset();
        Class<?> woven = new ByteBuddy().redefine(Ops.class).name(Ops.class.getName() + "$Woven")
                .visit(new AcquireAfterMightSleep()).make()
                .load(getClass().getClassLoader(), ClassLoadingStrategy.Default.WRAPPER).getLoaded();
        FakeLock m = new FakeLock("&kvm->slots_lock");
        woven.getMethod("mutex_lock", FakeLock.class).invoke(null, m);
        @SuppressWarnings("unchecked")
        List<String> log = (List<String>) woven.getField("LOG").get(null);
        assertEquals(2, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("might_sleep sees: no locks held by "), log.toString());
        assertTrue(log.get(1).startsWith("lock taken, lockdep sees: 1 lock held by "), log.toString());
        Lockdep.release(m);
        assertEquals(0, Lockdep.reportCount());
    }
}
