// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

/** One thing a controlled thread did, at a step of the schedule. {@code gfn} is -1 when none. */
public record Event(long step, int thread, Kind kind, String text, long gfn) {
    /** What kind of step; the timeline shows some kinds always and the gfn-bound ones only for the gfns that matter. */
    public enum Kind {
        LOCK_WAIT(false, false), LOCK(true, false), UNLOCK(true, false), SPTE(true, true), ACCESS(true, true),
        TLB_FILL(true, true), TLB_FLUSH(true, false), FLUSH(true, false), REQUEST(true, false),
        KICK(true, false), IOCTL(true, false), MARK(true, false), CHECK(true, false), SCHED(false, false),
        START(true, false);

        /** Shown in the timeline at all. */
        final boolean shown;
        /** About one gfn: shown only for the gfns the timeline follows. */
        final boolean perGfn;

        Kind(boolean shown, boolean perGfn) {
            this.shown = shown;
            this.perGfn = perGfn;
        }
    }
}
