// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * CONFIG_LOCK_STAT: per-class lock statistics as v3.16 keeps them (include/linux/lockdep.h
 * 60, 107-110, 113-144; kernel/locking/lockdep.c 63-68, 152-277, 3655-3835).
 *
 * <p>The kernel keeps one {@code struct lock_class_stats} per CPU per class
 * ({@code cpu_lock_stats}, lockdep.c 153-154) so that the hot path touches only CPU-local memory
 * with interrupts off, and sums the CPUs when {@code /proc/lock_stat} is read ({@code lock_stats},
 * lockdep.c 204-231). Java has no CPUs to pin to, so a <em>thread</em> stands for a CPU: each
 * thread owns one {@link Cell} per class it touched, found through one thread-local array indexed
 * by the class's {@link ClassStats#index} (the kernel's {@code class - lock_classes}). Only the
 * owning thread writes a cell (plain read-modify-write, opaque stores so a reader never sees a torn
 * value); {@link #lock_stats} sums every cell ever made for the class, including those of threads
 * that have ended (as the kernel sums every possible CPU). A reader racing a writer may see one
 * update half done, as the kernel's reader may.
 *
 * <p>The contention points ({@code lock_class.contention_point[]} / {@code contending_point[]},
 * lockdep.h 107-110) are per class and shared; here they are call sites (the runtime's
 * {@code Class.method(File:line)} frame, compared by its string form) where the kernel has return
 * addresses.
 *
 * <p>"Bounces" in the kernel count a lock moving between CPUs ({@code lockdep_map.cpu}); here the
 * runtime's stand-in for {@code smp_processor_id()} is the thread id ({@link #cpu()}), so a bounce
 * is the lock moving between threads.
 *
 * <p>Clearing ({@code clear_lock_stats}, lockdep.c 233-245, {@code echo 0 > /proc/lock_stat})
 * cannot zero another thread's cell without racing its owner, so it swaps in a fresh
 * {@link Gen generation} (new cells, empty points); a thread that next touches the class makes a
 * new cell. An update in flight during the clear may land in the old generation and be lost, as
 * the kernel's memset may lose one.
 */
public final class LockStat {
    private LockStat() {}

    /** LOCKSTAT_POINTS, include/linux/lockdep.h 60. */
    public static final int LOCKSTAT_POINTS = 4;

    // enum bounce_type, include/linux/lockdep.h 121-130
    public static final int bounce_acquired_write = 0;
    public static final int bounce_acquired_read = 1;
    public static final int bounce_contended_write = 2;
    public static final int bounce_contended_read = 3;
    public static final int nr_bounce_types = 4;
    public static final int bounce_acquired = bounce_acquired_write;
    public static final int bounce_contended = bounce_contended_write;

    /**
     * The {@code lock_stat} switch (lockdep.c 63-68, sysctl {@code kernel.lock_stat}): on by
     * default. The runtime's lock_contended/lock_acquired/lock_release_holdtime return early when off.
     */
    public static volatile boolean lock_stat = true;

    private static final long ORIGIN = System.nanoTime();

    /**
     * lockstat_clock (lockdep.c 156-159: local_clock): nanoseconds, here {@link System#nanoTime()}
     * from the runtime's start plus one, so a stamp is never 0 (the kernel uses a 0
     * {@code waittime_stamp} for "not contended").
     */
    public static long lockstat_clock() {
        return System.nanoTime() - ORIGIN + 1;
    }

    /** The stand-in for smp_processor_id() in the bounce counts: the current thread's id. */
    public static long cpu() {
        return Thread.currentThread().getId();
    }

    // ------------------------------------------------------------------ struct lock_time

    /** struct lock_time (include/linux/lockdep.h 114-119), a read-only snapshot. */
    public static final class LockTime {
        public static final LockTime ZERO = new LockTime(0, 0, 0, 0);
        public final long min;
        public final long max;
        public final long total;
        public final long nr;

        public LockTime(long min, long max, long total, long nr) {
            this.min = min;
            this.max = max;
            this.total = total;
            this.nr = nr;
        }

        /** The average /proc/lock_stat prints (lockdep_proc.c 424): total / nr truncated, 0 when nr is 0. */
        public long avg() {
            return nr != 0 ? total / nr : 0;
        }

        /** lock_time_add (lockdep.c 189-202) of {@code src} into this, as a new value. */
        LockTime plus(long sMin, long sMax, long sTotal, long sNr) {
            if (sNr == 0) {
                return this;
            }
            long nMax = sMax > max ? sMax : max;
            long nMin = (sMin < min || nr == 0) ? sMin : min;
            return new LockTime(nMin, nMax, total + sTotal, nr + sNr);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LockTime t && t.min == min && t.max == max && t.total == total && t.nr == nr;
        }

        @Override
        public int hashCode() {
            return Objects.hash(min, max, total, nr);
        }

        @Override
        public String toString() {
            return "{min=" + min + ", max=" + max + ", total=" + total + ", nr=" + nr + "}";
        }
    }

    // ------------------------------------------------------------------ struct lock_class_stats

    /**
     * struct lock_class_stats (include/linux/lockdep.h 132-140) summed over the threads, plus the
     * class's contention and contending points it counts (the kernel keeps those on
     * {@code struct lock_class}; lockdep_proc.c reads both). A point is null where the kernel's is 0.
     */
    public static final class Stats {
        public final long[] contention_point = new long[LOCKSTAT_POINTS];
        public final long[] contending_point = new long[LOCKSTAT_POINTS];
        public LockTime read_waittime = LockTime.ZERO;
        public LockTime write_waittime = LockTime.ZERO;
        public LockTime read_holdtime = LockTime.ZERO;
        public LockTime write_holdtime = LockTime.ZERO;
        public final long[] bounces = new long[nr_bounce_types];
        /** The class's contention sites (where a waiter waited), first-seen order; null = unused. */
        public final String[] contentionPoints = new String[LOCKSTAT_POINTS];
        /** The class's contending sites (where the holder had acquired it); null = unused. */
        public final String[] contendingPoints = new String[LOCKSTAT_POINTS];

        /** Contentions: read plus write waits, the key /proc/lock_stat sorts on. */
        public long contentions() {
            return read_waittime.nr + write_waittime.nr;
        }
    }

    // ------------------------------------------------------------------ per-class handle

    /** One generation of a class's statistics: the shared points and every thread's cell. */
    static final class Gen {
        final AtomicReferenceArray<String> contentionPoint = new AtomicReferenceArray<>(LOCKSTAT_POINTS);
        final AtomicReferenceArray<String> contendingPoint = new AtomicReferenceArray<>(LOCKSTAT_POINTS);
        final ConcurrentLinkedQueue<Cell> cells = new ConcurrentLinkedQueue<>();
        /** mmulab's extension: the hold times split by acquisition site, first-seen order. */
        final java.util.Map<Object, SiteHold> holdSites = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    }

    /**
     * The holds of one class taken at one site (not in the kernel, whose lock_stat has per-class
     * hold times only): what {@code lock_stat_holds} prints, so a reader sees which function held
     * the lock how long.
     */
    public static final class SiteHold {
        /** The site as printed (class.method(File:line)). */
        public final String site;
        private long min;
        private long max;
        private long total;
        private long nr;

        SiteHold(String site) {
            this.site = site;
        }

        synchronized void add(long ns) {
            if (nr == 0 || ns < min) {
                min = ns;
            }
            if (ns > max) {
                max = ns;
            }
            total += ns;
            nr++;
        }

        /** A snapshot of the holds, as a struct lock_time. */
        public synchronized LockTime time() {
            return new LockTime(min, max, total, nr);
        }
    }

    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();

    /**
     * The statistics of one lock class, to hang on the runtime's lock class. {@code name},
     * {@code nameVersion} and {@code subclass} are what /proc/lock_stat prints
     * ({@code class->name}, {@code name_version}, {@code subclass}); pass {@code nameVersion} 1 if
     * {@code name} already carries the {@code #N}.
     */
    public static final class ClassStats {
        final int index = NEXT_INDEX.getAndIncrement();
        public final String name;
        public final int nameVersion;
        public final int subclass;
        volatile Gen gen = new Gen();

        public ClassStats(String name, int nameVersion, int subclass) {
            this.name = name;
            this.nameVersion = nameVersion;
            this.subclass = subclass;
        }

        @Override
        public String toString() {
            return "ClassStats[" + name + "]";
        }
    }

    // ------------------------------------------------------------------ the per-thread cells

    // one cell's layout: a long[] written only by its thread
    static final int CP = 0;                       // contention_point counts, 4
    static final int CG = CP + LOCKSTAT_POINTS;    // contending_point counts, 4
    static final int RW = CG + LOCKSTAT_POINTS;    // read_waittime: min, max, total, nr
    static final int WW = RW + 4;                  // write_waittime
    static final int RH = WW + 4;                  // read_holdtime
    static final int WH = RH + 4;                  // write_holdtime
    static final int BO = WH + 4;                  // bounces, 4
    static final int CELL_LEN = BO + nr_bounce_types;

    private static final VarHandle AA = MethodHandles.arrayElementVarHandle(long[].class);

    /** One thread's {@code struct lock_class_stats} for one class (the kernel's per-CPU copy). */
    static final class Cell {
        final Gen gen;
        final long[] v = new long[CELL_LEN];

        Cell(Gen gen) {
            this.gen = gen;
        }

        long get(int i) {
            return (long) AA.getOpaque(v, i);
        }

        void inc(int i) {
            AA.setOpaque(v, i, v[i] + 1);
        }

        /** lock_time_inc (lockdep.c 177-187) on the lock_time at {@code at}. */
        void timeInc(int at, long time) {
            long[] a = v;
            if (time > a[at + 1]) {
                AA.setOpaque(a, at + 1, time);
            }
            if (time < a[at] || a[at + 3] == 0) {
                AA.setOpaque(a, at, time);
            }
            AA.setOpaque(a, at + 2, a[at + 2] + time);
            AA.setOpaque(a, at + 3, a[at + 3] + 1);
        }
    }

    private static final ThreadLocal<Cell[]> CPU_LOCK_STATS = ThreadLocal.withInitial(() -> new Cell[32]);

    /**
     * get_lock_stats (lockdep.c 247-250): the current thread's cell for {@code s}, made and
     * registered with the class's current generation the first time (or after a clear).
     */
    static Cell get_lock_stats(ClassStats s) {
        Gen g = s.gen;
        Cell[] cells = CPU_LOCK_STATS.get();
        int i = s.index;
        if (i >= cells.length) {
            cells = Arrays.copyOf(cells, Math.max(i + 1, cells.length * 2));
            CPU_LOCK_STATS.set(cells);
        }
        Cell c = cells[i];
        if (c == null || c.gen != g) {
            c = new Cell(g);
            g.cells.add(c);
            cells[i] = c;
        }
        return c;
    }

    // ------------------------------------------------------------------ the updates

    /**
     * lock_point (lockdep.c 161-175): the slot of {@code ip} in {@code points}, taking the first
     * free slot for a new one; {@link #LOCKSTAT_POINTS} when all four hold other sites (the site is
     * then not counted). Lock-free here (the kernel races benignly with irqs off on each CPU).
     */
    static int lock_point(AtomicReferenceArray<String> points, String ip) {
        int i;
        for (i = 0; i < LOCKSTAT_POINTS; i++) {
            String p = points.get(i);
            if (p == null) {
                if (points.compareAndSet(i, null, ip)) {
                    break;
                }
                p = points.get(i);
            }
            if (Objects.equals(p, ip)) {
                break;
            }
        }
        return i;
    }

    private static String site(Object point) {
        return point == null ? null : point.toString();
    }

    /**
     * The point bookkeeping of __lock_contended (lockdep.c 3723-3733): {@code contentionPoint} is
     * where this thread waits (the kernel's {@code ip}), {@code contendingPoint} where the holder
     * acquired the lock (the kernel's {@code lock->ip}, null before the first acquisition, counted
     * in the first free slot as the kernel counts an ip of 0).
     */
    public static void contended(ClassStats s, Object contentionPoint, Object contendingPoint) {
        Gen g = s.gen;
        int contention = lock_point(g.contentionPoint, site(contentionPoint));
        int contending = lock_point(g.contendingPoint, site(contendingPoint));
        Cell c = get_lock_stats(s);
        if (contention < LOCKSTAT_POINTS) {
            c.inc(CP + contention);
        }
        if (contending < LOCKSTAT_POINTS) {
            c.inc(CG + contending);
        }
    }

    /** A wait of {@code ns} nanoseconds (lock_time_inc into read_/write_waittime, lockdep.c 3784-3789). */
    public static void waitTime(ClassStats s, boolean read, long ns) {
        get_lock_stats(s).timeInc(read ? RW : WW, ns);
    }

    /** A hold of {@code ns} nanoseconds (lock_release_holdtime's lock_time_inc, lockdep.c 267-272). */
    public static void holdTime(ClassStats s, boolean read, long ns) {
        get_lock_stats(s).timeInc(read ? RH : WH, ns);
    }

    /** One bounce of {@code kind} (a {@code bounce_*} constant; lockdep.c 3732-3733, 3790-3791). */
    public static void bounce(ClassStats s, int kind) {
        get_lock_stats(s).inc(BO + kind);
    }

    // ------------------------------------------------------------------ the kernel's found_it tails

    /**
     * The CONFIG_LOCK_STAT fields of {@code struct lockdep_map} (include/linux/lockdep.h 154-157):
     * the "CPU" (thread) that last acquired the lock and where. lockdep_init_map sets
     * {@code cpu} to the initialising thread (lockdep.c 2962-2964).
     */
    public static final class MapStat {
        public volatile long cpu = cpu();
        public volatile Object ip;
    }

    /**
     * __lock_contended after it found the held lock with {@code hlock->instance == lock}
     * (lockdep.c 3721-3734): records the points and the contended bounce; returns the new
     * {@code hlock->waittime_stamp}.
     */
    public static long lockContended(ClassStats s, MapStat lock, boolean read, Object ip) {
        return lockContended(s, lock.cpu, lock.ip, read, ip);
    }

    /** {@link #lockContended(ClassStats, MapStat, boolean, Object)} with the map's {@code cpu} and {@code ip} read by the caller. */
    public static long lockContended(ClassStats s, long lockCpu, Object lockIp, boolean read, Object ip) {
        long stamp = lockstat_clock();
        contended(s, ip, lockIp);
        if (lockCpu != cpu()) {
            bounce(s, bounce_contended + (read ? 1 : 0));
        }
        return stamp;
    }

    /**
     * __lock_acquired after it found the held lock (lockdep.c 3771-3794): the wait since
     * {@code waittimeStamp} (0 = not contended, nothing recorded), the acquired bounce, and the
     * lock's new cpu and ip; returns the {@code hlock->holdtime_stamp} to keep (restarted at the
     * end of a wait, else {@code holdtimeStamp}).
     */
    public static long lockAcquired(ClassStats s, MapStat lock, boolean read, Object ip,
                                    long waittimeStamp, long holdtimeStamp) {
        long hold = lockAcquired(s, lock.cpu, read, waittimeStamp, holdtimeStamp);
        lock.cpu = cpu();
        lock.ip = ip;
        return hold;
    }

    /**
     * {@link #lockAcquired(ClassStats, MapStat, boolean, Object, long, long)} with the map's
     * {@code cpu} read by the caller, who then sets the map's {@code cpu} and {@code ip}.
     */
    public static long lockAcquired(ClassStats s, long lockCpu, boolean read, long waittimeStamp, long holdtimeStamp) {
        long waittime = 0;
        if (waittimeStamp != 0) {
            long now = lockstat_clock();
            waittime = now - waittimeStamp;
            holdtimeStamp = now;
        }
        if (waittime != 0) {
            waitTime(s, read, waittime);
        }
        if (lockCpu != cpu()) {
            bounce(s, bounce_acquired + (read ? 1 : 0));
        }
        return holdtimeStamp;
    }

    /** lock_release_holdtime (lockdep.c 257-273): the hold since {@code holdtimeStamp}. */
    public static void lockReleaseHoldtime(ClassStats s, boolean read, long holdtimeStamp) {
        if (!lock_stat) {
            return;
        }
        holdTime(s, read, lockstat_clock() - holdtimeStamp);
    }

    /**
     * lock_release_holdtime plus mmulab's per-site split: the hold since {@code holdtimeStamp} of
     * a lock acquired at {@code site}, told apart from other sites by {@code siteKey}.
     */
    public static void lockReleaseHoldtime(ClassStats s, boolean read, long holdtimeStamp, Object siteKey, Object site) {
        if (!lock_stat) {
            return;
        }
        long ns = lockstat_clock() - holdtimeStamp;
        holdTime(s, read, ns);
        java.util.Map<Object, SiteHold> m = s.gen.holdSites;
        SiteHold h = m.get(siteKey);
        if (h == null) {
            h = m.computeIfAbsent(siteKey, k -> new SiteHold(String.valueOf(site)));
        }
        h.add(ns);
    }

    /** The class's holds split by acquisition site, in first-seen order. */
    public static List<SiteHold> holdSites(ClassStats s) {
        java.util.Map<Object, SiteHold> m = s.gen.holdSites;
        synchronized (m) {
            return new ArrayList<>(m.values());
        }
    }

    // ------------------------------------------------------------------ reading and clearing

    /** lock_stats (lockdep.c 204-231): the class's statistics summed over every thread's cell. */
    public static Stats lock_stats(ClassStats s) {
        Gen g = s.gen;
        Stats st = new Stats();
        for (Cell c : g.cells) {
            for (int i = 0; i < LOCKSTAT_POINTS; i++) {
                st.contention_point[i] += c.get(CP + i);
                st.contending_point[i] += c.get(CG + i);
            }
            st.read_waittime = add(st.read_waittime, c, RW);
            st.write_waittime = add(st.write_waittime, c, WW);
            st.read_holdtime = add(st.read_holdtime, c, RH);
            st.write_holdtime = add(st.write_holdtime, c, WH);
            for (int i = 0; i < nr_bounce_types; i++) {
                st.bounces[i] += c.get(BO + i);
            }
        }
        for (int i = 0; i < LOCKSTAT_POINTS; i++) {
            st.contentionPoints[i] = g.contentionPoint.get(i);
            st.contendingPoints[i] = g.contendingPoint.get(i);
        }
        return st;
    }

    private static LockTime add(LockTime dst, Cell c, int at) {
        long nr = c.get(at + 3);
        return dst.plus(c.get(at), c.get(at + 1), c.get(at + 2), nr);
    }

    /** clear_lock_stats (lockdep.c 233-245): every thread's counts and the class's points. */
    public static void clear_lock_stats(ClassStats s) {
        s.gen = new Gen();
    }

    // ------------------------------------------------------------------ all classes

    private static final List<ClassStats> ALL = new CopyOnWriteArrayList<>();

    /** A new class's statistics, listed (in creation order, as all_lock_classes) for /proc/lock_stat. */
    public static ClassStats register(String name, int nameVersion, int subclass) {
        ClassStats s = new ClassStats(name, nameVersion, subclass);
        ALL.add(s);
        return s;
    }

    /** Every registered class, in registration order. */
    public static List<ClassStats> classes() {
        return new ArrayList<>(ALL);
    }

    /** lock_stat_write with '0' (lockdep_proc.c 628-645): clears every registered class. */
    public static void clearAll() {
        for (ClassStats s : ALL) {
            clear_lock_stats(s);
        }
    }

    /** Forgets every registered class (for the runtime's reset, when its classes go too). */
    public static void reset() {
        ALL.clear();
    }
}
