// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mmulab.exercises.Points;
import org.mmulab.fixture.BareVm;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_lpage_info;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.Oops;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Grader of exercise 6: moving a memslot (KVM_MR_MOVE) must give it rmap and lpage_info arrays
 * for its new base gfn. The expected arrays are computed here from v3.16's rules
 * ({@code kvm_arch_create_memslot}, x86.c 7218-7275): at level L (1: 4K, 2: 2M, 3: 1G) one entry
 * per 2^(9(L-1)) pages the slot touches, counted from the aligned frame below the base; large
 * pages disallowed (write_count 1) at an unaligned first or last entry, and everywhere when the
 * base gfn and the host address are not aligned alike.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public class Ex6Grader {
    public Ex6Grader() {}

    public static final int SLOT = 1;
    /** A small slot at a 2 MiB-aligned base, and where it moves: across the 2 MiB boundary at 0x400. */
    public static final long OLD = 0x200;
    public static final long NEW = 0x3f8;
    public static final int NPAGES = 16;

    public BareVm vm;
    public kvm_vcpu vcpu;

    @BeforeEach
    public void setUp() {
        vm = BareVm.create();
        vcpu = vm.addVcpu(0);
    }

    @AfterEach
    public void tearDown() {
        vm.close();
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The host address of a slot created at {@code gfn} by BareVm: what a move must keep. */
    public static long user(long gfn) {
        return Vmm.USER_BASE + (gfn << mm.PAGE_SHIFT);
    }

    public long setRegion(int flags, long gfn, long npages, long userspace) {
        return kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, Vmm.region(SLOT, flags, gfn, npages, userspace));
    }

    /** Moves (or re-flags) the slot, and says what went wrong if the ioctl failed or oopsed. */
    public void change(int flags, long gfn, long npages, long userspace, String what) {
        int oopses = Oops.count();
        long r = setRegion(flags, gfn, npages, userspace);
        if (Oops.count() != oopses) {
            throw new AssertionError(what + " oopsed (" + firstLines(Oops.last()) + "): the kernel must survive any"
                    + " KVM_SET_USER_MEMORY_REGION; the whole oops is above, on stderr: start from its call trace");
        }
        assertEquals(0L, r, what + ": KVM_SET_USER_MEMORY_REGION must return 0");
    }

    static String firstLines(String s) {
        if (s == null) {
            return "no text";
        }
        String[] l = s.split("\n");
        return String.join(" | ", Arrays.copyOf(l, Math.min(3, l.length))).replaceAll("\\s+", " ");
    }

    public kvm_memory_slot slot() {
        return org.mmulab.kernel.linux.kvm_host_h.id_to_memslot(vm.kvm.memslots, SLOT);
    }

    /** After a move or delete the vCPU must reload its MMU (KVM_REQ_MMU_RELOAD): do what vcpu_enter_guest does. */
    public void reload() {
        mmu.kvm_mmu_unload(vcpu);
        assertEquals(0, mmu_h.kvm_mmu_reload(vcpu));
    }

    /** A guest write to {@code gfn}; {@code present}: the spte is there, write-protected. */
    public void write(long gfn, boolean present) {
        int r = BareVm.fault(vcpu, gfn, true, present);
        assertEquals(0, r, "a guest write to gfn " + hex(gfn) + " faulted with " + r);
    }

    public long harvest(long npages) {
        return vm.getDirtyLog(SLOT, npages)[0];
    }

    public static String bits(long v) {
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((v & (1L << i)) != 0) {
                b.add(i);
            }
        }
        return "offsets " + b;
    }

    // ---------------------------------------------------------------- what a fresh slot has

    /** Entries at {@code level} of a slot of {@code npages} at {@code base}. */
    public static int lpages(long base, long npages, int level) {
        int shift = (level - 1) * 9;
        return (int) (((base + npages - 1) >>> shift) - (base >>> shift) + 1);
    }

    /** The write_count of each large page at {@code level} (2 or 3) of a fresh slot. */
    public static int[] writeCounts(long base, long npages, long userspace, int level) {
        int n = lpages(base, npages, level);
        long mask = (1L << ((level - 1) * 9)) - 1;
        int[] w = new int[n];
        if ((base & mask) != 0) {
            w[0] = 1;
        }
        if (((base + npages) & mask) != 0) {
            w[n - 1] = 1;
        }
        if (((base ^ (userspace >>> mm.PAGE_SHIFT)) & mask) != 0) {
            Arrays.fill(w, 1);
        }
        return w;
    }

    public static int[] writeCounts(kvm_lpage_info[] info) {
        int[] w = new int[info.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = info[i].write_count;
        }
        return w;
    }

    /** The slot's rmap and lpage_info arrays, at every level, are those of a slot created fresh at its base. */
    public static void assertFreshArrays(kvm_memory_slot s, long userspace, String when) {
        assertFreshRmaps(s, when);
        assertFreshLpageInfo(s, userspace, when);
    }

    /** One rmap head per (large) frame the slot touches, at every level, counted from its base. */
    public static void assertFreshRmaps(kvm_memory_slot s, String when) {
        for (int level = 1; level <= kvm_host_h.KVM_NR_PAGE_SIZES; level++) {
            int want = lpages(s.base_gfn, s.npages, level);
            long[] rmap = s.arch.rmap[level - 1];
            assertNotNull(rmap, when + ": the slot has no level-" + level + " rmap");
            assertEquals(want, rmap.length, when + ": a slot of " + s.npages + " pages at gfn " + hex(s.base_gfn)
                    + " has " + want + " rmap head(s) at level " + level + " (one per " + (1L << ((level - 1) * 9))
                    + "-page frame it touches), as a slot created there would; this one has " + rmap.length);
        }
    }

    /** The lpage_info of levels 2 and 3: an entry per large page, write_count as a fresh slot at its base has it. */
    public static void assertFreshLpageInfo(kvm_memory_slot s, long userspace, String when) {
        for (int level = 2; level <= kvm_host_h.KVM_NR_PAGE_SIZES; level++) {
            kvm_lpage_info[] info = s.arch.lpage_info[level - 2];
            assertNotNull(info, when + ": the slot has no level-" + level + " lpage_info");
            assertEquals(Arrays.toString(writeCounts(s.base_gfn, s.npages, userspace, level)), Arrays.toString(writeCounts(info)),
                    when + ": the level-" + level + " lpage_info write_counts of a slot at gfn " + hex(s.base_gfn)
                            + " with its host address " + hex(userspace) + " (one entry per large page; 1 where a large"
                            + " page is not allowed: an unaligned first or last one, or all when gfn and host address"
                            + " are not aligned alike)");
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    @Order(1)
    @Points(3)
    @DisplayName("moving a logged slot across a 2 MiB boundary: no oops, the VM lives")
    void logMoveDoesNotOops() {
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, OLD, NPAGES, user(OLD), "creating the logged slot");
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, NEW, NPAGES, user(OLD),
                "moving the logged slot from gfn 0x200 to 0x3f8 (it now straddles the 2 MiB boundary at 0x400)");
        assertFalse(vm.kvm.vm_dead, "the VM must not be dead after the move");
        assertEquals(NEW, slot().base_gfn);
        assertNull(kvm_main.gfn_to_memslot(vm.kvm, OLD), "nothing maps the old gfns any more");
    }

    @Test
    @Order(2)
    @Points(2)
    @DisplayName("after a move: rmap arrays for the new base, at every level")
    void rmapForTheNewBase() {
        change(0, OLD, NPAGES, user(OLD), "creating the slot");
        change(0, NEW, NPAGES, user(OLD), "moving the slot from 0x200 to 0x3f8 (logging off)");
        assertFreshRmaps(slot(), "after the move without logging");

        change(0, OLD, NPAGES, user(OLD), "moving it back to 0x200");
        assertFreshRmaps(slot(), "after moving back");
    }

    @Test
    @Order(3)
    @Points(2)
    @DisplayName("after a move: lpage_info sized and aligned for the new base, at every level")
    void lpageInfoForTheNewBase() {
        // 1024 pages whose host address is aligned like gfn 0x3f8, not like 0x200: moved there, the
        // slot touches three 2 MiB frames, large pages allowed only in the middle one
        long npages = 1024;
        long userspace = user(NEW);
        change(0, OLD, npages, userspace, "creating a 1024-page slot at 0x200");
        assertFreshLpageInfo(slot(), userspace, "fixture: the slot as created");
        change(0, NEW, npages, userspace, "moving it to 0x3f8");
        assertFreshLpageInfo(slot(), userspace, "after the move");
    }

    @Test
    @Order(4)
    @Points(3)
    @DisplayName("dirty logging across the move reports exactly the pages written")
    void dirtyLoggingAcrossTheMove() {
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, OLD, NPAGES, user(OLD), "creating the logged slot");
        write(OLD + 1, false);
        write(OLD + 7, false);
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, NEW, NPAGES, user(OLD), "moving the logged slot to 0x3f8");
        reload();
        write(NEW + 3, false);
        write(NEW + 15, false); // gfn 0x407: past the 2 MiB boundary
        assertEquals(bits((1L << 1) | (1L << 7) | (1L << 3) | (1L << 15)), bits(harvest(NPAGES)),
                "the first harvest after the move reports the pages written before it (offsets 1 and 7, the bitmap"
                        + " moves with the slot) and after it (3 and 15)");
        for (long g = NEW; g < NEW + NPAGES; g++) {
            assertFalse(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, g)),
                    "after a harvest, gfn " + hex(g) + " must be write-protected, found through the slot's rmaps");
        }
        write(NEW + 3, true); // write-protected by the harvest: the fast path fixes and logs it
        write(NEW + 9, false);
        assertEquals(bits((1L << 3) | (1L << 9)), bits(harvest(NPAGES)), "the second harvest: exactly the pages written since");
        assertEquals(bits(0), bits(harvest(NPAGES)), "a third harvest with no writes: nothing");
    }

    @Test
    @Order(5)
    @Points(2)
    @DisplayName("the old slot's arrays are neither kept nor touched after the move")
    void oldArraysLeftAlone() {
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, OLD, NPAGES, user(OLD), "creating the logged slot");
        write(OLD + 2, false);
        kvm_memory_slot before = slot();
        Object[] oldArrays = new Object[5];
        int[][] oldCounts = new int[2][];
        for (int i = 0; i < 3; i++) {
            oldArrays[i] = before.arch.rmap[i];
        }
        for (int i = 0; i < 2; i++) {
            oldArrays[3 + i] = before.arch.lpage_info[i];
            oldCounts[i] = writeCounts(before.arch.lpage_info[i]);
        }
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, NEW, NPAGES, user(OLD), "moving the logged slot to 0x3f8");
        reload();
        for (long g = NEW; g < NEW + NPAGES; g++) {
            write(g, false);
        }
        harvest(NPAGES);

        for (kvm_memory_slot s : vm.kvm.memslots.memslots) {
            for (int i = 0; i < 3; i++) {
                for (Object old : oldArrays) {
                    assertFalse(s.arch.rmap[i] == old || (i < 2 && s.arch.lpage_info[i] == old),
                            "slot " + s.id + " still uses an array of the slot before the move (" + (s.arch.rmap[i] == old
                                    ? "rmap[" + i + "]" : "lpage_info[" + i + "]") + "): upstream gives the moved slot new"
                                    + " rmap and lpage_info arrays, and the old ones are freed with the old slot");
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (long head : (long[]) oldArrays[i]) {
                assertEquals(0L, head, "the old level-" + (i + 1) + " rmap must stay empty (the move zapped every spte,"
                        + " and no new spte may be added to it)");
            }
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(Arrays.toString(oldCounts[i]), Arrays.toString(writeCounts((kvm_lpage_info[]) oldArrays[3 + i])),
                    "the old level-" + (i + 2) + " lpage_info must not change after the move");
        }
    }

    @Test
    @Order(6)
    @Points(2)
    @DisplayName("turning logging on and off (flags only) keeps the arrays and the rmaps of live sptes")
    void flagsOnlyKeepsRmaps() {
        change(0, OLD, NPAGES, user(OLD), "creating the slot");
        for (long g = OLD; g < OLD + NPAGES; g++) {
            write(g, false);
        }
        kvm_memory_slot before = slot();
        long[] rmap0 = before.arch.rmap[0];
        Object lpage0 = before.arch.lpage_info[0];
        change(kvm_h.KVM_MEM_LOG_DIRTY_PAGES, OLD, NPAGES, user(OLD), "turning dirty logging on (KVM_MR_FLAGS_ONLY)");
        kvm_memory_slot s = slot();
        assertSame(rmap0, s.arch.rmap[0], "a flags-only change must keep the slot's rmaps: they list the live sptes");
        assertSame(lpage0, s.arch.lpage_info[0], "a flags-only change must keep the slot's lpage_info");
        for (long g = OLD; g < OLD + NPAGES; g++) {
            assertNotEquals(0L, s.arch.rmap[0][(int) (g - OLD)], "gfn " + hex(g) + " is mapped: its rmap lists its spte");
            assertFalse(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, g)), "logging on write-protects every mapped page"
                    + " through the rmaps; gfn " + hex(g) + " is still writable, so its writes would not be logged");
        }
        write(OLD + 4, true);
        write(OLD + 11, true);
        assertEquals(bits((1L << 4) | (1L << 11)), bits(harvest(NPAGES)), "the harvest reports exactly the pages written");

        change(0, OLD, NPAGES, user(OLD), "turning dirty logging off (KVM_MR_FLAGS_ONLY)");
        assertSame(rmap0, slot().arch.rmap[0], "turning logging off keeps the rmaps too");
        change(0, OLD, 0, user(OLD), "deleting the slot (every spte zapped through its rmap)");
        assertNull(kvm_main.gfn_to_memslot(vm.kvm, OLD), "the slot is gone");
    }

    @Test
    @Order(7)
    @Points(1)
    @DisplayName("a move without logging maps the new gfns to the same host pages")
    void moveWithoutLogging() {
        change(0, OLD, NPAGES, user(OLD), "creating the slot");
        write(OLD + 5, false);
        long pfn = mmu.spte_to_pfn(BareVm.leafSpte(vcpu, OLD + 5));
        change(0, NEW, NPAGES, user(OLD), "moving the slot to 0x3f8");
        reload();
        for (long g = NEW; g < NEW + NPAGES; g++) {
            write(g, false);
            assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, g)), "gfn " + hex(g) + " is mapped writable");
        }
        assertEquals(hex(pfn), hex(mmu.spte_to_pfn(BareVm.leafSpte(vcpu, NEW + 5))), "the same host page, at its new gfn");
        assertEquals(0L, BareVm.leafSpte(vcpu, OLD + 5), "the old gfn is not mapped any more");
        for (int i = 0; i < NPAGES; i++) {
            assertNotEquals(0L, slot().arch.rmap[0][i], "offset " + i + " is mapped: its rmap lists its spte");
        }
    }
}
