// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mmulab.lockdep.LockdepConfig;

/**
 * The agent's options: {@code -javaagent:lockdep-agent.jar=key=value,...}, each also settable as
 * a system property {@code mmulab.lockdep.<key>} (the {@code -javaagent} argument wins).
 * An unknown key or a bad value is a {@link BadOption} naming it and the valid choices; the agent
 * then refuses to start rather than run half-configured.
 */
public final class AgentOptions {
    /** key -> description of valid values */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("mode", "warn (report and go on), once (the first report turns lockdep off, like debug_locks), fail (report, then throw in the offending thread)");
        KEYS.put("out", "stderr, stdout, or a file path");
        KEYS.put("packages", "comma-free list of package prefixes to weave, separated by ':' (default org.mmulab.kernel.)");
        KEYS.put("verbose", "true or false: log each woven class");
        KEYS.put("dump", "a directory: at exit, write lockdep, lockdep_chains, lockdep_stats, lock_stat (as /proc has them) and lockdep.dot there");
        KEYS.put("print", "pkg.Class#method: print that method's bytecode as loaded and as woven (ASM Textifier)");
        KEYS.put("explore", "true or false: weave the controlled scheduler's yield points (mmulab explore, replay)");
        KEYS.put("footprints", "on or off (default): with explore=true, also record every shared access each step makes"
                + " (explore --reduction's partial-order reduction needs it; it slows every controlled run)");
        KEYS.put("tlbtrace", "off, summary (per-caller flush counts at exit), or lines (also one line per flush and per owed flush)");
        KEYS.put("repeats", "all (print every report, as the kernel prints every WARN) or fold (print the first report from a"
                + " site in full, count the identical ones after it, and say '[the same WARN N more times]' at exit)");
        KEYS.put("lockstat", "on or off: CONFIG_LOCK_STAT, per-class contentions, wait and hold times (default: on with dump=, else off;"
                + " it costs a stack walk per lock and two clock reads per lock and unlock)");
        KEYS.put("cache", "off, or a directory for woven classes kept between runs (default $XDG_CACHE_HOME/mmulab/woven,"
                + " else ~/.cache/mmulab/woven): a run whose hook classes are there does not set Byte Buddy up");
    }

    /** A bad option: the message is the one line the user sees. */
    public static final class BadOption extends IllegalArgumentException {
        BadOption(String message) {
            super(message);
        }
    }

    public LockdepConfig.Mode mode = LockdepConfig.Mode.WARN;
    public String out = "stderr";
    public List<String> packages = List.of("org.mmulab.kernel.");
    public boolean verbose;
    /** Weave the controlled scheduler's yield points and redirect blocking calls to it. */
    public boolean explore;
    /** With explore: weave the footprint pass too (explore --reduction). */
    public boolean footprints;
    public String tlbtrace = "summary";
    /** Whether a report identical to one already printed is printed again (all) or only counted (fold). */
    public LockdepConfig.Repeats repeats = LockdepConfig.Repeats.ALL;
    /** Directory for the /proc-style dumps at exit, or null. */
    public String dump;
    /** pkg.Class#method whose weaving to print, or null. */
    public String print;
    /** CONFIG_LOCK_STAT: true or false as given, or null for the default (on with dump=). */
    public Boolean lockstat;
    /** The woven-class cache's directory, "off", or null for the default. */
    public String cache;

    /** The woven-class cache's directory, or null when {@code cache=off}. */
    public java.nio.file.Path cacheDir() {
        if ("off".equals(cache)) {
            return null;
        }
        if (cache != null) {
            return java.nio.file.Paths.get(cache);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        java.nio.file.Path base = xdg != null && !xdg.isEmpty()
                ? java.nio.file.Paths.get(xdg) : java.nio.file.Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("mmulab").resolve("woven");
    }

    /** Whether lock_stat is kept: as {@code lockstat=} says, else when {@code dump=} will write it. */
    public boolean lockStatOn() {
        return lockstat != null ? lockstat : dump != null;
    }

    public static AgentOptions parse(String args) {
        AgentOptions o = new AgentOptions();
        Map<String, String> kv = new LinkedHashMap<>();
        for (String key : KEYS.keySet()) {
            String p = System.getProperty("mmulab.lockdep." + key);
            if (p != null) {
                kv.put(key, p);
            }
        }
        if (args != null && !args.isBlank()) {
            for (String pair : args.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new BadOption("lockdep-agent: option '" + pair + "' is not key=value; valid keys: " + KEYS.keySet());
                }
                kv.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        for (Map.Entry<String, String> e : kv.entrySet()) {
            String key = e.getKey();
            String val = e.getValue();
            switch (key) {
                case "mode":
                    switch (val) {
                        case "warn": o.mode = LockdepConfig.Mode.WARN; break;
                        case "once": o.mode = LockdepConfig.Mode.ONCE; break;
                        case "fail": o.mode = LockdepConfig.Mode.FAIL; break;
                        default: throw bad(key, val);
                    }
                    break;
                case "out":
                    if (val.isEmpty()) {
                        throw bad(key, val);
                    }
                    o.out = val;
                    break;
                case "packages":
                    if (val.isEmpty()) {
                        throw bad(key, val);
                    }
                    o.packages = List.of(val.split(":"));
                    break;
                case "print":
                    if (!val.matches("[\\w.$]+#[\\w$<>]+")) {
                        throw bad(key, val);
                    }
                    o.print = val;
                    break;
                case "dump":
                    if (val.isEmpty()) {
                        throw bad(key, val);
                    }
                    o.dump = val;
                    break;
                case "tlbtrace":
                    if (!val.equals("off") && !val.equals("summary") && !val.equals("lines")) {
                        throw bad(key, val);
                    }
                    o.tlbtrace = val;
                    break;
                case "explore":
                    o.explore = bool(key, val);
                    break;
                case "footprints":
                    switch (val) {
                        case "on": o.footprints = true; break;
                        case "off": o.footprints = false; break;
                        default: throw bad(key, val);
                    }
                    break;
                case "lockstat":
                    switch (val) {
                        case "on": o.lockstat = true; break;
                        case "off": o.lockstat = false; break;
                        default: throw bad(key, val);
                    }
                    break;
                case "repeats":
                    switch (val) {
                        case "all": o.repeats = LockdepConfig.Repeats.ALL; break;
                        case "fold": o.repeats = LockdepConfig.Repeats.FOLD; break;
                        default: throw bad(key, val);
                    }
                    break;
                case "cache":
                    if (val.isEmpty()) {
                        throw bad(key, val);
                    }
                    o.cache = val;
                    break;
                case "verbose":
                    o.verbose = bool(key, val);
                    break;
                default:
                    throw new BadOption("lockdep-agent: unknown option '" + key + "'; valid keys: " + KEYS.keySet());
            }
        }
        return o;
    }

    /** "true" or "false", nothing else. */
    private static boolean bool(String key, String val) {
        if (!val.equals("true") && !val.equals("false")) {
            throw bad(key, val);
        }
        return val.equals("true");
    }

    private static BadOption bad(String key, String val) {
        return new BadOption("lockdep-agent: bad value '" + val + "' for " + key + "; valid: " + KEYS.get(key));
    }

    /** The stream reports go to. */
    public PrintStream openOut() {
        switch (out) {
            case "stderr":
                return System.err;
            case "stdout":
                return System.out;
            default:
                try {
                    return new PrintStream(new FileOutputStream(out, true), true, StandardCharsets.UTF_8);
                } catch (FileNotFoundException e) {
                    throw new BadOption("lockdep-agent: cannot open out=" + out + ": " + e.getMessage());
                }
        }
    }
}
