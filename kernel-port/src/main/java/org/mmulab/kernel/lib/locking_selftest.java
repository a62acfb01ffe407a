// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.lib;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.debug_locks;
import org.mmulab.kernel.linux.irqflags;
import org.mmulab.kernel.linux.lockdep;
import org.mmulab.kernel.linux.mutex;
import org.mmulab.kernel.linux.preempt;
import org.mmulab.kernel.linux.preempt_mask;
import org.mmulab.kernel.linux.rw_semaphore;
import org.mmulab.kernel.linux.rwlock_t;
import org.mmulab.kernel.linux.softirq;
import org.mmulab.kernel.linux.spinlock_t;

/**
 * {@code lib/locking-selftest.c}: lockdep's boot-time self-test, over the port's own primitives
 * (spinlock_t for the raw spinlocks, rwlock_t, mutex, rw_semaphore, ww_mutex). Each case takes
 * locks in a pattern lockdep must (FAILURE: debug_locks is off afterwards) or must not (SUCCESS)
 * report, and the results are printed as the kernel's table.
 *
 * <p><b>The macros.</b> The kernel generates its cases with the preprocessor: an event macro
 * ({@code E()}, {@code E1()}..{@code E3()}) is expanded once per lock-type header
 * (locking-selftest-spin.h, -wlock.h, -rlock.h, -mutex.h, -wsem.h, -rsem.h, which define
 * {@code LOCK}/{@code UNLOCK}/{@code RLOCK}/{@code WLOCK}/{@code INIT}) and per irq header
 * (-hardirq.h, -softirq.h: {@code IRQ_ENTER} and friends), and GENERATE_PERMUTATIONS_2/3_EVENTS
 * makes the 12/21 and 123..321 orderings. Here the headers are {@link lock_ops} and
 * {@link irq_ops} values, the event macros lambdas taking them, and the permutation and
 * DO_TESTCASE_* macros loops over them: the same structure, the same names, the same order.
 *
 * <p><b>Without the lockdep agent</b> (CONFIG_LOCKDEP=n) nothing reports and debug_locks stays on,
 * so every FAILURE case fails: like the kernel, which runs this only with CONFIG_DEBUG_LOCKING_API_SELFTESTS
 * under lockdep, the port's self-test is meant to run under the agent ({@code ./mmulab lockdep-selftest}).
 *
 * <p>Departures: printk is a sink the caller gives; {@code dump_stack} after a FAILED cell is left
 * out; an exception out of a case (the port's oops) turns debug_locks off as oops_enter does.
 */
@KernelSource(file = "lib/locking-selftest.c", lines = "1-1902", name = "locking-selftest.c")
public final class locking_selftest {
    private locking_selftest() {}

    /** Whether a case must leave debug_locks on (SUCCESS) or turn it off (FAILURE). */
    @KernelSource(file = "lib/locking-selftest.c", lines = "41")
    public static final int FAILURE = 0;
    @KernelSource(file = "lib/locking-selftest.c", lines = "42")
    public static final int SUCCESS = 1;

    @KernelSource(file = "lib/locking-selftest.c", lines = "44")
    static final int LOCKTYPE_SPIN = 0x1;
    @KernelSource(file = "lib/locking-selftest.c", lines = "45")
    static final int LOCKTYPE_RWLOCK = 0x2;
    @KernelSource(file = "lib/locking-selftest.c", lines = "46")
    static final int LOCKTYPE_MUTEX = 0x4;
    @KernelSource(file = "lib/locking-selftest.c", lines = "47")
    static final int LOCKTYPE_RWSEM = 0x8;
    @KernelSource(file = "lib/locking-selftest.c", lines = "48")
    static final int LOCKTYPE_WW = 0x10;

    // ---- the locks (locking-selftest.c 53-105); the port's locks are objects, re-made by reset_locks ----

    static final String[] STANDALONE = {"A", "B", "C", "D"};
    static final String[] SHARED = {"X1", "X2", "Y1", "Y2", "Z1", "Z2"};

    static final Map<String, spinlock_t> lock_ = new HashMap<>();
    static final Map<String, rwlock_t> rwlock_ = new HashMap<>();
    static final Map<String, mutex> mutex_ = new HashMap<>();
    static final Map<String, rw_semaphore> rwsem_ = new HashMap<>();

    /**
     * The static definitions: DEFINE_RAW_SPINLOCK, DEFINE_RWLOCK, DEFINE_MUTEX, DECLARE_RWSEM, each
     * lock its own class named after itself.
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "57-105", name = "DEFINE_RAW_SPINLOCK", note = "the static lock definitions")
    static void define_locks() {
        for (String x : STANDALONE) {
            I2(x, "");
        }
        for (String x : SHARED) {
            I2(x, "");
        }
    }

    /** The lock_class_keys of the init sites: the kernel's {@code static struct lock_class_key __key}. */
    static Object key(String site) {
        return KEYS.computeIfAbsent(site, s -> s);
    }

    private static final Map<String, Object> KEYS = new HashMap<>();

    /** raw_spin_lock_init and friends at one site: a fresh lock (the kernel re-inits the memory), the site's key. */
    static void I2(String x, String site) {
        spinlock_t l = spinlock_t.spin_lock_init("lock_" + x);
        spinlock_t.__raw_spin_lock_init(l, "&lock_" + x, key(site + "lock_" + x));
        lock_.put(x, l);
        rwlock_t rw = rwlock_t.rwlock_init("rwlock_" + x);
        rwlock_t.__rwlock_init(rw, "&rwlock_" + x, key(site + "rwlock_" + x));
        rwlock_.put(x, rw);
        mutex m = mutex.mutex_init("mutex_" + x);
        mutex.__mutex_init(m, "&mutex_" + x, key(site + "mutex_" + x));
        mutex_.put(x, m);
        rw_semaphore s = rw_semaphore.init_rwsem("rwsem_" + x);
        rw_semaphore.__init_rwsem(s, "&rwsem_" + x, key(site + "rwsem_" + x));
        rwsem_.put(x, s);
    }

    /**
     * INIT_CLASS_FUNC(class): one (noinline) init function per class, so its four init sites give
     * X1 and X2 (Y1 and Y2, Z1 and Z2) the same four keys.
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "115-128", name = "INIT_CLASS_FUNC")
    static void init_class(String cls, String x) {
        I2(x, "init_class_" + cls + ":");
        // the init function's macros stringify their argument: every lock of the class is "lock", ...
        spinlock_t.__raw_spin_lock_init(lock_.get(x), "lock", key("init_class_" + cls + ":lock"));
        rwlock_t.__rwlock_init(rwlock_.get(x), "rwlock", key("init_class_" + cls + ":rwlock"));
        mutex.__mutex_init(mutex_.get(x), "mutex", key("init_class_" + cls + ":mutex"));
        rw_semaphore.__init_rwsem(rwsem_.get(x), "rwsem", key("init_class_" + cls + ":rwsem"));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "130-140")
    static void init_shared_classes() {
        init_class("X", "X1");
        init_class("X", "X2");
        init_class("Y", "Y1");
        init_class("Y", "Y2");
        init_class("Z", "Z1");
        init_class("Z", "Z2");
    }

    // ---- simulated irq contexts (locking-selftest.c 142-171) ----

    @KernelSource(file = "lib/locking-selftest.c", lines = "148-149")
    static void HARDIRQ_DISABLE() {
        irqflags.local_irq_disable();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "148-149")
    static void HARDIRQ_ENABLE() {
        irqflags.local_irq_enable();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "151-154")
    static void HARDIRQ_ENTER() {
        irqflags.local_irq_disable();
        softirq.__irq_enter();
        bug.WARN_ON(!preempt_mask.in_irq());
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "156-158")
    static void HARDIRQ_EXIT() {
        softirq.__irq_exit();
        irqflags.local_irq_enable();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "160-161")
    static void SOFTIRQ_DISABLE() {
        softirq.local_bh_disable();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "160-161")
    static void SOFTIRQ_ENABLE() {
        softirq.local_bh_enable();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "163-167")
    static void SOFTIRQ_ENTER() {
        softirq.local_bh_disable();
        irqflags.local_irq_disable();
        irqflags.lockdep_softirq_enter();
        bug.WARN_ON(!preempt_mask.in_softirq());
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "169-172")
    static void SOFTIRQ_EXIT() {
        irqflags.lockdep_softirq_exit();
        irqflags.local_irq_enable();
        softirq.local_bh_enable();
    }

    // ---- the lock/unlock shortcuts (locking-selftest.c 174-201) ----

    @KernelSource(file = "lib/locking-selftest.c", lines = "178-181")
    static void L(String x) {
        spinlock_t.spin_lock(lock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "178-181")
    static void U(String x) {
        spinlock_t.spin_unlock(lock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "181")
    static void SI(String x) {
        spinlock_t.__raw_spin_lock_init(lock_.get(x), "&lock_" + x, key("SI:lock_" + x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "183-185")
    static void WL(String x) {
        rwlock_t.write_lock(rwlock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "183-185")
    static void WU(String x) {
        rwlock_t.write_unlock(rwlock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "187-190")
    static void RL(String x) {
        rwlock_t.read_lock(rwlock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "187-190")
    static void RU(String x) {
        rwlock_t.read_unlock(rwlock_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "190")
    static void RWI(String x) {
        rwlock_t.__rwlock_init(rwlock_.get(x), "&rwlock_" + x, key("RWI:rwlock_" + x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "192-194")
    static void ML(String x) {
        mutex.mutex_lock(mutex_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "192-194")
    static void MU(String x) {
        mutex.mutex_unlock(mutex_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "192-194")
    static void MI(String x) {
        mutex.__mutex_init(mutex_.get(x), "&mutex_" + x, key("MI:mutex_" + x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "196-197")
    static void WSL(String x) {
        rw_semaphore.down_write(rwsem_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "196-197")
    static void WSU(String x) {
        rw_semaphore.up_write(rwsem_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "199-201")
    static void RSL(String x) {
        rw_semaphore.down_read(rwsem_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "199-201")
    static void RSU(String x) {
        rw_semaphore.up_read(rwsem_.get(x));
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "199-201")
    static void RWSI(String x) {
        rw_semaphore.__init_rwsem(rwsem_.get(x), "&rwsem_" + x, key("RWSI:rwsem_" + x));
    }

    /** A lock-type header: what LOCK, UNLOCK, RLOCK, WLOCK and INIT stand for while it is included. */
    record lock_ops(String name, Consumer<String> LOCK, Consumer<String> UNLOCK, Consumer<String> RLOCK,
                    Consumer<String> WLOCK, Consumer<String> INIT) {
        void LOCK_UNLOCK_2(String x, String y) {
            LOCK.accept(x);
            LOCK.accept(y);
            UNLOCK.accept(y);
            UNLOCK.accept(x);
        }
    }

    @KernelSource(file = "lib/locking-selftest-spin.h", lines = "1-11", name = "LOCK", note = "the header as a value")
    static final lock_ops spin = new lock_ops("spin", locking_selftest::L, locking_selftest::U, null, null,
            locking_selftest::SI);
    @KernelSource(file = "lib/locking-selftest-wlock.h", lines = "1-14", name = "LOCK", note = "the header as a value")
    static final lock_ops wlock = new lock_ops("wlock", locking_selftest::WL, locking_selftest::WU,
            locking_selftest::RL, locking_selftest::WL, locking_selftest::RWI);
    @KernelSource(file = "lib/locking-selftest-rlock.h", lines = "1-14", name = "LOCK", note = "the header as a value")
    static final lock_ops rlock = new lock_ops("rlock", locking_selftest::RL, locking_selftest::RU,
            locking_selftest::RL, locking_selftest::WL, locking_selftest::RWI);
    @KernelSource(file = "lib/locking-selftest-mutex.h", lines = "1-11", name = "LOCK", note = "the header as a value")
    static final lock_ops mutex_ops = new lock_ops("mutex", locking_selftest::ML, locking_selftest::MU, null, null,
            locking_selftest::MI);
    @KernelSource(file = "lib/locking-selftest-wsem.h", lines = "1-14", name = "LOCK", note = "the header as a value")
    static final lock_ops wsem = new lock_ops("wsem", locking_selftest::WSL, locking_selftest::WSU,
            locking_selftest::RSL, locking_selftest::WSL, locking_selftest::RWSI);
    @KernelSource(file = "lib/locking-selftest-rsem.h", lines = "1-14", name = "LOCK", note = "the header as a value")
    static final lock_ops rsem = new lock_ops("rsem", locking_selftest::RSL, locking_selftest::RSU,
            locking_selftest::RSL, locking_selftest::WSL, locking_selftest::RWSI);

    /** The six columns, in the table's order. */
    static final List<lock_ops> ALL6 = List.of(spin, wlock, rlock, mutex_ops, wsem, rsem);
    /** The three spinning columns of the irq tests (locking-selftest-{spin,wlock,rlock}-{hard,soft}irq.h). */
    static final List<lock_ops> SPIN3 = List.of(spin, wlock, rlock);

    /** An irq header: what IRQ_DISABLE, IRQ_ENABLE, IRQ_ENTER and IRQ_EXIT stand for. */
    record irq_ops(String name, Runnable IRQ_DISABLE, Runnable IRQ_ENABLE, Runnable IRQ_ENTER, Runnable IRQ_EXIT) {}

    @KernelSource(file = "lib/locking-selftest-hardirq.h", lines = "1-9", name = "IRQ_DISABLE", note = "the header as a value")
    static final irq_ops hardirq = new irq_ops("hard", locking_selftest::HARDIRQ_DISABLE,
            locking_selftest::HARDIRQ_ENABLE, locking_selftest::HARDIRQ_ENTER, locking_selftest::HARDIRQ_EXIT);
    @KernelSource(file = "lib/locking-selftest-softirq.h", lines = "1-9", name = "IRQ_DISABLE", note = "the header as a value")
    static final irq_ops softirq_ops = new irq_ops("soft", locking_selftest::SOFTIRQ_DISABLE,
            locking_selftest::SOFTIRQ_ENABLE, locking_selftest::SOFTIRQ_ENTER, locking_selftest::SOFTIRQ_EXIT);
    static final List<irq_ops> IRQS = List.of(hardirq, softirq_ops);

    /** An event macro: E(), E1(), E2() or E3() with a lock-type and an irq header in force. */
    @FunctionalInterface
    interface event {
        void E(lock_ops o, irq_ops i);
    }

    /**
     * GENERATE_PERMUTATIONS_2_EVENTS / _3_EVENTS: the case numbered {@code nr} ("12", "21",
     * "123", ..., "321") runs the events in the order of its digits.
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "224-240", name = "GENERATE_TESTCASE", note = "with GENERATE_PERMUTATIONS_2_EVENTS and _3_EVENTS")
    static Runnable permutation(String nr, lock_ops o, irq_ops i, event... events) {
        return () -> {
            for (char c : nr.toCharArray()) {
                events[c - '1'].E(o, i);
            }
        };
    }

    static final List<String> ORDERS_2 = List.of("12", "21");
    static final List<String> ORDERS_3 = List.of("123", "132", "213", "231", "312", "321");

    // ---- the test cases (locking-selftest.c 242-925) ----

    /** AA deadlock. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "246-267", name = "E", note = "the event macro of AA, as a lambda over the headers")
    static final event AA = (o, i) -> {
        o.LOCK.accept("X1");
        o.LOCK.accept("X2"); // this one should fail
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "273-277")
    static void rlock_AA1() {
        RL("X1");
        RL("X1"); // must not fail
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "279-283")
    static void rlock_AA1B() {
        RL("X1");
        RL("X2"); // must not fail
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "285-289")
    static void rsem_AA1() {
        RSL("X1");
        RSL("X1"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "291-295")
    static void rsem_AA1B() {
        RSL("X1");
        RSL("X2"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "299-303")
    static void rlock_AA2() {
        RL("X1");
        WL("X2"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "305-309")
    static void rsem_AA2() {
        RSL("X1");
        WSL("X2"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "311-315")
    static void rlock_AA3() {
        WL("X1");
        RL("X2"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "317-321")
    static void rsem_AA3() {
        WSL("X1");
        RSL("X2"); // fails
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "327-348", name = "E", note = "the event macro of ABBA, as a lambda over the headers")
    static final event ABBA = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("B", "A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "354-376", name = "E", note = "the event macro of ABBCCA, as a lambda over the headers")
    static final event ABBCCA = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("B", "C");
        o.LOCK_UNLOCK_2("C", "A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "382-404", name = "E", note = "the event macro of ABCABC, as a lambda over the headers")
    static final event ABCABC = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("C", "A");
        o.LOCK_UNLOCK_2("B", "C"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "410-433", name = "E", note = "the event macro of ABBCCDDA, as a lambda over the headers")
    static final event ABBCCDDA = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("B", "C");
        o.LOCK_UNLOCK_2("C", "D");
        o.LOCK_UNLOCK_2("D", "A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "438-461", name = "E", note = "the event macro of ABCDBDDA, as a lambda over the headers")
    static final event ABCDBDDA = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("C", "D");
        o.LOCK_UNLOCK_2("B", "D");
        o.LOCK_UNLOCK_2("D", "A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "466-489", name = "E", note = "the event macro of ABCDBCDA, as a lambda over the headers")
    static final event ABCDBCDA = (o, i) -> {
        o.LOCK_UNLOCK_2("A", "B");
        o.LOCK_UNLOCK_2("C", "D");
        o.LOCK_UNLOCK_2("B", "C");
        o.LOCK_UNLOCK_2("D", "A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "494-516", name = "E", note = "the event macro of double_unlock, as a lambda over the headers")
    static final event double_unlock = (o, i) -> {
        o.LOCK.accept("A");
        o.UNLOCK.accept("A");
        o.UNLOCK.accept("A"); // fails
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "521-544", name = "E", note = "the event macro of bad_unlock_order, as a lambda over the headers")
    static final event bad_unlock_order = (o, i) -> {
        o.LOCK.accept("A");
        o.LOCK.accept("B");
        o.UNLOCK.accept("A"); // must not fail
        o.UNLOCK.accept("B");
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "549-570", name = "E", note = "the event macro of init_held, as a lambda over the headers")
    static final event init_held = (o, i) -> {
        o.LOCK.accept("A");
        o.INIT.accept("A"); // fails
    };

    /** Locking an irq-safe lock with irqs enabled. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "575-580", name = "E1", note = "the event macro of irqsafe1_E1, as a lambda over the headers")
    static final event irqsafe1_E1 = (o, i) -> {
        i.IRQ_ENTER().run();
        o.LOCK.accept("A");
        o.UNLOCK.accept("A");
        i.IRQ_EXIT().run();
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "582-607", name = "E2", note = "the event macro of irqsafe1_E2, as a lambda over the headers")
    static final event irqsafe1_E2 = (o, i) -> {
        o.LOCK.accept("A");
        o.UNLOCK.accept("A");
    };

    /** Enabling hardirqs with a softirq-safe lock held. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "614-619", name = "E1", note = "the event macro of irqsafe2A_E1, as a lambda over the headers")
    static final event irqsafe2A_E1 = (o, i) -> {
        SOFTIRQ_ENTER();
        o.LOCK.accept("A");
        o.UNLOCK.accept("A");
        SOFTIRQ_EXIT();
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "621-639", name = "E2", note = "the event macro of irqsafe2A_E2, as a lambda over the headers")
    static final event irqsafe2A_E2 = (o, i) -> {
        HARDIRQ_DISABLE();
        o.LOCK.accept("A");
        HARDIRQ_ENABLE();
        o.UNLOCK.accept("A");
    };

    /** Enabling irqs with an irq-safe lock held. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "646-651", name = "E1", note = "the event macro of irqsafe2B_E1, as a lambda over the headers")
    static final event irqsafe2B_E1 = irqsafe1_E1;

    @KernelSource(file = "lib/locking-selftest.c", lines = "653-680", name = "E2", note = "the event macro of irqsafe2B_E2, as a lambda over the headers")
    static final event irqsafe2B_E2 = (o, i) -> {
        i.IRQ_DISABLE().run();
        o.LOCK.accept("A");
        i.IRQ_ENABLE().run();
        o.UNLOCK.accept("A");
    };

    /** Acquiring an irq-unsafe lock while holding an irq-safe lock. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "687-692", name = "E1", note = "the event macro of irqsafe3_E1, as a lambda over the headers")
    static final event irqsafe3_E1 = (o, i) -> {
        o.LOCK.accept("A");
        o.LOCK.accept("B");
        o.UNLOCK.accept("B");
        o.UNLOCK.accept("A");
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "694-697", name = "E2", note = "the event macro of irqsafe3_E2, as a lambda over the headers")
    static final event irqsafe3_E2 = (o, i) -> {
        o.LOCK.accept("B");
        o.UNLOCK.accept("B");
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "699-726", name = "E3", note = "the event macro of irqsafe3_E3, as a lambda over the headers")
    static final event irqsafe3_E3 = irqsafe1_E1;

    /** A lock turns irq-safe after it took an irq-unsafe lock. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "736-742", name = "E1", note = "the event macro of irqsafe4_E1, as a lambda over the headers")
    static final event irqsafe4_E1 = (o, i) -> {
        i.IRQ_DISABLE().run();
        o.LOCK.accept("A");
        o.LOCK.accept("B");
        o.UNLOCK.accept("B");
        o.UNLOCK.accept("A");
        i.IRQ_ENABLE().run();
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "744-746", name = "E2", note = "the event macro of irqsafe4_E2, as a lambda over the headers")
    static final event irqsafe4_E2 = irqsafe3_E2;

    @KernelSource(file = "lib/locking-selftest.c", lines = "748-774", name = "E3", note = "the event macro of irqsafe4_E3, as a lambda over the headers")
    static final event irqsafe4_E3 = irqsafe1_E1;

    /** Read-lock / write-lock irq inversion. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "795-802", name = "E1", note = "the event macro of irq_inversion_E1, as a lambda over the headers")
    static final event irq_inversion_E1 = (o, i) -> {
        i.IRQ_DISABLE().run();
        WL("A");
        o.LOCK.accept("B");
        o.UNLOCK.accept("B");
        WU("A");
        i.IRQ_ENABLE().run();
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "804-807", name = "E2", note = "the event macro of irq_inversion_E2, as a lambda over the headers")
    static final event irq_inversion_E2 = irqsafe3_E2;

    @KernelSource(file = "lib/locking-selftest.c", lines = "809-836", name = "E3", note = "the event macro of irq_inversion_E3, as a lambda over the headers")
    static final event irq_inversion_E3 = (o, i) -> {
        i.IRQ_ENTER().run();
        RL("A");
        RU("A");
        i.IRQ_EXIT().run();
    };

    /** Read-lock / write-lock recursion that is actually safe. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "845-850", name = "E1", note = "the event macro of irq_read_recursion_E1, as a lambda over the headers")
    static final event irq_read_recursion_E1 = (o, i) -> {
        i.IRQ_DISABLE().run();
        WL("A");
        WU("A");
        i.IRQ_ENABLE().run();
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "852-855", name = "E2", note = "the event macro of irq_read_recursion_E2, as a lambda over the headers")
    static final event irq_read_recursion_E2 = (o, i) -> {
        RL("A");
        RU("A");
    };

    @KernelSource(file = "lib/locking-selftest.c", lines = "857-874", name = "E3", note = "the event macro of irq_read_recursion_E3, as a lambda over the headers")
    static final event irq_read_recursion_E3 = (o, i) -> {
        i.IRQ_ENTER().run();
        RL("A");
        L("B");
        U("B");
        RU("A");
        i.IRQ_EXIT().run();
    };

    // ---- reset_locks, dotest and the table (locking-selftest.c 912-1132) ----

    /**
     * Puts lockdep and the locks back between cases. The kernel zaps each lock's classes
     * (lockdep_reset_lock, lockdep_free_key_range) before lockdep_reset and re-initialises the
     * locks' memory; here lockdep_reset's woven body forgets every class at once, and the locks are
     * made anew (their lock words back to unlocked, as the kernel's re-init leaves them).
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "943-961")
    static void reset_locks() {
        irqflags.local_irq_disable();
        lockdep.lockdep_reset();
        for (String x : STANDALONE) {
            I2(x, "I2:");
        }
        init_shared_classes();
        ww_selftest.reset_ww();
        irqflags.local_irq_enable();
    }

    /** Non-zero: every cell is followed by its lockclass mask, debug_locks and expectation, and reports are printed. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "28", note = "the boot parameter debug_locks_verbose= (33-39) becomes an argument")
    static int debug_locks_verbose;

    /** The counters of locking-selftest.c 965-968, and the printk sink. */
    static int testcase_total;
    static int testcase_successes;
    static int expected_testcase_failures;
    static int unexpected_testcase_failures;
    static Consumer<String> printk = s -> { };

    @KernelSource(file = "lib/locking-selftest.c", lines = "970-1014",
            note = "CONFIG_PROVE_LOCKING=y; no dump_stack after FAILED; an exception out of the case is an oops (debug_locks off)")
    static void dotest(Runnable testcase_fn, int expected, int lockclass_mask) {
        int saved_preempt_count = preempt.preempt_count();

        bug.WARN_ON(irqflags.irqs_disabled());

        try {
            testcase_fn.run();
        } catch (RuntimeException e) {
            debug_locks.debug_locks_off(); // oops_enter
        }
        int dl = debug_locks.debug_locks_on() ? 1 : 0;
        if (dl != expected) {
            unexpected_testcase_failures++;
            printk.accept("FAILED|");
        } else {
            testcase_successes++;
            printk.accept("  ok  |");
        }
        testcase_total++;

        if (debug_locks_verbose != 0) {
            printk.accept(String.format(" lockclass mask: %x, debug_locks: %d, expected: %d\n",
                    lockclass_mask, dl, expected));
        }
        preempt.preempt_count_set(saved_preempt_count);
        if (preempt_mask.softirq_count() != 0) {
            lockdep.current_softirqs_enabled_set(0);
        } else {
            lockdep.current_softirqs_enabled_set(1);
        }

        reset_locks();
    }

    @KernelSource(file = "lib/locking-selftest.c", lines = "1016-1019")
    static void print_testname(String testname) {
        printk.accept(String.format("%33s:", testname));
    }

    /** DO_TESTCASE_6 / _6_SUCCESS / _6R: one row over the six lock types, {@code expected} per column. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1045-1076", name = "DO_TESTCASE_6", note = "with DO_TESTCASE_6_SUCCESS and DO_TESTCASE_6R: the expectations are an argument")
    static void DO_TESTCASE_6(String desc, event E, int... expected) {
        print_testname(desc);
        int[] masks = {LOCKTYPE_SPIN, LOCKTYPE_RWLOCK, LOCKTYPE_RWLOCK, LOCKTYPE_MUTEX, LOCKTYPE_RWSEM, LOCKTYPE_RWSEM};
        for (int c = 0; c < 6; c++) {
            lock_ops o = ALL6.get(c);
            dotest(() -> E.E(o, null), expected[c], masks[c]);
        }
        printk.accept("\n");
    }

    static final int[] F6 = {FAILURE, FAILURE, FAILURE, FAILURE, FAILURE, FAILURE};
    static final int[] S6 = {SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS};
    static final int[] R6 = {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE};

    /** DO_TESTCASE_3 / _3RW: spin and wlock must fail, rlock must not. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1031-1043", name = "DO_TESTCASE_3", note = "DO_TESTCASE_3RW prints the same (only its lockclass mask differs)")
    static void DO_TESTCASE_3(String desc, String nr, irq_ops i, event... E) {
        print_testname(desc + "/" + nr);
        dotest(permutation(nr, spin, i, E), FAILURE, LOCKTYPE_SPIN);
        dotest(permutation(nr, wlock, i, E), FAILURE, LOCKTYPE_RWLOCK);
        dotest(permutation(nr, rlock, i, E), SUCCESS, LOCKTYPE_RWLOCK);
        printk.accept("\n");
    }

    /** DO_TESTCASE_1: one cell that must succeed. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1021-1024")
    static void DO_TESTCASE_1(String desc, String nr, irq_ops i, event... E) {
        print_testname(desc + "/" + nr);
        dotest(permutation(nr, null, i, E), SUCCESS, LOCKTYPE_RWLOCK);
        printk.accept("\n");
    }

    /** DO_TESTCASE_2x3: the 12 and 21 orderings, without an irq header. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1094-1096")
    static void DO_TESTCASE_2x3(String desc, event... E) {
        for (String nr : ORDERS_2) {
            DO_TESTCASE_3(desc, nr, null, E);
        }
    }

    /** DO_TESTCASE_2x6 (6I: hard- then soft-, each over spin/wlock/rlock) for the 12 and 21 orderings. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1098-1100", name = "DO_TESTCASE_2x6", note = "with DO_TESTCASE_6I (1086-1088)")
    static void DO_TESTCASE_2x6(String desc, event... E) {
        for (String nr : ORDERS_2) {
            for (irq_ops i : IRQS) {
                DO_TESTCASE_3(i.name() + "-" + desc, nr, i, E);
            }
        }
    }

    /** DO_TESTCASE_6x6 / _6x6RW: the six orderings of three events, hard- and soft-, spin/wlock/rlock. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1118-1132", name = "DO_TESTCASE_6x6", note = "with DO_TESTCASE_6x6RW and DO_TESTCASE_6I (1086-1092)")
    static void DO_TESTCASE_6x6(String desc, event... E) {
        for (String nr : ORDERS_3) {
            for (irq_ops i : IRQS) {
                DO_TESTCASE_3(i.name() + "-" + desc, nr, i, E);
            }
        }
    }

    /** DO_TESTCASE_6x2 (2I: hard- then soft-, one cell each) over the six orderings. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1102-1108", name = "DO_TESTCASE_6x2", note = "with DO_TESTCASE_2I (1078-1080)")
    static void DO_TESTCASE_6x2(String desc, event... E) {
        for (String nr : ORDERS_3) {
            for (irq_ops i : IRQS) {
                DO_TESTCASE_1(i.name() + "-" + desc, nr, i, E);
            }
        }
    }

    /**
     * Runs the whole self-test, printing the kernel's table through {@code sink}; returns the
     * number of unexpected failures (the kernel's function is void and turns debug_locks off).
     */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1795-1902")
    public static int locking_selftest(Consumer<String> sink) {
        return locking_selftest(sink, 0);
    }

    /** {@link #locking_selftest(Consumer)} as with the boot parameter {@code debug_locks_verbose=verbose}. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1795-1902")
    public static int locking_selftest(Consumer<String> sink, int verbose) {
        debug_locks_verbose = verbose;
        printk = sink;
        testcase_total = 0;
        testcase_successes = 0;
        expected_testcase_failures = 0;
        unexpected_testcase_failures = 0;
        if (!debug_locks.debug_locks_on()) {
            printk.accept("----------------------------------\n");
            printk.accept("| Locking API testsuite disabled |\n");
            printk.accept("----------------------------------\n");
            return 0;
        }
        define_locks();
        ww_selftest.reset_ww();

        printk.accept("------------------------\n");
        printk.accept("| Locking API testsuite:\n");
        printk.accept("----------------------------------------------------------------------------\n");
        printk.accept("                                 | spin |wlock |rlock |mutex | wsem | rsem |\n");
        printk.accept("  --------------------------------------------------------------------------\n");

        init_shared_classes();
        debug_locks.debug_locks_silent_set(debug_locks_verbose == 0 ? 1 : 0);

        DO_TESTCASE_6("A-A deadlock", AA, R6);
        DO_TESTCASE_6("A-B-B-A deadlock", ABBA, R6);
        DO_TESTCASE_6("A-B-B-C-C-A deadlock", ABBCCA, R6);
        DO_TESTCASE_6("A-B-C-A-B-C deadlock", ABCABC, R6);
        DO_TESTCASE_6("A-B-B-C-C-D-D-A deadlock", ABBCCDDA, R6);
        DO_TESTCASE_6("A-B-C-D-B-D-D-A deadlock", ABCDBDDA, R6);
        DO_TESTCASE_6("A-B-C-D-B-C-D-A deadlock", ABCDBCDA, R6);
        DO_TESTCASE_6("double unlock", double_unlock, F6);
        DO_TESTCASE_6("initialize held", init_held, F6);
        DO_TESTCASE_6("bad unlock order", bad_unlock_order, S6);

        printk.accept("  --------------------------------------------------------------------------\n");
        recursive_row("recursive read-lock", locking_selftest::rlock_AA1, SUCCESS, locking_selftest::rsem_AA1, FAILURE);
        recursive_row("recursive read-lock #2", locking_selftest::rlock_AA1B, SUCCESS, locking_selftest::rsem_AA1B, FAILURE);
        recursive_row("mixed read-write-lock", locking_selftest::rlock_AA2, FAILURE, locking_selftest::rsem_AA2, FAILURE);
        recursive_row("mixed write-read-lock", locking_selftest::rlock_AA3, FAILURE, locking_selftest::rsem_AA3, FAILURE);
        printk.accept("  --------------------------------------------------------------------------\n");

        DO_TESTCASE_2x6("irqs-on + irq-safe-A", irqsafe1_E1, irqsafe1_E2);
        DO_TESTCASE_2x3("sirq-safe-A => hirqs-on", irqsafe2A_E1, irqsafe2A_E2);
        DO_TESTCASE_2x6("safe-A + irqs-on", irqsafe2B_E1, irqsafe2B_E2);
        DO_TESTCASE_6x6("safe-A + unsafe-B #1", irqsafe3_E1, irqsafe3_E2, irqsafe3_E3);
        DO_TESTCASE_6x6("safe-A + unsafe-B #2", irqsafe4_E1, irqsafe4_E2, irqsafe4_E3);
        DO_TESTCASE_6x6("irq lock-inversion", irq_inversion_E1, irq_inversion_E2, irq_inversion_E3);

        DO_TESTCASE_6x2("irq read-recursion", irq_read_recursion_E1, irq_read_recursion_E2, irq_read_recursion_E3);
        // irq read-recursion #2 is commented out in v3.16 (locking-selftest.c 1876) and not run.

        ww_selftest.ww_tests();

        if (unexpected_testcase_failures != 0) {
            printk.accept("-----------------------------------------------------------------\n");
            debug_locks.debug_locks_set(0);
            printk.accept(String.format("BUG: %3d unexpected failures (out of %3d) - debugging disabled! |\n",
                    unexpected_testcase_failures, testcase_total));
            printk.accept("-----------------------------------------------------------------\n");
        } else if (expected_testcase_failures != 0 && testcase_successes != 0) {
            printk.accept("--------------------------------------------------------\n");
            printk.accept(String.format("%3d out of %3d testcases failed, as expected. |\n",
                    expected_testcase_failures, testcase_total));
            printk.accept("----------------------------------------------------\n");
            debug_locks.debug_locks_set(1);
        } else if (expected_testcase_failures != 0) {
            printk.accept("--------------------------------------------------------\n");
            printk.accept(String.format("All %3d testcases failed, as expected. |\n", expected_testcase_failures));
            printk.accept("----------------------------------------\n");
            debug_locks.debug_locks_set(1);
        } else {
            printk.accept("-------------------------------------------------------\n");
            printk.accept(String.format("Good, all %3d testcases passed! |\n", testcase_successes));
            printk.accept("---------------------------------\n");
            debug_locks.debug_locks_set(1);
        }
        debug_locks.debug_locks_silent_set(0);
        return unexpected_testcase_failures;
    }

    /** The recursive and mixed read-lock rows: only the rlock and rsem columns, the others blank. */
    @KernelSource(file = "lib/locking-selftest.c", lines = "1831-1859", name = "print_testname", note = "the four read-lock rows of locking_selftest, one method")
    static void recursive_row(String desc, Runnable rlock_case, int rlock_expected, Runnable rsem_case, int rsem_expected) {
        print_testname(desc);
        printk.accept("             |");
        dotest(rlock_case, rlock_expected, LOCKTYPE_RWLOCK);
        printk.accept("             |");
        dotest(rsem_case, rsem_expected, LOCKTYPE_RWSEM);
        printk.accept("\n");
    }
}
