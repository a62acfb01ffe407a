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
public record RunData(String scenario, String variant, List<JsonObject> perRound, List<JsonObject> harvests,
                      List<JsonObject> events) {
    /** A summary without a timeline (a migrate run's). */
    public RunData(String scenario, String variant, List<JsonObject> perRound) {
        this(scenario, variant, perRound, List.of(), List.of());
    }

    /** A quantity of the race's {@code "harvests"} time series, charted against {@code t_ms}. */
    public static final Quantity H_PAGES = new Quantity("pages_dirtied", "Pages dirtied per harvest, over time", "pages");
    public static final Quantity H_LATENCY = new Quantity("get_dirty_log_us", "KVM_GET_DIRTY_LOG latency, over time", "\u00b5s");
    public static final Quantity H_FLUSHES = new Quantity("remote_tlb_flushes", "Remote TLB flushes during harvests, over time",
            "flushes");
    public static final List<Quantity> HARVEST_QUANTITIES = List.of(H_PAGES, H_LATENCY, H_FLUSHES);

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
        List<JsonObject> harvests = objects(o, "harvests", List.of("t_ms", "harvests", "pages_dirtied", "get_dirty_log_us",
                "remote_tlb_flushes"));
        List<JsonObject> events = objects(o, "events", List.of("t_ms"));
        try {
            return new RunData(o.get("scenario").getAsString(), o.get("variant").getAsString(), rounds, harvests, events);
        } catch (UnsupportedOperationException | IllegalStateException x) {
            throw new BadJson("not a run summary (\"scenario\" and \"variant\" are strings)");
        }
    }

    /** The optional list {@code key} of objects each with the numbers {@code numbers}; empty when absent. */
    private static List<JsonObject> objects(JsonObject o, String key, List<String> numbers) throws BadJson {
        List<JsonObject> l = new ArrayList<>();
        if (!o.has(key)) {
            return l;
        }
        if (!o.get(key).isJsonArray()) {
            throw new BadJson("not a run summary (\"" + key + "\" is not a list)");
        }
        for (JsonElement r : o.getAsJsonArray(key)) {
            if (!r.isJsonObject()) {
                throw new BadJson("not a run summary (an item of \"" + key + "\" is not an object)");
            }
            for (String n : numbers) {
                JsonElement v = r.getAsJsonObject().get(n);
                if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new BadJson("not a run summary (an item of \"" + key + "\" has no number \"" + n + "\")");
                }
            }
            l.add(r.getAsJsonObject());
        }
        return l;
    }

    /** A number of each harvest point, in time order. */
    public double[] harvestValues(String key) {
        return harvests.stream().mapToDouble(h -> h.get(key).getAsDouble()).toArray();
    }

    /** The kinds of event, in the order they first happen. */
    public List<String> eventKinds() {
        List<String> k = new ArrayList<>();
        for (JsonObject e : events) {
            String w = e.has("event") ? e.get("event").getAsString() : "event";
            if (!k.contains(w)) {
                k.add(w);
            }
        }
        return k;
    }

    /** The times of the events of one kind, and their running count (1, 2, 3 ...). */
    public SvgChart.Series eventSeries(String name, String kind) {
        List<Double> t = new ArrayList<>();
        for (JsonObject e : events) {
            if ((e.has("event") ? e.get("event").getAsString() : "event").equals(kind)) {
                t.add(e.get("t_ms").getAsDouble());
            }
        }
        double[] xs = new double[t.size()];
        double[] ys = new double[t.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = t.get(i);
            ys[i] = i + 1;
        }
        return new SvgChart.Series(name, xs, ys);
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
