// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

/** What an oracle reports: vCPU {@code vcpu} can still write {@code gfn} in a way it must not. */
public record Finding(int vcpu, long gfn) {
    @Override
    public String toString() {
        return String.format("vcpu %d, gfn 0x%x", vcpu, gfn);
    }
}
