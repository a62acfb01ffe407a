// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mmulab.lockdep.explore.Event;

/** The timeline drawn from the scheduler's events: their text, which rows are shown, folding. */
class TimelineTest {
    static Event e(long step, int thread, Event.Kind kind, long gfn, Event.Detail d) {
        return new Event(step, thread, kind, gfn, d);
    }

    /** Spte bits as "W" or "RO", ioctl 0xae42 as its name, request 1 as its name. */
    static final Describer NAMES = new Describer() {
        @Override
        public String bits(long spte) {
            return spte == 0 ? "none" : (spte & 2) != 0 ? "W,MW,HW" : "MW,HW";
        }

        @Override
        public String ioctl(long cmd) {
            return cmd == 0x42 ? "KVM_GET_DIRTY_LOG" : "ioctl 0x" + Long.toHexString(cmd);
        }

        @Override
        public String request(int req) {
            return req == 1 ? "KVM_REQ_TLB_FLUSH" : "request " + req;
        }

        @Override
        public String function(String name) {
            return name.equals("kvm_mmu_slot_remove_write_access") ? "slot write-protect" : name;
        }
    };

    static final Event.Lock MMU = new Event.Lock("&kvm->mmu_lock");

    @Test
    void eachEventReadsAsOneRowWithTheDescribersNames() {
        assertEquals("lock kvm->mmu_lock", EventText.of(e(1, 0, Event.Kind.LOCK, -1, MMU), NAMES));
        assertEquals("wait kvm->mmu_lock", EventText.of(e(1, 0, Event.Kind.LOCK_WAIT, -1, MMU), NAMES));
        assertEquals("spte 100000 W,MW,HW -> MW,HW",
                EventText.of(e(1, 0, Event.Kind.SPTE, 0x100000, new Event.SpteStore(0x1000, 3, 1)), NAMES));
        assertEquals("spte (non-leaf) none -> MW,HW", EventText.of(e(1, 0, Event.Kind.SPTE, -1, new Event.SpteStore(8, 0, 1)), NAMES));
        assertEquals("spte 3 -> 1", EventText.of(e(1, 0, Event.Kind.SPTE, -1, new Event.SpteStore(8, 3, 1)), null));
        assertEquals("cmpxchg64 on spte 100000 failed",
                EventText.of(e(1, 0, Event.Kind.SPTE, 0x100000, new Event.SpteCasFailed(8)), NAMES));
        assertEquals("guest reads 100000: TLB hit RO",
                EventText.of(e(1, 0, Event.Kind.ACCESS, 0x100000, new Event.Access(false, true, false)), NAMES));
        assertEquals("guest writes 100000: TLB miss",
                EventText.of(e(1, 0, Event.Kind.ACCESS, 0x100000, new Event.Access(true, false, false)), NAMES));
        assertEquals("  TLB fill 100000 RW", EventText.of(e(1, 0, Event.Kind.TLB_FILL, 0x100000, new Event.TlbFill(true)), NAMES));
        assertEquals("TLB flush (4 dropped)", EventText.of(e(1, 0, Event.Kind.TLB_FLUSH, -1, new Event.TlbFlush(4)), NAMES));
        assertEquals("  flush returns", EventText.of(e(1, 0, Event.Kind.FLUSH, -1, new Event.RemoteFlush(true)), NAMES));
        assertEquals("request KVM_REQ_TLB_FLUSH -> vcpu0",
                EventText.of(e(1, 0, Event.Kind.REQUEST, -1, new Event.Request(1, "vcpu0")), NAMES));
        assertEquals("sees 1", EventText.of(e(1, 0, Event.Kind.REQUEST, -1, new Event.RequestSeen(1)), null));
        assertEquals("  KVM_GET_DIRTY_LOG = -2", EventText.of(e(1, 0, Event.Kind.IOCTL, -1, new Event.IoctlDone(0x42, -2)), NAMES));
        assertEquals("42", EventText.of(e(1, 0, Event.Kind.IOCTL, -1, new Event.Ioctl(0x42)), null));
        assertEquals("  slot write-protect done",
                EventText.of(e(1, 0, Event.Kind.MARK, -1, new Event.Mark("kvm_mmu_slot_remove_write_access", true)), NAMES));
        assertEquals("CHECK invariant 1 BROKEN: 100000",
                EventText.of(e(1, 0, Event.Kind.CHECK, -1, new Event.Check("1", false, 0x100000)), NAMES));
        assertEquals("(parks 5 us)", EventText.of(e(1, 0, Event.Kind.SCHED, -1, new Event.Park(5000)), NAMES));
        assertEquals("(parks)", EventText.of(e(1, 0, Event.Kind.SCHED, -1, new Event.Park(Long.MAX_VALUE)), NAMES));
        assertEquals("(joins vcpu0)", EventText.of(e(1, 0, Event.Kind.SCHED, -1, new Event.Join("vcpu0")), NAMES));
        assertEquals("start vcpu0", EventText.of(e(1, 0, Event.Kind.START, -1, new Event.Start("vcpu0")), NAMES));
    }

    @Test
    void oneColumnPerThreadAndOnlyTheFollowedGfnsAccesses() {
        List<Event> events = List.of(
                e(1, 0, Event.Kind.LOCK, -1, MMU),
                e(2, 0, Event.Kind.SPTE, 0x100000, new Event.SpteStore(0x1000, 3, 1)),
                e(3, 0, Event.Kind.SPTE, 0x100001, new Event.SpteStore(0x1008, 3, 1)),
                e(4, 0, Event.Kind.UNLOCK, -1, MMU),
                e(5, 1, Event.Kind.ACCESS, 0x100000, new Event.Access(true, true, true)),
                e(6, 1, Event.Kind.ACCESS, 0x100000, new Event.Access(false, true, true)),
                e(7, 1, Event.Kind.ACCESS, 0x100001, new Event.Access(true, true, true)),
                e(8, 1, Event.Kind.SCHED, -1, new Event.Spin()));
        String t = Timeline.render(events, List.of("toggler", "vcpu0"), Set.of(0x100000L), false, NAMES);
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
        Event.Lock slots = new Event.Lock("&kvm->slots_lock");
        List<Event> events = List.of(
                e(1, 0, Event.Kind.IOCTL, -1, new Event.Ioctl(0x42)),
                e(2, 0, Event.Kind.LOCK, -1, slots),
                e(3, 0, Event.Kind.UNLOCK, -1, slots),
                e(4, 0, Event.Kind.IOCTL, -1, new Event.IoctlDone(0x42, -2)),
                e(5, 0, Event.Kind.LOCK, -1, MMU),
                e(6, 0, Event.Kind.UNLOCK, -1, MMU),
                e(7, 0, Event.Kind.FLUSH, -1, new Event.RemoteFlush(false)));
        String shortOne = Timeline.render(events, List.of("harvester"), Set.of(), false, NAMES);
        assertEquals(3, shortOne.lines().count(), shortOne);
        assertEquals("      7  kvm_flush_remote_tlbs", shortOne.lines().skip(2).findFirst().orElseThrow());
        String full = Timeline.render(events, List.of("harvester"), Set.of(), true, NAMES);
        assertEquals(2 + 7, full.lines().count(), full);
    }

    @Test
    void aWarnThatComesAgainIsPrintedOnceThenCounted() {
        String warn1 = ScheduleReport.CUT + "WARNING: CPU: 1 PID: 2 at x.java:81 f()\nCPU: 1 PID: 2 Comm: h Not tainted 3.16.0-mmulab #1\n"
                + " at f\n---[ end trace 1 ]---\n";
        String warn2 = ScheduleReport.CUT
                + "WARNING: CPU: 1 PID: 2 at x.java:81 f()\nCPU: 1 PID: 2 Comm: h Tainted: G        W 3.16.0-mmulab #1\n"
                + " at f\n---[ end trace 1 ]---\n";
        String other = "\n======\n[ INFO: possible circular locking dependency detected ]\n";
        String folded = ScheduleReport.foldRepeatedWarnings(warn1 + warn2 + warn2 + other + warn2);
        assertEquals(warn1 + "[the same WARN 2 more times; --full prints each]\n" + other + warn2, folded);
        assertEquals(other, ScheduleReport.foldRepeatedWarnings(other));
    }
}
