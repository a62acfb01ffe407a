// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.lib;

import static org.mmulab.kernel.lib.locking_selftest.FAILURE;
import static org.mmulab.kernel.lib.locking_selftest.LOCKTYPE_WW;
import static org.mmulab.kernel.lib.locking_selftest.SUCCESS;
import static org.mmulab.kernel.lib.locking_selftest.dotest;
import static org.mmulab.kernel.lib.locking_selftest.print_testname;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.errno;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.linux.ww_acquire_ctx;
import org.mmulab.kernel.linux.ww_class;
import org.mmulab.kernel.linux.ww_mutex;

/**
 * The wound/wait part of {@code lib/locking-selftest.c} (its ww_test_* cases and ww_tests), over
 * the port's ww_mutex. Split from {@link locking_selftest} only to keep each file readable; the
 * statics {@code t, t2, o, o2, o3} and {@code ww_lockdep} are the kernel's.
 */
@KernelSource(file = "lib/locking-selftest.c", lines = "1134-1793", name = "ww_test_fail_acquire", note = "the ww_test_* cases and ww_tests")
final class ww_selftest {
    private ww_selftest() {}

    @KernelSource(file = "lib/locking-selftest.c", lines = "30")
    static ww_class ww_lockdep;
    @KernelSource(file = "lib/locking-selftest.c", lines = "50")
    static ww_acquire_ctx t;
    @KernelSource(file = "lib/locking-selftest.c", lines = "50")
    static ww_acquire_ctx t2;
    @KernelSource(file = "lib/locking-selftest.c", lines = "51")
    static ww_mutex o;
    @KernelSource(file = "lib/locking-selftest.c", lines = "51")
    static ww_mutex o2;
    @KernelSource(file = "lib/locking-selftest.c", lines = "51")
    static ww_mutex o3;
    /** The {@code (void *)~0UL} that ww_test_normal stores in o.ctx. */
    static final ww_acquire_ctx NOT_A_CTX = new ww_acquire_ctx();

    /**
     * reset_locks' ww part: the objects initialised anew and the ww class's keys cleared (here: a
     * new class, so new keys).
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "956-959", name = "ww_mutex_init", note = "reset_locks' ww part")
    static void reset_ww() {
        ww_lockdep = ww_class.DEFINE_WW_CLASS("ww_lockdep");
        o = ww_mutex.ww_mutex_init(ww_lockdep);
        o2 = ww_mutex.ww_mutex_init(ww_lockdep);
        o3 = ww_mutex.ww_mutex_init(ww_lockdep);
        t = new ww_acquire_ctx();
        t2 = new ww_acquire_ctx();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "203-207", name = "WWAI", note = "without CONFIG_DEBUG_WW_MUTEX_SLOWPATH")
    static void WWAI(ww_acquire_ctx x) {
        ww_mutex.ww_acquire_init(x, ww_lockdep);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "208")
    static void WWAD(ww_acquire_ctx x) {
        ww_mutex.ww_acquire_done(x);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "209")
    static void WWAF(ww_acquire_ctx x) {
        ww_mutex.ww_acquire_fini(x);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "211")
    static int WWL(ww_mutex x, ww_acquire_ctx c) {
        return ww_mutex.ww_mutex_lock(x, c);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "212")
    static boolean WWT(ww_mutex x) {
        return ww_mutex.ww_mutex_trylock(x);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "213")
    static int WWL1(ww_mutex x) {
        return ww_mutex.ww_mutex_lock(x, null);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "214")
    static void WWU(ww_mutex x) {
        ww_mutex.ww_mutex_unlock(x);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1134-1166")
    static void ww_test_fail_acquire() {
        WWAI(t);
        t.stamp++;
        int ret = WWL(o, t);
        if (bug.WARN_ON(o.ctx == null) || bug.WARN_ON(ret != 0)) {
            return;
        }
        // no lockdep test, pure API
        ret = WWL(o, t);
        bug.WARN_ON(ret != -errno.EALREADY);
        bug.WARN_ON(WWT(o));
        ww_acquire_ctx.assign(t2, t);
        t2.stamp++;
        ret = WWL(o, t2);
        bug.WARN_ON(ret != -errno.EDEADLK);
        WWU(o);
        if (WWT(o)) {
            WWU(o);
        } else {
            org.mmulab.kernel.linux.debug_locks.DEBUG_LOCKS_WARN_ON(true);
        }
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1168-1227",
            note = "mutex_lock_killable is mutex_lock_interruptible in the port (no fatal signals)")
    static void ww_test_normal() {
        WWAI(t);
        o.ctx = NOT_A_CTX;
        mutex.mutex_lock(o.base);
        mutex.mutex_unlock(o.base);
        bug.WARN_ON(o.ctx != NOT_A_CTX);

        o.ctx = NOT_A_CTX;
        int ret = mutex.mutex_lock_interruptible(o.base);
        if (ret == 0) {
            mutex.mutex_unlock(o.base);
        } else {
            bug.WARN_ON(true);
        }
        bug.WARN_ON(o.ctx != NOT_A_CTX);

        o.ctx = NOT_A_CTX;
        ret = mutex.mutex_lock_interruptible(o.base); // mutex_lock_killable
        if (ret == 0) {
            mutex.mutex_unlock(o.base);
        } else {
            bug.WARN_ON(true);
        }
        bug.WARN_ON(o.ctx != NOT_A_CTX);

        o.ctx = NOT_A_CTX;
        boolean got = mutex.mutex_trylock(o.base);
        bug.WARN_ON(!got);
        if (got) {
            mutex.mutex_unlock(o.base);
        } else {
            bug.WARN_ON(true);
        }
        bug.WARN_ON(o.ctx != NOT_A_CTX);

        o.ctx = NOT_A_CTX;
        mutex.mutex_lock(o.base);
        got = mutex.mutex_trylock(o.base);
        bug.WARN_ON(got);
        mutex.mutex_unlock(o.base);
        bug.WARN_ON(o.ctx != NOT_A_CTX);

        o.ctx = NOT_A_CTX;
        mutex.mutex_lock_nest_lock(o.base, t.dep_map);
        mutex.mutex_unlock(o.base);
        bug.WARN_ON(o.ctx != NOT_A_CTX);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1229-1233")
    static void ww_test_two_contexts() {
        WWAI(t);
        WWAI(t2);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1235-1242")
    static void ww_test_diff_class() {
        WWAI(t);
        t.ww_class = null; // CONFIG_DEBUG_MUTEXES
        WWL(o, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1244-1250")
    static void ww_test_context_done_twice() {
        WWAI(t);
        WWAD(t);
        WWAD(t);
        WWAF(t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1252-1258")
    static void ww_test_context_unlock_twice() {
        WWAI(t);
        WWAD(t);
        WWAF(t);
        WWAF(t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1260-1266")
    static void ww_test_context_fini_early() {
        WWAI(t);
        WWL(o, t);
        WWAD(t);
        WWAF(t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1268-1273")
    static void ww_test_context_lock_after_done() {
        WWAI(t);
        WWAD(t);
        WWL(o, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1275-1280")
    static void ww_test_object_unlock_twice() {
        WWL1(o);
        WWU(o);
        WWU(o);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1282-1289")
    static void ww_test_object_lock_unbalanced() {
        WWAI(t);
        WWL(o, t);
        t.acquired = 0;
        WWU(o);
        WWAF(t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1291-1296")
    static void ww_test_object_lock_stale_context() {
        WWAI(t);
        o.ctx = t2;
        WWL(o, t);
    }

    /**
     * The common start of the EDEADLK cases: o2 (and, for the _edeadlk ones, o3) taken behind
     * lockdep's back and owned by an older context t2; t takes o, then gets -EDEADLK on o2.
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1298-1314", name = "ww_test_edeadlk_normal",
            note = "the lines every ww_test_edeadlk_* case starts with, written once")
    static void edeadlk_prologue(boolean o3_too) {
        mutex.mutex_lock(o2.base);
        lockdep.mutex_release(o2.base.dep_map, 1, lockdep._THIS_IP_());
        o2.ctx = t2;
        if (o3_too) {
            mutex.mutex_lock(o3.base);
            lockdep.mutex_release(o3.base.dep_map, 1, lockdep._THIS_IP_());
            o3.ctx = t2;
        }
        WWAI(t);
        ww_acquire_ctx.assign(t2, t);
        t2.stamp--;
        int ret = WWL(o, t);
        bug.WARN_ON(ret != 0);
        ret = WWL(o2, t);
        bug.WARN_ON(ret != -errno.EDEADLK);
    }

    /** Gives o2 back: no context, lockdep told it is held again, unlocked. */
    static void edeadlk_release_o2() {
        o2.ctx = null;
        lockdep.mutex_acquire(o2.base.dep_map, 0, 1, lockdep._THIS_IP_());
        mutex.mutex_unlock(o2.base);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1298-1322")
    static void ww_test_edeadlk_normal() {
        edeadlk_prologue(false);
        edeadlk_release_o2();
        WWU(o);
        WWL(o2, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1324-1348")
    static void ww_test_edeadlk_normal_slow() {
        edeadlk_prologue(false);
        edeadlk_release_o2();
        WWU(o);
        ww_mutex.ww_mutex_lock_slow(o2, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1350-1373")
    static void ww_test_edeadlk_no_unlock() {
        edeadlk_prologue(false);
        edeadlk_release_o2();
        WWL(o2, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1375-1398")
    static void ww_test_edeadlk_no_unlock_slow() {
        edeadlk_prologue(false);
        edeadlk_release_o2();
        ww_mutex.ww_mutex_lock_slow(o2, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1400-1419")
    static void ww_test_edeadlk_acquire_more() {
        edeadlk_prologue(false);
        WWL(o3, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1421-1440")
    static void ww_test_edeadlk_acquire_more_slow() {
        edeadlk_prologue(false);
        ww_mutex.ww_mutex_lock_slow(o3, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1442-1466")
    static void ww_test_edeadlk_acquire_more_edeadlk() {
        edeadlk_prologue(true);
        int ret = WWL(o3, t);
        bug.WARN_ON(ret != -errno.EDEADLK);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1468-1491")
    static void ww_test_edeadlk_acquire_more_edeadlk_slow() {
        edeadlk_prologue(true);
        ww_mutex.ww_mutex_lock_slow(o3, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1493-1516")
    static void ww_test_edeadlk_acquire_wrong() {
        edeadlk_prologue(false);
        WWU(o);
        WWL(o3, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1518-1541")
    static void ww_test_edeadlk_acquire_wrong_slow() {
        edeadlk_prologue(false);
        WWU(o);
        ww_mutex.ww_mutex_lock_slow(o3, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1543-1547")
    static void ww_test_spin_nest_unlocked() {
        spinlock_t.spin_lock_nest_lock(locking_selftest.lock_.get("A"), o.base.dep_map);
        locking_selftest.U("A");
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1549-1554")
    static void ww_test_unneeded_slow() {
        WWAI(t);
        ww_mutex.ww_mutex_lock_slow(o, t);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1556-1565")
    static void ww_test_context_block() {
        WWAI(t);
        bug.WARN_ON(WWL(o, t) != 0);
        WWL1(o2);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1567-1580")
    static void ww_test_context_try() {
        WWAI(t);
        bug.WARN_ON(WWL(o, t) != 0);
        bug.WARN_ON(!WWT(o2));
        WWU(o2);
        WWU(o);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1582-1596")
    static void ww_test_context_context() {
        WWAI(t);
        bug.WARN_ON(WWL(o, t) != 0);
        bug.WARN_ON(WWL(o2, t) != 0);
        WWU(o2);
        WWU(o);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1598-1608")
    static void ww_test_try_block() {
        bug.WARN_ON(!WWT(o));
        WWL1(o2);
        WWU(o2);
        WWU(o);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1610-1620")
    static void ww_test_try_try() {
        bug.WARN_ON(!WWT(o));
        bug.WARN_ON(!WWT(o2));
        WWU(o2);
        WWU(o);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1622-1633")
    static void ww_test_try_context() {
        bug.WARN_ON(!WWT(o));
        WWAI(t);
        bug.WARN_ON(WWL(o2, t) != 0);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1635-1639")
    static void ww_test_block_block() {
        WWL1(o);
        WWL1(o2);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1641-1648")
    static void ww_test_block_try() {
        WWL1(o);
        bug.WARN_ON(!WWT(o2));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1650-1659")
    static void ww_test_block_context() {
        WWL1(o);
        WWAI(t);
        bug.WARN_ON(WWL(o2, t) != 0);
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1661-1675")
    static void ww_test_spin_block() {
        locking_selftest.L("A");
        locking_selftest.U("A");
        WWL1(o);
        locking_selftest.L("A");
        locking_selftest.U("A");
        WWU(o);
        locking_selftest.L("A");
        WWL1(o);
        WWU(o);
        locking_selftest.U("A");
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1677-1695")
    static void ww_test_spin_try() {
        locking_selftest.L("A");
        locking_selftest.U("A");
        bug.WARN_ON(!WWT(o));
        locking_selftest.L("A");
        locking_selftest.U("A");
        WWU(o);
        locking_selftest.L("A");
        bug.WARN_ON(!WWT(o));
        WWU(o);
        locking_selftest.U("A");
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1697-1717")
    static void ww_test_spin_context() {
        locking_selftest.L("A");
        locking_selftest.U("A");
        WWAI(t);
        bug.WARN_ON(WWL(o, t) != 0);
        locking_selftest.L("A");
        locking_selftest.U("A");
        WWU(o);
        locking_selftest.L("A");
        bug.WARN_ON(WWL(o, t) != 0);
        WWU(o);
        locking_selftest.U("A");
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1719-1793")
    static void ww_tests() {
        java.util.function.Consumer<String> printk = locking_selftest.printk;
        printk.accept("  --------------------------------------------------------------------------\n");
        printk.accept("  | Wound/wait tests |\n");
        printk.accept("  ---------------------\n");

        print_testname("ww api failures");
        dotest(ww_selftest::ww_test_fail_acquire, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_normal, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_unneeded_slow, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("ww contexts mixing");
        dotest(ww_selftest::ww_test_two_contexts, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_diff_class, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("finishing ww context");
        dotest(ww_selftest::ww_test_context_done_twice, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_context_unlock_twice, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_context_fini_early, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_context_lock_after_done, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("locking mismatches");
        dotest(ww_selftest::ww_test_object_unlock_twice, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_object_lock_unbalanced, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_object_lock_stale_context, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("EDEADLK handling");
        dotest(ww_selftest::ww_test_edeadlk_normal, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_normal_slow, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_no_unlock, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_no_unlock_slow, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_more, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_more_slow, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_more_edeadlk, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_more_edeadlk_slow, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_wrong, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_edeadlk_acquire_wrong_slow, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("spinlock nest unlocked");
        dotest(ww_selftest::ww_test_spin_nest_unlocked, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        printk.accept("  -----------------------------------------------------\n");
        printk.accept("                                 |block | try  |context|\n");
        printk.accept("  -----------------------------------------------------\n");

        print_testname("context");
        dotest(ww_selftest::ww_test_context_block, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_context_try, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_context_context, SUCCESS, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("try");
        dotest(ww_selftest::ww_test_try_block, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_try_try, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_try_context, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("block");
        dotest(ww_selftest::ww_test_block_block, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_block_try, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_block_context, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");

        print_testname("spinlock");
        dotest(ww_selftest::ww_test_spin_block, FAILURE, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_spin_try, SUCCESS, LOCKTYPE_WW);
        dotest(ww_selftest::ww_test_spin_context, FAILURE, LOCKTYPE_WW);
        printk.accept("\n");
    }
}
