// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mmulab.lockdep.explore.Event;
import org.mmulab.lockdep.explore.Outcome;
import org.mmulab.lockdep.explore.Run;

/**
 * What a schedule looks like on the terminal: its timeline, what broke (violations, a deadlock
 * with each thread's locks and frames, a failure, a hang), lockdep's reports with repeated WARNs
 * folded, and the command that replays it.
 */
final class ScheduleReport {
    private ScheduleReport() {}

    /** The timeline, then what broke and lockdep's reports of this schedule. */
    static void print(Schedule s, Explorer.Options o, Describer d, PrintStream out) {
        Set<Long> follow = s.violatedGfns.isEmpty() ? Set.of() : Set.of(s.violatedGfns.iterator().next());
        out.println("timeline (one column per thread; spte, guest-access and TLB rows "
                + (o.full ? "for every gfn" : follow.isEmpty() ? "hidden: no gfn broke" : "only for gfn " + hex(follow))
                + (o.full ? "" : "; failed ioctls hidden") + "):");
        if (d != null && d.legend() != null) {
            out.println(d.legend());
        }
        long from = 0;
        if (!o.full && !s.violations.isEmpty()) {
            // from the last check that passed: what came before it did not break anything yet
            for (Event e : s.events) {
                if (e.detail() instanceof Event.Check c && c.ok()) {
                    from = e.step();
                }
            }
        }
        if (from > 0) {
            out.println("(steps before " + from + ", up to the last check that passed, are not shown; --full shows every step)");
        }
        List<Event> shown = new ArrayList<>();
        for (Event e : s.events) {
            if (e.step() >= from) {
                shown.add(e);
            }
        }
        out.print(Timeline.render(shown, s.labels, follow, o.full, d));
        out.println();
        if (!s.violations.isEmpty()) {
            out.println("INVARIANT BROKEN (" + s.violations.size() + " violation(s)):");
            for (String v : s.violations) {
                out.println("  " + v);
            }
        }
        if (s.deadlock != null) {
            out.println("DEADLOCK: every thread is blocked, at step " + s.steps + ":");
            out.print(s.deadlock);
        }
        if (s.failure != null) {
            out.println("THE RUN FAILED: " + s.failure);
        }
        if (s.hang != null) {
            out.println("HANG: " + s.hang);
        }
        if (s.violations.isEmpty() && s.deadlock == null && s.failure == null && s.hang == null) {
            out.println("no invariant broke, no deadlock.");
        }
        if (s.lockdepReports > 0) {
            out.println("lockdep: " + s.lockdepReports + " report(s) in this schedule:");
            out.print(o.full ? s.lockdepText : foldRepeatedWarnings(s.lockdepText));
        } else {
            out.println("lockdep: no reports in this schedule.");
        }
    }

    /** Each thread that had not ended: what it waits for, its held locks, its innermost frames in the program. */
    static String threads(List<Outcome.Stuck> stuck) {
        StringBuilder b = new StringBuilder();
        for (Outcome.Stuck c : stuck) {
            b.append("  ").append(c.label()).append(": ");
            String waitingFor = c.waitingFor() == null ? null : EventText.lockName(c.waitingFor());
            switch (c.state()) {
                case SPIN:
                    b.append(waitingFor != null ? "spins for " + waitingFor : "spins");
                    break;
                case PARKED:
                    b.append(waitingFor != null ? "sleeps waiting for " + waitingFor : "parked");
                    break;
                case JOINING:
                    b.append("waits for ").append(c.joining()).append(" to end");
                    break;
                default:
                    b.append(c.state().name().toLowerCase(Locale.ROOT));
            }
            b.append(" (").append(c.running() ? "running" : "waiting its turn").append(')');
            b.append('\n');
            List<String> held = new ArrayList<>();
            for (String h : c.held()) {
                held.add(EventText.lockName(h));
            }
            b.append("    holds: ").append(held.isEmpty() ? "no locks" : String.join(", ", held)).append('\n');
            List<StackTraceElement> at = programFrames(c.at());
            for (int i = 0; i < at.size(); i++) {
                StackTraceElement e = at.get(i);
                b.append(i == 0 ? "    at " : "       ").append(e.getClassName()).append('.').append(e.getMethodName())
                        .append('(').append(e.getFileName()).append(':').append(e.getLineNumber()).append(")\n");
            }
        }
        return b.toString();
    }

    /** The innermost frames in the port, the machine or the VMM (at most four): not the scheduler's. */
    private static List<StackTraceElement> programFrames(List<StackTraceElement> stack) {
        List<StackTraceElement> out = new ArrayList<>();
        for (StackTraceElement e : stack) {
            String cls = e.getClassName();
            // a lambda's frame names a hidden class whose name differs from JVM to JVM: left out,
            // so that a replay prints the same report
            if (cls.startsWith("org.mmulab.") && !cls.startsWith("org.mmulab.lockdep.") && !cls.contains("$$Lambda")
                    && out.size() < 4) {
                out.add(e);
            }
        }
        return out;
    }

    /** Why the running thread made no step: where it waits, on what, held by whom. */
    static String hang(Run.Running stuck, Long seconds) {
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(stuck.thread().getId());
        StringBuilder b = new StringBuilder(stuck.label());
        if (seconds != null) {
            b.append(" made no step for ").append(seconds).append(" s");
        } else {
            b.append(" is ").append(info == null ? stuck.thread().getState() : info.getThreadState());
            if (info != null && info.getLockName() != null) {
                b.append(" on ").append(info.getLockName());
                if (info.getLockOwnerName() != null) {
                    b.append(" held by ").append(info.getLockOwnerName());
                }
            }
        }
        b.append(": it waits outside the scheduler's control, at\n");
        for (StackTraceElement e : stuck.thread().getStackTrace()) {
            b.append("    ").append(e).append('\n');
        }
        return b.toString();
    }

    static final String CUT = "------------[ cut here ]------------\n";

    /**
     * A WARN that comes again and again (no-slots-lock's assert in every harvest) is printed once,
     * then counted: "[the same WARN 26 more times]". Blocks are compared without their CPU/PID and
     * taint line. Other reports are printed as they came.
     */
    static String foldRepeatedWarnings(String text) {
        if (!text.contains(CUT)) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        String prevKey = null;
        int repeats = 0;
        int at = 0;
        while (at < text.length()) {
            int cut = text.indexOf(CUT, at);
            int next = cut < 0 ? -1 : text.indexOf(CUT, cut + CUT.length());
            if (cut != at) { // text before the next WARN (another kind of report)
                out.append(repeated(repeats));
                repeats = 0;
                prevKey = null;
                int end = cut < 0 ? text.length() : cut;
                out.append(text, at, end);
                at = end;
                continue;
            }
            int trace = text.indexOf("---[ end trace", at);
            int end = trace >= 0 && (next < 0 || trace < next) ? text.indexOf('\n', trace) + 1 : next < 0 ? text.length() : next;
            if (end <= at) {
                end = text.length();
            }
            String block = text.substring(at, end);
            String key = block.replaceAll("(?m)^CPU: .*$", "").replaceAll("(?m)^WARNING: CPU: \\d+ PID: \\d+ ", "WARNING: ");
            if (key.equals(prevKey)) {
                repeats++;
            } else {
                out.append(repeated(repeats));
                repeats = 0;
                out.append(block);
                prevKey = key;
            }
            at = end;
        }
        out.append(repeated(repeats));
        return out.toString();
    }

    private static String repeated(int n) {
        return n == 0 ? "" : "[the same WARN " + n + " more time" + (n == 1 ? "" : "s") + "; --full prints each]\n";
    }

    /** The command line that runs this schedule again. */
    static String replayCommand(Schedule s, Explorer.Options o) {
        StringBuilder b = new StringBuilder("./mmulab replay " + o.scenario + " --variant " + o.variant + o.replayOptions
                + " --strategy " + s.strategy);
        if (s.strategy.equals("pct")) {
            b.append(" --depth ").append(o.depth);
        }
        b.append(" --seed ").append(s.seed);
        if (s.strategy.equals("dfs")) {
            StringBuilder f = new StringBuilder();
            // the forced list is the one the schedule ran with
            long[][] forced = s.forced == null ? new long[][] {new long[0], new long[0]} : s.forced.forcedList();
            for (int i = 0; i < forced[0].length; i++) {
                f.append(i == 0 ? "" : ",").append(forced[0][i]).append(':').append(forced[1][i]);
            }
            b.append(" --schedule ").append(f.length() == 0 ? "none" : f);
        }
        return b.toString();
    }

    private static String hex(Set<Long> gfns) {
        StringBuilder b = new StringBuilder();
        for (long g : gfns) {
            b.append(b.length() == 0 ? "" : ", ").append("0x").append(Long.toHexString(g));
        }
        return b.toString();
    }
}
