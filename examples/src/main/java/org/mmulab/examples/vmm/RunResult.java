// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.util.ArrayList;
import java.util.List;
import org.mmulab.fixture.Oracle;

/** What a scenario run saw: per round and in total, and every broken invariant. */
public final class RunResult {
    /** One pre-copy round. */
    public record Round(int n, long pagesDirtied, long pagesSent, long remoteFlushes, long tlbEntriesDropped,
                        double harvestMillis) {}

    /** A page that differs between source and destination after the final round. */
    public record LostPage(long gfn, int lastWriter) {}

    public final RunConfig config;
    public final List<Round> rounds = new ArrayList<>();
    public final List<Oracle.Violation> violations = new ArrayList<>();
    public final List<LostPage> lostPages = new ArrayList<>();
    public long pagesSent;
    public long remoteFlushes;
    public long[] vcpuFlushes = new long[0];
    public long[] vcpuWrites = new long[0];
    public double seconds;
    public long heapUsedBytes;
    /** What was checked, for the report ("invariant 1 after 6 harvests, ..."). */
    public String checked = "";
    /** How many times an invariant was checked. */
    public long checks;
    /** The race scenarios' harvests and events over time (null for the others). */
    public Timeline timeline;

    public RunResult(RunConfig config) {
        this.config = config;
    }

    public boolean invariantsHeld() {
        return violations.isEmpty() && lostPages.isEmpty();
    }

    /** The summary as JSON (no library: the fields are numbers and plain strings). */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        field(b, "scenario", str(config.scenario));
        field(b, "variant", str(config.variant));
        field(b, "seed", Long.toString(config.seed));
        field(b, "vcpus", Integer.toString(config.vcpus));
        field(b, "memory_bytes", Long.toString(config.memoryBytes));
        field(b, "rounds", Integer.toString(rounds.size()));
        field(b, "pages_sent", Long.toString(pagesSent));
        field(b, "remote_tlb_flushes", Long.toString(remoteFlushes));
        field(b, "vcpu_tlb_flushes", longs(vcpuFlushes));
        field(b, "vcpu_writes", longs(vcpuWrites));
        field(b, "seconds", String.format(java.util.Locale.ROOT, "%.3f", seconds));
        field(b, "heap_used_bytes", Long.toString(heapUsedBytes));
        field(b, "invariant_checks", Long.toString(checks));
        StringBuilder r = new StringBuilder("[");
        for (Round x : rounds) {
            r.append(r.length() > 1 ? ", " : "").append(String.format(java.util.Locale.ROOT,
                    "{\"round\": %d, \"pages_dirtied\": %d, \"pages_sent\": %d, \"remote_tlb_flushes\": %d, "
                            + "\"tlb_entries_dropped\": %d, \"get_dirty_log_ms\": %.3f}",
                    x.n(), x.pagesDirtied(), x.pagesSent(), x.remoteFlushes(), x.tlbEntriesDropped(), x.harvestMillis()));
        }
        field(b, "per_round", r.append("]").toString());
        StringBuilder l = new StringBuilder("[");
        for (LostPage p : lostPages) {
            l.append(l.length() > 1 ? ", " : "").append(String.format("{\"gfn\": %d, \"last_writer\": %d}", p.gfn(), p.lastWriter()));
        }
        field(b, "lost_pages", l.append("]").toString());
        StringBuilder v = new StringBuilder("[");
        for (Oracle.Violation x : violations) {
            v.append(v.length() > 1 ? ", " : "").append(String.format(
                    "{\"invariant\": %s, \"gfn\": %d, \"vcpu\": %d, \"spte\": %s, \"tlb_entry\": %s, \"detail\": %s}",
                    str(x.invariant()), x.gfn(), x.vcpu(), str(String.format("0x%016x", x.spte())), str(x.tlbEntry()),
                    str(x.detail())));
        }
        field(b, "violations", v.append("]").toString());
        if (timeline != null) {
            b.append(timeline.json());
        }
        b.append("  \"invariants_held\": ").append(invariantsHeld()).append("\n}\n");
        return b.toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append("  \"").append(name).append("\": ").append(value).append(",\n");
    }

    private static String longs(long[] xs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < xs.length; i++) {
            b.append(i == 0 ? "" : ", ").append(xs[i]);
        }
        return b.append("]").toString();
    }

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
