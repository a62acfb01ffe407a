// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

/**
 * What the port's values mean, for the timeline: spte bits, ioctl and request names, the names
 * of marked functions. Supplied by the scenario driver with its {@link Target}.
 */
public interface Describer {
    /** The spte's bits that matter (W, MMU-W, HOST-W, present). */
    String bits(long spte);

    /** An ioctl command's name. */
    String ioctl(long cmd);

    /** A vCPU request's name. */
    String request(int req);

    /** What to call a function the scheduler marks entering and leaving (its name by default). */
    default String function(String name) {
        return name;
    }

    /** One line under the timeline's title that says what its abbreviations mean, or null. */
    default String legend() {
        return null;
    }
}
