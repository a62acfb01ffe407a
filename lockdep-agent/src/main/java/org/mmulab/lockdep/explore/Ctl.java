// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/** One controlled thread of a {@link Run}: its turn, its state, and what it holds and waits for. */
public final class Ctl implements Strategy.Candidate {
    /** Where a controlled thread is. */
    public enum State { RUNNABLE, SPIN, PARKED, SLEEPING, JOINING, DONE }

    final Run run;
    final int id;
    final Thread thread;
    final Semaphore turn = new Semaphore(0);
    State state = State.RUNNABLE;
    long deadline = Long.MAX_VALUE;
    boolean permit;
    long spinEpoch;
    Ctl joinTarget;
    /** The lock this thread is trying to take, or null. */
    volatile String waitingFor;
    /** Locks it holds, outermost first (from the lock hooks, with or without lockdep). */
    final List<String> held = new ArrayList<>();
    /** The kind of its last recorded step (DFS preempts only after synchronization steps). */
    Event.Kind lastKind;
    /** Its last yield point was a recorded step (not a spin, park, sleep or join). */
    boolean justStepped;
    /** Its last yield point was a spin: a spin now only re-checked a condition. */
    boolean lastWasSpin;
    /** Whether the guest access under way is a write. */
    boolean accessWrite;
    /** Per-thread clock (a run with per-thread clocks): virtual nanoseconds of this thread's own steps and waits. */
    long clock;
    /** The shared clock when its current timed wait began. */
    long waitFrom;
    /** Footprints: the hash of its last closed step, its open step's stamp and the locations that step touched. */
    long h;
    long stepStamp;
    final List<Footprint.Loc> touched = new ArrayList<>(1024); // a step can touch thousands (a memslots copy)
    /** What its open step's hash covers besides its footprint: the clock values it read. */
    long extraDep;
    /** Its names while it showed up in the timeline. */
    private String label;
    private String lastName;

    Ctl(Run run, int id, Thread thread) {
        this.run = run;
        this.id = id;
        this.thread = thread;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public Event.Kind lastKind() {
        return lastKind;
    }

    @Override
    public boolean justStepped() {
        return justStepped;
    }

    /** The names it had at its events, joined by '/' ("scenario/logging-toggler"), else its thread's name. */
    String label() {
        return label != null ? label : thread.getName();
    }

    /** The names it had at its events, in order: a VMM thread may rename itself. */
    void named(String name) {
        if (label == null) {
            label = name;
            lastName = name;
        } else if (!name.equals(lastName)) {
            lastName = name;
            if (!("/" + label + "/").contains("/" + name + "/")) {
                label = label + "/" + name;
            }
        }
    }
}
