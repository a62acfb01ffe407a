// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one scenario ({@link Scenario}) and prints its report. Loaded by the variant loader, so the
 * port, the machine and this VMM are a fresh copy with the variant's methods swapped in.
 */
public final class Scenarios {
    private Scenarios() {}

    /** Returns the exit status: 0 all invariants held, 1 one broke, 2 the JSON could not be written. */
    public static int run(Map<String, String> configMap, PrintStream out, PrintStream err, boolean progress) {
        RunConfig c = RunConfig.fromMap(configMap);
        out.printf("mmulab run %s: variant %s, %d vCPU(s), %d MiB guest RAM (%d pages), %s, seed %d%s%n", c.scenario,
                c.variant, c.vcpus, c.memoryBytes >> 20, c.pages(),
                c.seconds > 0 ? String.format(Locale.ROOT, "%.1f s", c.seconds) : c.rounds + " round(s)", c.seed,
                c.holdFlushMillis > 0 ? ", racing flush held " + c.holdFlushMillis + " ms" : "");
        Scenario s = Scenario.named(c.scenario);
        if (s == null) {
            err.println("mmulab: unknown scenario '" + c.scenario + "'");
            return 2;
        }
        RunResult r = s.run(c, out, progress);
        out.printf("%d rounds, %d pages sent in %.2f s, %d remote TLB flushes; vCPU TLB flushes %s%n",
                r.rounds.size(), r.pagesSent, r.seconds, r.remoteFlushes, Arrays.toString(r.vcpuFlushes));
        if (r.invariantsHeld()) {
            out.println("invariants held: " + r.checked + ".");
        } else {
            for (RunResult.LostPage p : r.lostPages) {
                out.printf("LOST PAGE gfn 0x%x: destination differs from source (last writer vcpu%d)%n", p.gfn(), p.lastWriter());
            }
            out.printf("INVARIANTS BROKEN: %d violation(s), %d lost page(s)%n", r.violations.size(), r.lostPages.size());
        }
        if (c.json != null) {
            try {
                Files.writeString(Paths.get(c.json), r.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("mmulab: cannot write " + c.json + ": " + why(e));
                return 2;
            }
        }
        return r.invariantsHeld() ? 0 : 1;
    }

    /**
     * Why a write failed, in words: the JDK's file exceptions carry the path as their message and
     * the reason (if any) apart, and a path alone says nothing the command line did not.
     */
    public static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
