// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import org.mmulab.lockdep.explore.Body;

/**
 * What the explorer runs: the body of one whole schedule, and how its values read in the
 * timeline ({@code describer} null: spte values and ioctl and request numbers in hex).
 */
public record Target(Body body, Describer describer) {}
