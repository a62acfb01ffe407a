// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.mmulab.lockdep.LockStat.ClassStats;
import org.mmulab.lockdep.LockStat.LockTime;
import org.mmulab.lockdep.LockStat.Stats;

/**
 * {@code /proc/lock_stat} in v3.16's format (kernel/locking/lockdep_proc.c 363-662): the
 * {@code lock_stat version 0.4} header, one row per class (two, {@code -W} and {@code -R}, for a
 * class held both ways), times in microseconds with two decimals, then the class's contention and
 * contending points, the classes sorted by contentions with lib/sort.c's heap sort (so equal counts
 * come out in the kernel's order too).
 *
 * <p>Where the kernel prints {@code [<%p>] %pS} for a point, this prints a stable pseudo-address
 * ({@link #pseudoAddress}: {@code ffffffff} above the CRC-32 of the site) and the Java call site
 * {@code Class.method(File:line)}. Names are truncated by characters where the kernel counts bytes
 * (the same for ASCII names).
 */
public final class LockStatProc {
    private LockStatProc() {}

    /** One class as lock_stat_open gathers it (struct lock_stat_data, lockdep_proc.c 365-368). */
    public record Row(String name, int nameVersion, int subclass, Stats stats) {
        public static Row of(ClassStats s) {
            return new Row(s.name, s.nameVersion, s.subclass, LockStat.lock_stats(s));
        }
    }

    /** Width of the dashed and dotted lines: 40 + 1 + 12 * (14 + 1). */
    static final int LINE = 40 + 1 + 12 * (14 + 1);

    /** /proc/lock_stat for every registered class ({@link LockStat#classes()}). */
    public static String lock_stat(boolean debugLocks) {
        List<Row> rows = new ArrayList<>();
        for (ClassStats s : LockStat.classes()) {
            rows.add(Row.of(s));
        }
        return lock_stat(rows, debugLocks);
    }

    /**
     * /proc/lock_stat for {@code rows} in their all_lock_classes order (lock_stat_open then
     * ls_show, lockdep_proc.c 579-626); {@code debugLocks} false adds the warning line.
     */
    public static String lock_stat(List<Row> rows, boolean debugLocks) {
        Row[] data = rows.toArray(new Row[0]);
        sort(data);
        StringBuilder m = new StringBuilder();
        seq_header(m, debugLocks);
        for (Row r : data) {
            seq_stats(m, r);
        }
        return m.toString();
    }

    /**
     * lock_stat_cmp (lockdep_proc.c 378-387): more contentions first; the difference of two
     * unsigned longs taken as an int, as the kernel's return statement converts it.
     */
    static int lock_stat_cmp(Row l, Row r) {
        long nl = l.stats.read_waittime.nr + l.stats.write_waittime.nr;
        long nr = r.stats.read_waittime.nr + r.stats.write_waittime.nr;
        return (int) (nr - nl);
    }

    /** lib/sort.c 47-83 sort(): heapify, then pop the root to the end, with no stability. */
    static void sort(Row[] base) {
        int num = base.length;
        int n = num;
        for (int i = num / 2 - 1; i >= 0; i--) {
            siftDown(base, i, n);
        }
        for (int i = n - 1; i > 0; i--) {
            swap(base, 0, i);
            siftDown(base, 0, i);
        }
    }

    /** The inner loop both phases of lib/sort.c share, counted in elements rather than bytes. */
    private static void siftDown(Row[] base, int r, int n) {
        for (int c; r * 2 + 1 < n; r = c) {
            c = r * 2 + 1;
            if (c < n - 1 && lock_stat_cmp(base[c], base[c + 1]) < 0) {
                c++;
            }
            if (lock_stat_cmp(base[r], base[c]) >= 0) {
                break;
            }
            swap(base, r, c);
        }
    }

    private static void swap(Row[] a, int i, int j) {
        Row t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** seq_line (lockdep_proc.c 389-398). */
    static void seq_line(StringBuilder m, char c, int offset, int length) {
        m.append(" ".repeat(Math.max(0, offset)));
        m.append(String.valueOf(c).repeat(Math.max(0, length)));
        m.append('\n');
    }

    /**
     * {@code lock_stat_holds}, mmulab's extension beside /proc/lock_stat (the kernel has no such
     * file): every class's hold times split by the site that acquired the lock, in lock_stat's
     * units (microseconds, two decimals). One line per class and site, classes in
     * all_lock_classes order, sites by total hold time, longest first. Shows which function held a
     * lock how long: {@code kvm_vm_ioctl_get_dirty_log}'s {@code mmu_lock} under v3.15 against v3.16.
     */
    public static String lock_stat_holds() {
        StringBuilder m = new StringBuilder();
        m.append("lock_stat_holds (mmulab: lock_stat's hold times split by acquisition site; times in us)\n");
        m.append(pad("class name", 40)).append(pad("acquisitions", 14)).append(' ').append(pad("holdtime-min", 14))
                .append(' ').append(pad("holdtime-max", 14)).append(' ').append(pad("holdtime-total", 14)).append(' ')
                .append(pad("holdtime-avg", 14)).append("  site\n");
        for (ClassStats s : LockStat.classes()) {
            List<LockStat.SiteHold> sites = LockStat.holdSites(s);
            List<LockTime> times = new ArrayList<>();
            for (LockStat.SiteHold h : sites) {
                times.add(h.time());
            }
            Integer[] order = new Integer[sites.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Long.compare(times.get(b).total, times.get(a).total));
            String name = s.name + (s.nameVersion > 1 ? "#" + s.nameVersion : "") + (s.subclass != 0 ? "/" + s.subclass : "");
            for (int i : order) {
                LockTime t = times.get(i);
                m.append(pad(name, 40)).append(lu(t.nr));
                seq_time(m, t.min);
                seq_time(m, t.max);
                seq_time(m, t.total);
                seq_time(m, t.avg());
                m.append("  ").append(sites.get(i).site).append('\n');
            }
        }
        return m.toString();
    }

    /**
     * snprint_time (lockdep_proc.c 400-408): nanoseconds as microseconds with two decimals,
     * rounded by adding 5 ns and then truncating (Java's / and % truncate toward zero as
     * div_s64_rem does).
     */
    static String snprint_time(long nr) {
        nr += 5;
        long div = nr / 1000;
        int rem = (int) (nr % 1000);
        return String.format("%d.%02d", div, rem / 10);
    }

    /** seq_time (lockdep_proc.c 410-416): the 15-byte buffer keeps at most 14 characters. */
    private static void seq_time(StringBuilder m, long time) {
        String num = snprint_time(time);
        if (num.length() > 14) {
            num = num.substring(0, 14);
        }
        m.append(' ').append(pad(num, 14));
    }

    /** seq_lock_time (lockdep_proc.c 418-425). */
    private static void seq_lock_time(StringBuilder m, LockTime lt) {
        m.append(pad(Long.toUnsignedString(lt.nr), 14));
        seq_time(m, lt.min);
        seq_time(m, lt.max);
        seq_time(m, lt.total);
        seq_time(m, lt.avg());
    }

    /** {@code %Ns}: right-aligned in {@code width}, never cut. */
    static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private static String lu(long v) {
        return pad(Long.toUnsignedString(v), 14);
    }

    /** seq_stats (lockdep_proc.c 427-525): a class's row(s) and its points. */
    static void seq_stats(StringBuilder m, Row data) {
        Stats stats = data.stats;
        int namelen = 38;
        if (data.nameVersion > 1) {
            namelen -= 2; // the kernel notes versions above 9 get cut
        }
        if (data.subclass != 0) {
            namelen -= 2;
        }
        // snprintf(name, namelen, ...) keeps namelen - 1 characters
        String name = data.name == null ? "NULL" : data.name;
        if (name.length() > namelen - 1) {
            name = name.substring(0, namelen - 1);
        }
        namelen = name.length();
        if (data.nameVersion > 1) {
            name += ("#" + data.nameVersion).substring(0, 2);
            namelen += 2;
        }
        if (data.subclass != 0) {
            name += ("/" + data.subclass).substring(0, 2);
            namelen += 2;
        }

        if (stats.write_holdtime.nr != 0) {
            if (stats.read_holdtime.nr != 0) {
                m.append(pad(name, 38)).append("-W:");
            } else {
                m.append(pad(name, 40)).append(':');
            }
            m.append(lu(stats.bounces[LockStat.bounce_contended_write])).append(' ');
            seq_lock_time(m, stats.write_waittime);
            m.append(' ').append(lu(stats.bounces[LockStat.bounce_acquired_write])).append(' ');
            seq_lock_time(m, stats.write_holdtime);
            m.append('\n');
        }

        if (stats.read_holdtime.nr != 0) {
            m.append(pad(name, 38)).append("-R:");
            m.append(lu(stats.bounces[LockStat.bounce_contended_read])).append(' ');
            seq_lock_time(m, stats.read_waittime);
            m.append(' ').append(lu(stats.bounces[LockStat.bounce_acquired_read])).append(' ');
            seq_lock_time(m, stats.read_holdtime);
            m.append('\n');
        }

        if (stats.read_waittime.nr + stats.write_waittime.nr == 0) {
            return;
        }

        if (stats.read_holdtime.nr != 0) {
            namelen += 2;
        }

        int i;
        for (i = 0; i < LockStat.LOCKSTAT_POINTS; i++) {
            if (stats.contentionPoints[i] == null) {
                break;
            }
            if (i == 0) {
                seq_line(m, '-', 40 - namelen, namelen);
            }
            point(m, name, stats.contention_point[i], stats.contentionPoints[i]);
        }
        for (i = 0; i < LockStat.LOCKSTAT_POINTS; i++) {
            if (stats.contendingPoints[i] == null) {
                break;
            }
            if (i == 0) {
                seq_line(m, '-', 40 - namelen, namelen);
            }
            point(m, name, stats.contending_point[i], stats.contendingPoints[i]);
        }
        // as the kernel: the dotted separator only follows a class with contending points
        if (i != 0) {
            m.append('\n');
            seq_line(m, '.', 0, LINE);
            m.append('\n');
        }
    }

    /** One {@code "%40s %14lu %29s %pS\n"} point line. */
    private static void point(StringBuilder m, String name, long count, String site) {
        String ip = String.format("[<%016x>]", pseudoAddress(site));
        m.append(pad(name, 40)).append(' ').append(lu(count)).append(' ').append(pad(ip, 29))
                .append(' ').append(site).append('\n');
    }

    /** A stable stand-in for a site's return address: ffffffff above the CRC-32 of its text. */
    public static long pseudoAddress(String site) {
        CRC32 crc = new CRC32();
        crc.update(site.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return 0xffffffff00000000L | crc.getValue();
    }

    /** seq_header (lockdep_proc.c 527-552). */
    static void seq_header(StringBuilder m, boolean debugLocks) {
        m.append("lock_stat version 0.4\n");
        if (!debugLocks) {
            m.append("*WARNING* lock debugging disabled!! - possibly due to a lockdep warning\n");
        }
        seq_line(m, '-', 0, LINE);
        m.append(pad("class name", 40));
        for (String col : new String[] {"con-bounces", "contentions", "waittime-min", "waittime-max",
                "waittime-total", "waittime-avg", "acq-bounces", "acquisitions", "holdtime-min",
                "holdtime-max", "holdtime-total", "holdtime-avg"}) {
            m.append(' ').append(pad(col, 14));
        }
        m.append('\n');
        seq_line(m, '-', 0, LINE);
        m.append('\n');
    }
}
