// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/** What a run's {@code --json} summary holds, as far as the report pages chart it. */
public record RunData(String scenario, String variant, List<JsonObject> perRound) {
    /** A per-round quantity of the JSON: its key, what a chart calls it, and its unit. */
    public record Quantity(String key, String title, String unit) {}

    public static final Quantity PAGES_DIRTIED = new Quantity("pages_dirtied", "Pages dirtied per round", "pages");
    public static final Quantity PAGES_SENT = new Quantity("pages_sent", "Pages sent per round", "pages");
    public static final Quantity GET_DIRTY_LOG_MS = new Quantity("get_dirty_log_ms", "KVM_GET_DIRTY_LOG latency per round", "ms");
    public static final Quantity REMOTE_FLUSHES = new Quantity("remote_tlb_flushes", "Remote TLB flushes per round", "flushes");
    public static final Quantity TLB_DROPPED = new Quantity("tlb_entries_dropped", "TLB entries dropped per round", "entries");
    public static final List<Quantity> QUANTITIES = List.of(PAGES_DIRTIED, PAGES_SENT, GET_DIRTY_LOG_MS, REMOTE_FLUSHES, TLB_DROPPED);

    /** Not a run summary: the one line a usage error says. */
    public static final class BadJson extends Exception {
        public BadJson(String message) {
            super(message);
        }
    }

    /** Parses a summary written by {@code mmulab run --json}. */
    public static RunData parse(String json) throws BadJson {
        JsonElement e;
        try {
            e = JsonParser.parseString(json);
        } catch (JsonParseException | IllegalStateException x) {
            String m = x.getMessage() == null ? x.toString() : x.getMessage().lines().findFirst().orElse("");
            throw new BadJson("not JSON (" + m + ")");
        }
        if (!e.isJsonObject()) {
            throw new BadJson("not a run summary (mmulab run --json writes an object)");
        }
        JsonObject o = e.getAsJsonObject();
        for (String k : List.of("scenario", "variant", "per_round")) {
            if (!o.has(k)) {
                throw new BadJson("not a run summary (no \"" + k + "\"; mmulab run --json writes one)");
            }
        }
        if (!o.get("per_round").isJsonArray()) {
            throw new BadJson("not a run summary (\"per_round\" is not a list)");
        }
        JsonArray a = o.getAsJsonArray("per_round");
        List<JsonObject> rounds = new ArrayList<>();
        for (JsonElement r : a) {
            if (!r.isJsonObject()) {
                throw new BadJson("not a run summary (a round of \"per_round\" is not an object)");
            }
            for (Quantity q : QUANTITIES) {
                JsonElement v = r.getAsJsonObject().get(q.key());
                if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new BadJson("not a run summary (a round has no number \"" + q.key() + "\")");
                }
            }
            rounds.add(r.getAsJsonObject());
        }
        try {
            return new RunData(o.get("scenario").getAsString(), o.get("variant").getAsString(), rounds);
        } catch (UnsupportedOperationException | IllegalStateException x) {
            throw new BadJson("not a run summary (\"scenario\" and \"variant\" are strings)");
        }
    }

    /** A quantity's values, round by round in the order the run did them. */
    public List<Double> values(Quantity q) {
        List<Double> v = new ArrayList<>();
        for (JsonObject r : perRound) {
            v.add(r.get(q.key()).getAsDouble());
        }
        return v;
    }

    /** Whether the quantity is non-zero in some round. */
    public boolean varies(Quantity q) {
        return values(q).stream().anyMatch(d -> d != 0);
    }

    /**
     * The charts of a run: for {@code migrate}, pages dirtied and sent, get-dirty-log latency and
     * remote TLB flushes per round (and TLB entries dropped); for the races, what they count per
     * round (flushes and dropped TLB entries).
     */
    public List<List<Quantity>> charts() {
        List<List<Quantity>> c = new ArrayList<>();
        if (scenario.equals("migrate")) {
            c.add(List.of(PAGES_DIRTIED, PAGES_SENT));
            c.add(List.of(GET_DIRTY_LOG_MS));
        }
        c.add(List.of(REMOTE_FLUSHES));
        c.add(List.of(TLB_DROPPED));
        return c;
    }
}
