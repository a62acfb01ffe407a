// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.exercises.Points;
import org.mmulab.exercises.ScenarioRun;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm_host_h;

/**
 * Grader of exercise 10. Hand-built moments first: one TLB entry at a time, each a case the
 * property must decide (flagged or fine). Then whole scenarios, run by the explorer on fixed
 * schedules in a child JVM ({@link OracleRuns}) with this oracle in the fixture's place: the
 * schedules of v3.16 and v3.15 must come out clean, the ones that break no-slots-lock and
 * pt-writable must be flagged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex10Grader {
    static final long BASE = 0x100000;
    static final long NPAGES = 64;
    /** A present leaf spte, read-only (W clear, as dirty logging leaves it), and the same with W set. */
    static final long RO = 0x00007f0000000c75L;
    static final long RW = 0x00007f0000000c77L;
    static final long FLUSH = 1L << kvm_host_h.KVM_REQ_TLB_FLUSH;
    /** Another request bit (KVM_REQ_MMU_RELOAD): pending, but it does not drop the TLB. */
    static final long OTHER_REQUEST = 1L << kvm_host_h.KVM_REQ_MMU_RELOAD;

    /** A vCPU being built: its TLB, its leaf sptes (by gfn) and its request word. */
    static final class V {
        final int id;
        final SoftTlb tlb = new SoftTlb(64);
        final Map<Long, Long> sptes = new HashMap<>();
        long requests;

        V(int id) {
            this.id = id;
        }

        /** A TLB entry for {@code gfn}, and the leaf spte mapping it now. */
        V entry(long gfn, boolean writable, long spte) {
            tlb.fill(gfn, 0x7f0000000L + (gfn - BASE), writable);
            sptes.put(gfn, spte);
            return this;
        }

        V spte(long gfn, long spte) {
            sptes.put(gfn, spte);
            return this;
        }

        V requests(long r) {
            requests = r;
            return this;
        }

        Moment.Vcpu build() {
            Map<Long, Long> s = Map.copyOf(sptes);
            return new Moment.Vcpu(id, requests, tlb, g -> s.getOrDefault(g, 0L));
        }
    }

    /** The slot's dirty bitmap with these pages (gfns) dirty. */
    static LongPtr dirty(long... gfns) {
        long[] words = new long[(int) ((NPAGES + 63) / 64)];
        for (long g : gfns) {
            words[(int) ((g - BASE) >>> 6)] |= 1L << ((g - BASE) & 63);
        }
        return new LongPtr(words, 0);
    }

    static Moment harvested(LongPtr bitmap, V... vs) {
        List<Moment.Vcpu> l = new ArrayList<>();
        for (V v : vs) {
            l.add(v.build());
        }
        return new Moment(Moment.Kind.HARVESTED, -1, BASE, NPAGES, bitmap, l);
    }

    static Moment shadowed(long gfn, LongPtr bitmap, V... vs) {
        List<Moment.Vcpu> l = new ArrayList<>();
        for (V v : vs) {
            l.add(v.build());
        }
        return new Moment(Moment.Kind.SHADOWED, gfn, BASE, NPAGES, bitmap, l);
    }

    /** The student's findings as a set of "vcpu N, gfn 0x..." (order and repeats do not count). */
    static Set<String> check(Moment m) {
        List<Finding> found = Solution.check(m);
        assertTrue(found != null, "Solution.check returned null: return an empty list when all is well");
        Set<String> out = new TreeSet<>();
        for (Finding f : found) {
            out.add(String.valueOf(f));
        }
        return out;
    }

    static Set<String> findings(Finding... fs) {
        Set<String> out = new TreeSet<>();
        for (Finding f : fs) {
            out.add(f.toString());
        }
        return out;
    }

    @Test
    @Order(1)
    @Points(2)
    @DisplayName("harvest: a writable TLB entry for a read-only page the log shows clean is flagged")
    void staleEntryFlagged() {
        Moment m = harvested(dirty(), new V(0).entry(BASE + 5, true, RO));
        assertEquals(findings(new Finding(0, BASE + 5)), check(m),
                "vcpu 0 can write gfn 0x100005 through its TLB with no fault, and the dirty log shows the page clean:"
                        + " that write would be in no harvest");
    }

    @Test
    @Order(2)
    @Points(1)
    @DisplayName("harvest: with KVM_REQ_TLB_FLUSH pending the entry is dead; another request is not a flush")
    void flushPending() {
        assertEquals(findings(), check(harvested(dirty(), new V(0).entry(BASE + 5, true, RO).requests(FLUSH))),
                "KVM_REQ_TLB_FLUSH is pending: the vCPU drops its TLB before it runs guest code again");
        assertEquals(findings(new Finding(0, BASE + 5)),
                check(harvested(dirty(), new V(0).entry(BASE + 5, true, RO).requests(OTHER_REQUEST))),
                "only KVM_REQ_TLB_FLUSH (bit " + kvm_host_h.KVM_REQ_TLB_FLUSH + " of requests) drops the TLB;"
                        + " KVM_REQ_MMU_RELOAD is pending here, and the stale entry lives on");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("harvest: flushed (no TLB entry), a read-only spte is no violation")
    void flushedIsClean() {
        V v = new V(0).spte(BASE + 5, RO).spte(BASE + 6, RO).spte(BASE + 7, RW);
        assertEquals(findings(), check(harvested(dirty(), v)),
                "the TLB is empty: every write walks the EPT, faults on a read-only spte, and is logged."
                        + " The property is about what the CPU can use (its TLB), not about the spte's W bit");
    }

    @Test
    @Order(4)
    @Points(1)
    @DisplayName("harvest: a read-only TLB entry is fine")
    void readOnlyEntry() {
        assertEquals(findings(), check(harvested(dirty(), new V(0).entry(BASE + 5, false, RO))),
                "a write through a read-only TLB entry walks the EPT and faults: nothing is lost");
    }

    @Test
    @Order(5)
    @Points(1)
    @DisplayName("harvest: a page the log shows dirty is fine (the next harvest sends it)")
    void dirtyPage() {
        assertEquals(findings(new Finding(0, BASE + 41)),
                check(harvested(dirty(BASE + 40), new V(0).entry(BASE + 40, true, RO).entry(BASE + 41, true, RO))),
                "gfn 0x100028 is dirty in the slot's bitmap (bit 40: bits count from the slot's base_gfn), so the"
                        + " next harvest sends it, whatever the guest writes meanwhile; gfn 0x100029 is clean");
    }

    @Test
    @Order(6)
    @Points(1)
    @DisplayName("harvest: an spte writable again (the page faulted and was logged) is fine")
    void writableSpte() {
        assertEquals(findings(), check(harvested(dirty(), new V(0).entry(BASE + 5, true, RW))),
                "the spte is writable: KVM made it so on a logged fault (or logging never protected it);"
                        + " a writable TLB entry for it is what the hardware is meant to have");
    }

    @Test
    @Order(7)
    @Points(2)
    @DisplayName("harvest: exactly the vCPU that holds the stale entry, and that gfn")
    void whichVcpuWhichGfn() {
        V v0 = new V(0).entry(BASE + 1, true, RW).entry(BASE + 2, true, RO).entry(BASE + 3, false, RO);
        V v1 = new V(1).entry(BASE + 3, true, RO).entry(BASE + 1, true, RW);
        V v2 = new V(2).entry(BASE + 3, true, RO).requests(FLUSH);
        Moment m = harvested(dirty(BASE + 2), v0, v1, v2);
        assertEquals(findings(new Finding(1, BASE + 3)), check(m),
                "vcpu 0: gfn 0x100001 writable spte, 0x100002 dirty, 0x100003 read-only entry, all fine;"
                        + " vcpu 1 can write 0x100003 unlogged; vcpu 2 flushes before it runs");
    }

    @Test
    @Order(8)
    @Points(1)
    @DisplayName("harvest: the slot's first and last pages are its own; with logging off the log claims nothing")
    void slotEdgesAndLoggingOff() {
        assertEquals(findings(new Finding(0, BASE), new Finding(0, BASE + NPAGES - 1)),
                check(harvested(dirty(), new V(0).entry(BASE, true, RO).entry(BASE + NPAGES - 1, true, RO))),
                "gfns 0x100000 and 0x10003f are the first and the last page of the slot [0x100000, +64 pages):"
                        + " both writable in the TLB, read-only in the EPT, clean in the log");
        assertEquals(findings(), check(harvested(null, new V(0).entry(BASE + 5, true, RO))),
                "no dirty bitmap: dirty logging is off, so no harvest reported a page clean and none can be missed");
    }

    @Test
    @Order(8)
    @Points(1)
    @DisplayName("harvest: a gfn outside the harvested slot is not this harvest's business")
    void outsideSlot() {
        assertEquals(findings(), check(harvested(dirty(), new V(0).entry(BASE + NPAGES, true, RO).entry(BASE - 1, true, RO))),
                "gfns 0x100040 and 0xfffff are not in the slot [0x100000, +64 pages): its dirty log says nothing about them");
    }

    @Test
    @Order(9)
    @Points(2)
    @DisplayName("shadowed: a writable TLB entry for the shadowed gfn is flagged, dirty or not")
    void shadowedFlagged() {
        long g = BASE + 9;
        long shadowRo = RO & ~org.mmulab.kernel.arch.x86.kvm.mmu.SPTE_MMU_WRITEABLE;
        Moment m = shadowed(g, dirty(g), new V(0).entry(g, true, shadowRo), new V(1).entry(g, false, shadowRo));
        assertEquals(findings(new Finding(0, g)), check(m),
                "gfn 0x100009 now holds a guest page table that KVM shadows: after the write-protect and its flush,"
                        + " no vCPU may write it without a fault, and a dirty bit does not help (invariant 2)");
        assertEquals(findings(new Finding(0, g)), check(shadowed(g, null, new V(0).entry(g, true, shadowRo))),
                "the same with dirty logging off (no bitmap): shadowing does not need the dirty log (invariant 2)");
    }

    @Test
    @Order(10)
    @Points(1)
    @DisplayName("shadowed: other gfns, and a vCPU with a flush pending, are not flagged")
    void shadowedOthers() {
        long g = BASE + 9;
        V v0 = new V(0).entry(BASE + 4, true, RO).entry(BASE + 9, false, RO);
        V v1 = new V(1).entry(g, true, RO).requests(FLUSH);
        assertEquals(findings(), check(shadowed(g, dirty(), v0, v1)),
                "after shadowing 0x100009 only that gfn is in question: a harvest may be between its write-protect"
                        + " and its flush for 0x100004, which is allowed until KVM_GET_DIRTY_LOG returns; vcpu 1 flushes");
    }

    // ---- whole scenarios, on fixed schedules

    /** Clean schedules: the commit as merged and its pre-image. */
    static final List<String> CLEAN = List.of("enable-logging-race/v3.16/1", "enable-logging-race/v3.16/2",
            "enable-logging-race/v3.15/1", "shadow-protect/v3.16/1", "shadow-protect/v3.16/2", "shadow-protect/v3.15/1");
    static final String NO_SLOTS_LOCK = "enable-logging-race/no-slots-lock/2";
    static final String PT_WRITABLE = "shadow-protect/pt-writable/2";
    static final Pattern RESULT = Pattern.compile("(?m)^RESULT (\\S+) (\\d+)$");
    private static final Map<String, Map<String, String>> RUNS = new ConcurrentHashMap<>();

    /** Each schedule's report and exit status, from one child JVM (cached per set of swaps). */
    static Map<String, String> runs() {
        List<String> args = new ArrayList<>();
        if (Ex10Grader.class.getClassLoader() instanceof VariantLoader vl) {
            for (Swap s : vl.extra()) {
                if (s.hook() == null) {
                    args.add("--swap");
                    args.add(s.owner() + ":" + s.method() + ":" + s.descriptor() + ":" + s.target());
                }
            }
        }
        return RUNS.computeIfAbsent(String.join(" ", args), k -> {
            List<String> all = new ArrayList<>(args);
            all.addAll(CLEAN);
            all.add(NO_SLOTS_LOCK);
            all.add(PT_WRITABLE);
            ScenarioRun.Outcome o = ScenarioRun.java(100, "explore=true,tlbtrace=off", OracleRuns.class.getName(),
                    all.toArray(new String[0]));
            Map<String, String> out = new LinkedHashMap<>();
            int from = 0;
            Matcher m = RESULT.matcher(o.output());
            while (m.find()) {
                out.put(m.group(1), m.group(2) + "\n" + o.output().substring(from, m.start()));
                from = m.end();
            }
            if (out.size() < CLEAN.size() + 2) {
                out.put("?", "the scenario runs stopped (exit " + o.exit() + "):\n" + tail(o.output()));
            }
            return out;
        });
    }

    static String tail(String s) {
        String[] lines = s.strip().split("\n");
        return String.join("\n", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 25), lines.length));
    }

    /** The report of one schedule: exit status on the first line. */
    static String run(String which) {
        Map<String, String> r = runs();
        String s = r.get(which);
        if (s == null) {
            fail("schedule " + which + " did not run: " + r.getOrDefault("?", "(no report)"));
        }
        return s;
    }

    static String replay(String which) {
        String[] p = which.split("/");
        return "./mmulab replay " + p[0] + " --variant " + p[1] + " --seed " + p[2];
    }

    @Test
    @Order(11)
    @Points(2)
    @DisplayName("scenarios: schedules of v3.16 and v3.15 are not flagged")
    void cleanSchedules() {
        for (String c : CLEAN) {
            String r = run(c);
            assertTrue(r.startsWith("0\n"), "on the schedule of '" + replay(c) + "' the seed commit's code is right, and your"
                    + " oracle (or the run) said otherwise:\n" + tail(r.substring(r.indexOf('\n') + 1)));
        }
    }

    @Test
    @Order(12)
    @Points(2)
    @DisplayName("scenarios: no-slots-lock's lost dirty pages are flagged")
    void noSlotsLockFlagged() {
        String r = run(NO_SLOTS_LOCK);
        assertTrue(r.contains(OracleSwap.LABEL + ": gfn 0x100000, vcpu 0"), "on the schedule of '" + replay(NO_SLOTS_LOCK)
                + "' KVM_GET_DIRTY_LOG returns while vcpu 0 still holds a writable TLB entry for gfn 0x100000, whose spte"
                + " is read-only and whose dirty bit is clear; your oracle did not flag it:\n"
                + tail(r.substring(r.indexOf('\n') + 1)));
    }

    @Test
    @Order(13)
    @Points(2)
    @DisplayName("scenarios: pt-writable's writable shadowed page is flagged")
    void ptWritableFlagged() {
        String r = run(PT_WRITABLE);
        assertTrue(r.contains(OracleSwap.LABEL + ": gfn 0x100002, vcpu 0"), "on the schedule of '" + replay(PT_WRITABLE)
                + "' gfn 0x100002 is shadowed while vcpu 0 still holds a writable TLB entry for it (the flush was judged"
                + " not owed by PT_WRITABLE_MASK); your oracle did not flag it:\n" + tail(r.substring(r.indexOf('\n') + 1)));
    }
}
