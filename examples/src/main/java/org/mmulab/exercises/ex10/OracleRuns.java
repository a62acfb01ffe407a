// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mmulab.examples.explore.Describer;
import org.mmulab.examples.explore.Explorer;
import org.mmulab.examples.explore.Target;
import org.mmulab.examples.variants.VariantLoader;
import org.mmulab.examples.variants.VariantLoader.Swap;
import org.mmulab.examples.vmm.RunConfig;
import org.mmulab.examples.vmm.Scenario;
import org.mmulab.lockdep.explore.Body;

/**
 * Exercise 10's scenario runs, in a child JVM under the lockdep agent with {@code explore=true}:
 * each argument {@code SCENARIO/VARIANT/SEED} replays one schedule of the explorer (PCT, depth 2,
 * that seed: the schedule {@code mmulab replay SCENARIO --variant VARIANT --seed SEED} runs) with
 * the student's oracle swapped in for the fixture's, and prints one line
 * {@code RESULT SCENARIO/VARIANT/SEED EXIT} after the schedule's report. {@code --swap
 * OWNER:METHOD:DESCRIPTOR:TARGET} adds a swap (the grader hands on the ones it runs under).
 */
public final class OracleRuns {
    private OracleRuns() {}

    public static void main(String[] args) throws Exception {
        List<Swap> swaps = new ArrayList<>(OracleSwap.swaps());
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--swap")) {
                String[] p = args[++i].split(":", 4);
                swaps.add(Swap.replace(p[0], p[1], p[2], p[3]));
            } else {
                runs.add(args[i]);
            }
        }
        PrintStream out = System.out;
        for (String r : runs) {
            String[] p = r.split("/", 3);
            ByteArrayOutputStream report = new ByteArrayOutputStream();
            int exit = replay(p[0], p[1], Long.parseLong(p[2]), swaps, new PrintStream(report, true, StandardCharsets.UTF_8));
            out.print(report.toString(StandardCharsets.UTF_8));
            out.println("RESULT " + r + " " + exit);
            out.flush();
        }
    }

    static int replay(String scenario, String variant, long seed, List<Swap> swaps, PrintStream out) throws Exception {
        RunConfig c = new RunConfig();
        c.scenario = scenario;
        Scenario.named(scenario).exploreDefaults(c);
        c.variant = variant;
        Explorer.Options o = new Explorer.Options();
        o.scenario = scenario;
        o.variant = variant;
        o.strategy = "pct";
        o.depth = 2;
        o.seed = seed;
        VariantLoader loader = new VariantLoader(variant, OracleRuns.class.getClassLoader(), swaps,
                List.of("org.mmulab.exercises.ex10."));
        Class<?> exploration = loader.loadClass("org.mmulab.examples.vmm.Exploration");
        Target target = new Target((Body) exploration.getMethod("body", Map.class).invoke(null, c.toMap()),
                (Describer) exploration.getMethod("describer").invoke(null));
        return Explorer.replay(target, o, out);
    }
}
