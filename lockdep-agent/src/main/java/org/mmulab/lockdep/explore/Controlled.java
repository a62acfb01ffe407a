// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

/** The body of a thread created from controlled code (and of a run's first thread). */
final class Controlled implements Runnable {
    private final Runnable body;

    Controlled(Runnable body) {
        this.body = body;
    }

    @Override
    public void run() {
        Run r = Sched.run;
        Ctl c = r == null ? null : r.ctlOf(Thread.currentThread());
        if (c == null) {
            body.run(); // started outside the run that created it
            return;
        }
        Sched.ME.set(c);
        try {
            c.run.arrive(c);
            body.run();
        } catch (Sched.Abort a) {
            // the run was stopped; unwind quietly, and the locks it held go with it (not a task exit)
            org.mmulab.lockdep.Lockdep.forgetCurrentThread();
        } catch (Throwable t) {
            c.run.failed(t);
            org.mmulab.lockdep.Lockdep.forgetCurrentThread(); // reported as the run's failure
        } finally {
            c.run.exit(c);
            Sched.ME.remove();
        }
    }
}
