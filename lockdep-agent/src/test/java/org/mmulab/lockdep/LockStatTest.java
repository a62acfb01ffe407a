// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmulab.lockdep.LockStat.ClassStats;
import org.mmulab.lockdep.LockStat.LockTime;
import org.mmulab.lockdep.LockStat.MapStat;
import org.mmulab.lockdep.LockStat.Stats;
import org.mmulab.lockdep.LockStatProc.Row;

/** CONFIG_LOCK_STAT: the accumulators (lockdep.c) and the /proc/lock_stat writer (lockdep_proc.c). */
class LockStatTest {
    static final String A = "org.mmulab.kernel.x86.kvm.mmu.kvm_mmu_page_fault(mmu.java:3462)";
    static final String B = "org.mmulab.kernel.x86.kvm.mmu.mmu_shrink_scan(mmu.java:4408)";
    static final String C = "org.mmulab.kernel.x86.kvm.mmu.kvm_mmu_load(mmu.java:3771)";
    static final String D = "org.mmulab.kernel.mm.mmap.do_mmap_pgoff(mmap.java:1290)";
    static final String E = "org.mmulab.kernel.mm.fault.__do_page_fault(fault.java:1166)";
    static final String F = "org.mmulab.kernel.mm.gup.get_user_pages(gup.java:420)";

    @AfterEach
    void forget() {
        LockStat.reset();
    }

    private static String vcpuSite(int n) {
        return "org.mmulab.examples.Vcpu.run(Vcpu.java:" + n + ")";
    }

    /** The six classes the golden file was written for, in their all_lock_classes order. */
    static List<Row> goldenRows() {
        ClassStats mmu = new ClassStats("&kvm->mmu_lock", 1, 0);
        LockStat.waitTime(mmu, false, 10);
        LockStat.waitTime(mmu, false, 123456);
        for (long t : new long[] {1000, 2500, 4499}) {
            LockStat.holdTime(mmu, false, t);
        }
        LockStat.bounce(mmu, LockStat.bounce_contended_write);
        LockStat.bounce(mmu, LockStat.bounce_acquired_write);
        LockStat.bounce(mmu, LockStat.bounce_acquired_write);
        LockStat.contended(mmu, A, null); // never acquired yet: the kernel's lock->ip of 0
        LockStat.contended(mmu, B, C);

        ClassStats mmap = new ClassStats("&mm->mmap_sem", 1, 0);
        LockStat.waitTime(mmap, false, 2000);
        LockStat.waitTime(mmap, true, 500);
        LockStat.waitTime(mmap, true, 1500);
        LockStat.holdTime(mmap, false, 10000);
        for (long t : new long[] {300, 700, 1100, 0}) {
            LockStat.holdTime(mmap, true, t);
        }
        LockStat.bounce(mmap, LockStat.bounce_acquired_write);
        for (int i = 0; i < 3; i++) {
            LockStat.bounce(mmap, LockStat.bounce_acquired_read);
        }
        LockStat.bounce(mmap, LockStat.bounce_contended_read);
        LockStat.bounce(mmap, LockStat.bounce_contended_read);
        LockStat.contended(mmap, D, E);
        LockStat.contended(mmap, D, E);
        LockStat.contended(mmap, F, E);

        ClassStats imutex = new ClassStats("&sb->s_type->i_mutex_key", 2, 1);
        LockStat.holdTime(imutex, false, 999994);

        ClassStats longName = new ClassStats("&a_deliberately_long_lock_class_name_that_overflows", 1, 0);
        LockStat.holdTime(longName, false, 5);

        ClassStats vcpu = new ClassStats("&vcpu->mutex", 1, 0);
        for (int i = 1; i <= 5; i++) {
            LockStat.waitTime(vcpu, false, i);
            LockStat.contended(vcpu, vcpuSite(11 * i), null);
        }
        LockStat.holdTime(vcpu, false, 1);

        ClassStats never = new ClassStats("&never->taken", 1, 0);

        List<Row> rows = new ArrayList<>();
        for (ClassStats s : List.of(mmu, mmap, imutex, longName, vcpu, never)) {
            rows.add(Row.of(s));
        }
        return rows;
    }

    static String golden() throws Exception {
        try (InputStream in = LockStatTest.class.getResourceAsStream("lock_stat.golden")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void writerMatchesTheGoldenFile() throws Exception {
        assertEquals(golden(), LockStatProc.lock_stat(goldenRows(), true));
    }

    /** The row (or -W/-R row) of {@code name}, split into its 13 columns. */
    private static String[] row(String out, String prefix) {
        for (String line : out.split("\n")) {
            if (line.strip().startsWith(prefix + ":")) {
                String[] cols = line.strip().split("\\s+");
                assertEquals(13, cols.length, line);
                assertEquals(220, line.length(), "row width: " + line);
                return cols;
            }
        }
        throw new AssertionError("no row " + prefix + " in\n" + out);
    }

    @Test
    void everyColumnIsWhatLockdepProcPrints() {
        String out = LockStatProc.lock_stat(goldenRows(), true);
        // waits 10 and 123456 ns, holds 1000, 2500, 4499 ns: (ns + 5) / 1000 with two decimals
        assertArrayEquals(new String[] {"&kvm->mmu_lock:", "1", "2", "0.01", "123.46", "123.47", "61.73",
                "2", "3", "1.00", "4.50", "8.00", "2.67"}, row(out, "&kvm->mmu_lock"));
        // held both ways: a -W row with the write side, a -R row with the read side
        assertArrayEquals(new String[] {"&mm->mmap_sem-W:", "0", "1", "2.00", "2.00", "2.00", "2.00",
                "1", "1", "10.00", "10.00", "10.00", "10.00"}, row(out, "&mm->mmap_sem-W"));
        // read holds 300, 700, 1100, 0: min 0, avg 2100 / 4 = 525 -> 0.53
        assertArrayEquals(new String[] {"&mm->mmap_sem-R:", "2", "2", "0.50", "1.50", "2.00", "1.00",
                "3", "4", "0.00", "1.10", "2.10", "0.53"}, row(out, "&mm->mmap_sem-R"));
        // name_version 2 and subclass 1 appended as #2 and /1; 999994 + 5 ns prints 999.99
        assertEquals("999.99", row(out, "&sb->s_type->i_mutex_key#2/1")[9]);
        // 37 characters of a longer name survive snprintf(name, 38, ...)
        assertEquals(12, row(out, "&a_deliberately_long_lock_class_name_").length - 1);
        // no acquisition, no row
        assertFalse(out.contains("&never->taken"), out);
        // sorted by contentions: 5, 3 (1 write + 2 read), 2, then the uncontended
        assertTrue(out.indexOf("&vcpu->mutex:") < out.indexOf("&mm->mmap_sem-W:")
                && out.indexOf("&mm->mmap_sem-R:") < out.indexOf("&kvm->mmu_lock:")
                && out.indexOf("&kvm->mmu_lock:") < out.indexOf("i_mutex_key#2/1:"), out);
        // a point line: "%40s %14lu %29s %pS"
        String p = String.format("%40s %14d %29s %s%n", "&kvm->mmu_lock", 2,
                String.format("[<%016x>]", LockStatProc.pseudoAddress(C)), C);
        assertTrue(out.contains(p), out);
        // the dashes under a class held both ways cover the -W/-R suffix too: 15 from column 25
        assertTrue(out.contains("\n" + " ".repeat(25) + "-".repeat(15) + "\n"), out);
    }

    @Test
    void headerHasTheVersionColumnsAndTheWarningWhenDebugLocksIsOff() {
        String on = LockStatProc.lock_stat(List.of(), true);
        String[] lines = on.split("\n", -1);
        assertEquals("lock_stat version 0.4", lines[0]);
        assertEquals("-".repeat(221), lines[1]);
        assertEquals(String.format("%40s", "class name") + " " + String.format("%14s", "con-bounces"),
                lines[2].substring(0, 55));
        assertTrue(lines[2].endsWith("holdtime-total   holdtime-avg"), lines[2]);
        assertEquals("-".repeat(221), lines[3]);
        assertEquals("", lines[4]);
        String off = LockStatProc.lock_stat(List.of(), false);
        assertEquals("*WARNING* lock debugging disabled!! - possibly due to a lockdep warning",
                off.split("\n")[1]);
    }

    @Test
    void snprintTimeRoundsByFiveNanosecondsThenTruncates() {
        assertEquals("0.00", LockStatProc.snprint_time(0));
        assertEquals("0.00", LockStatProc.snprint_time(4));
        assertEquals("0.01", LockStatProc.snprint_time(5));
        assertEquals("0.99", LockStatProc.snprint_time(994));
        assertEquals("1.00", LockStatProc.snprint_time(995));
        assertEquals("1234.57", LockStatProc.snprint_time(1234567));
    }

    @Test
    void lockTimeKeepsMinMaxTotalCountAndAverage() {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        assertEquals(LockTime.ZERO, LockStat.lock_stats(s).write_holdtime);
        LockStat.holdTime(s, false, 700);
        assertEquals(new LockTime(700, 700, 700, 1), LockStat.lock_stats(s).write_holdtime);
        LockStat.holdTime(s, false, 1000);
        LockStat.holdTime(s, false, 0);
        LockTime t = LockStat.lock_stats(s).write_holdtime;
        assertEquals(new LockTime(0, 1000, 1700, 3), t);
        assertEquals(566, t.avg());
        assertEquals(LockTime.ZERO, LockStat.lock_stats(s).read_holdtime, "the read side untouched");
    }

    @Test
    void onlyFourPointsAreKeptAndTheFifthIsNotCounted() {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        for (int i = 1; i <= 5; i++) {
            LockStat.contended(s, vcpuSite(i), vcpuSite(100 + i));
        }
        LockStat.contended(s, vcpuSite(2), vcpuSite(102));
        Stats st = LockStat.lock_stats(s);
        assertArrayEquals(new String[] {vcpuSite(1), vcpuSite(2), vcpuSite(3), vcpuSite(4)}, st.contentionPoints);
        assertArrayEquals(new long[] {1, 2, 1, 1}, st.contention_point);
        assertArrayEquals(new String[] {vcpuSite(101), vcpuSite(102), vcpuSite(103), vcpuSite(104)}, st.contendingPoints);
        assertArrayEquals(new long[] {1, 2, 1, 1}, st.contending_point);
    }

    @Test
    void aContendingPointOfNullCountsInTheFirstFreeSlotWithoutTakingIt() {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        LockStat.contended(s, A, null);
        Stats st = LockStat.lock_stats(s);
        assertNull(st.contendingPoints[0]);
        assertEquals(1, st.contending_point[0]);
        LockStat.contended(s, A, C);
        st = LockStat.lock_stats(s);
        assertEquals(C, st.contendingPoints[0]);
        assertEquals(2, st.contending_point[0]);
    }

    @Test
    void concurrentUpdatesSumExactly() throws Exception {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        int threads = 8;
        int ops = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 1; i <= ops; i++) {
                    LockStat.holdTime(s, false, i);
                    LockStat.waitTime(s, (i & 1) != 0, id + 1);
                    LockStat.bounce(s, LockStat.bounce_acquired_read);
                    LockStat.contended(s, (i & 1) == 0 ? A : B, C);
                }
            });
            ts.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        Stats st = LockStat.lock_stats(s);
        long perThreadTotal = (long) ops * (ops + 1) / 2;
        assertEquals(new LockTime(1, ops, threads * perThreadTotal, (long) threads * ops), st.write_holdtime);
        assertEquals((long) threads * ops / 2, st.read_waittime.nr);
        assertEquals((long) threads * ops / 2, st.write_waittime.nr);
        assertEquals(1, st.read_waittime.min);
        assertEquals(threads, st.read_waittime.max);
        assertEquals((long) ops / 2 * (threads * (threads + 1) / 2), st.write_waittime.total);
        assertEquals((long) threads * ops, st.bounces[LockStat.bounce_acquired_read]);
        assertEquals(0, st.bounces[LockStat.bounce_acquired_write]);
        assertEquals((long) threads * ops, Arrays.stream(st.contention_point).sum());
        assertEquals((long) threads * ops, st.contending_point[0]);
        assertEquals(C, st.contendingPoints[0]);
        assertNull(st.contendingPoints[1]);
    }

    @Test
    void clearEmptiesCountsTimesAndPointsAndCountingStartsAfresh() throws Exception {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        LockStat.holdTime(s, false, 50);
        LockStat.waitTime(s, true, 60);
        LockStat.bounce(s, LockStat.bounce_contended_write);
        LockStat.contended(s, A, C);
        Thread other = new Thread(() -> LockStat.holdTime(s, false, 70));
        other.start();
        other.join();
        assertEquals(2, LockStat.lock_stats(s).write_holdtime.nr);

        LockStat.clear_lock_stats(s);
        Stats st = LockStat.lock_stats(s);
        assertEquals(LockTime.ZERO, st.write_holdtime);
        assertEquals(LockTime.ZERO, st.read_waittime);
        assertEquals(0, st.bounces[LockStat.bounce_contended_write]);
        assertArrayEquals(new String[4], st.contentionPoints);
        assertArrayEquals(new long[4], st.contention_point);

        LockStat.holdTime(s, false, 5);
        LockStat.contended(s, B, C);
        st = LockStat.lock_stats(s);
        assertEquals(new LockTime(5, 5, 5, 1), st.write_holdtime);
        assertEquals(B, st.contentionPoints[0]);
        assertEquals(1, st.contention_point[0]);
    }

    @Test
    void clearAllClearsEveryRegisteredClass() {
        ClassStats a = LockStat.register("&a->lock", 1, 0);
        ClassStats b = LockStat.register("&b->lock", 1, 0);
        LockStat.holdTime(a, false, 1);
        LockStat.holdTime(b, true, 1);
        assertEquals(List.of(a, b), LockStat.classes());
        LockStat.clearAll();
        assertEquals(0, LockStat.lock_stats(a).write_holdtime.nr);
        assertEquals(0, LockStat.lock_stats(b).read_holdtime.nr);
    }

    @Test
    void contendedAndAcquiredTailsTimeTheWaitAndCountBouncesAcrossThreads() throws Exception {
        ClassStats s = new ClassStats("&t->lock", 1, 0);
        MapStat map = new MapStat();
        // first acquisition on the initialising thread: no wait, no bounce
        long hold = LockStat.lockAcquired(s, map, false, A, 0, 42);
        assertEquals(42, hold, "holdtime stamp kept when there was no wait");
        assertEquals(A, map.ip);
        assertEquals(0, LockStat.lock_stats(s).bounces[LockStat.bounce_acquired_write]);

        long[] out = new long[2];
        Thread t = new Thread(() -> {
            long wait = LockStat.lockContended(s, map, true, B);
            out[0] = wait;
            out[1] = LockStat.lockAcquired(s, map, true, B, wait, 1);
        });
        t.start();
        t.join();
        Stats st = LockStat.lock_stats(s);
        assertEquals(1, st.bounces[LockStat.bounce_contended_read]);
        assertEquals(1, st.bounces[LockStat.bounce_acquired_read]);
        assertEquals(1, st.read_waittime.nr, "the wait, timed on lockstat_clock");
        assertNotEquals(1, out[1], "holdtime stamp restarted at the end of the wait");
        assertTrue(out[1] >= out[0]);
        assertEquals(B, st.contentionPoints[0]);
        assertEquals(A, st.contendingPoints[0], "the holder's acquisition site");
        assertEquals(B, map.ip);
    }

    @Test
    void dumpToWritesLockStat(@TempDir Path dir) throws Exception {
        ClassStats s = LockStat.register("&dump->lock", 1, 0);
        LockStat.holdTime(s, false, 2000);
        LockdepProc.dumpTo(dir);
        String file = Files.readString(dir.resolve("lock_stat"));
        assertTrue(file.startsWith("lock_stat version 0.4\n"), file);
        assertEquals("&dump->lock:", row(file, "&dump->lock")[0]);
        assertEquals("2.00", row(file, "&dump->lock")[9]);
    }
}
