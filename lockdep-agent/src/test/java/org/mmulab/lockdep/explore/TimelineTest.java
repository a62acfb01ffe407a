// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimelineTest {
    static Event e(long step, int thread, Event.Kind kind, String text, long gfn) {
        return new Event(step, thread, kind, text, gfn);
    }

    @Test
    void oneColumnPerThreadAndOnlyTheFollowedGfnsAccesses() {
        List<Event> events = List.of(
                e(1, 0, Event.Kind.LOCK, "lock kvm->mmu_lock", -1),
                e(2, 0, Event.Kind.SPTE, "spte 100000 W,MW,HW -> MW,HW", 0x100000),
                e(3, 0, Event.Kind.SPTE, "spte 100001 W,MW,HW -> MW,HW", 0x100001),
                e(4, 0, Event.Kind.UNLOCK, "unlock kvm->mmu_lock", -1),
                e(5, 1, Event.Kind.ACCESS, "guest writes 100000: TLB hit RW", 0x100000),
                e(6, 1, Event.Kind.ACCESS, "guest reads 100000: TLB hit RW", 0x100000),
                e(7, 1, Event.Kind.ACCESS, "guest writes 100001: TLB hit RW", 0x100001),
                e(8, 1, Event.Kind.SCHED, "(spins)", -1));
        String t = Timeline.render(events, List.of("toggler", "vcpu0"), Set.of(0x100000L), false);
        String pad = " ".repeat(Timeline.WIDTH);
        assertEquals(String.join("\n",
                "   step  toggler" + " ".repeat(Timeline.WIDTH - 7) + "  vcpu0",
                "  -----  " + "-".repeat(Timeline.WIDTH) + "  " + "-".repeat(Timeline.WIDTH),
                "      1  lock kvm->mmu_lock",
                "      2  spte 100000 W,MW,HW -> MW,HW",
                "      4  unlock kvm->mmu_lock",
                "      5  " + pad + "  guest r+w 100000: TLB hit RW x2",
                ""), t);
    }

    @Test
    void aFailedIoctlAndAnEmptyLockPairAreLeftOutUnlessFull() {
        List<Event> events = List.of(
                e(1, 0, Event.Kind.IOCTL, "KVM_GET_DIRTY_LOG", -1),
                e(2, 0, Event.Kind.LOCK, "lock kvm->slots_lock", -1),
                e(3, 0, Event.Kind.UNLOCK, "unlock kvm->slots_lock", -1),
                e(4, 0, Event.Kind.IOCTL, "  KVM_GET_DIRTY_LOG = -2", -1),
                e(5, 0, Event.Kind.LOCK, "lock kvm->mmu_lock", -1),
                e(6, 0, Event.Kind.UNLOCK, "unlock kvm->mmu_lock", -1),
                e(7, 0, Event.Kind.FLUSH, "kvm_flush_remote_tlbs", -1));
        String shortOne = Timeline.render(events, List.of("harvester"), Set.of(), false);
        assertEquals(3 + 0, shortOne.lines().count(), shortOne);
        assertEquals("      7  kvm_flush_remote_tlbs", shortOne.lines().skip(2).findFirst().orElseThrow());
        String full = Timeline.render(events, List.of("harvester"), Set.of(), true);
        assertEquals(2 + 7, full.lines().count(), full);
    }

    @Test
    void aWarnThatComesAgainIsPrintedOnceThenCounted() {
        String warn1 = Explorer.CUT + "WARNING: CPU: 1 PID: 2 at x.java:81 f()\nCPU: 1 PID: 2 Comm: h Not tainted 3.16.0-mmulab #1\n"
                + " at f\n---[ end trace 1 ]---\n";
        String warn2 = Explorer.CUT + "WARNING: CPU: 1 PID: 2 at x.java:81 f()\nCPU: 1 PID: 2 Comm: h Tainted: G        W 3.16.0-mmulab #1\n"
                + " at f\n---[ end trace 1 ]---\n";
        String other = "\n======\n[ INFO: possible circular locking dependency detected ]\n";
        String folded = Explorer.foldRepeatedWarnings(warn1 + warn2 + warn2 + other + warn2);
        assertEquals(warn1 + "[the same WARN 2 more times; --full prints each]\n" + other + warn2, folded);
        assertEquals(other, Explorer.foldRepeatedWarnings(other));
    }
}
