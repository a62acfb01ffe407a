// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.virt.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_MAX_VCPUS;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_MEM_SLOTS_NUM;
import static org.mmulab.kernel.arch.x86.include.asm.kvm_host_h.KVM_USER_MEM_SLOTS;
import static org.mmulab.kernel.linux.errno.EEXIST;
import static org.mmulab.kernel.linux.errno.EFAULT;
import static org.mmulab.kernel.linux.errno.EINVAL;
import static org.mmulab.kernel.linux.errno.ENOENT;
import static org.mmulab.kernel.linux.errno.ENOMEM;
import static org.mmulab.kernel.linux.errno.ENOTTY;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_MEM_MAX_NR_PAGES;
import static org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_TLB_FLUSH;
import static org.mmulab.kernel.linux.mm.PAGE_SHIFT;
import static org.mmulab.kernel.linux.mm.PAGE_SIZE;
import static org.mmulab.fixture.Vmm.USER_BASE;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVMIO;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVM_CREATE_VCPU;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVM_GET_DIRTY_LOG;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVM_MEM_LOG_DIRTY_PAGES;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVM_MEM_READONLY;
import static org.mmulab.kernel.uapi.linux.kvm_h.KVM_SET_USER_MEMORY_REGION;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmulab.kernel.arch.x86.include.asm.processor;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.bitops;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.errno;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_memslots;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.fixture.BareVm;
import org.mmulab.fixture.FaultInjection;
import org.mmulab.kernel.mm.failslab;
import org.mmulab.kernel.mm.page_alloc;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;

/**
 * The VM ioctls validate their arguments as v3.16 does and, when they refuse, return the errno
 * with nothing changed: the same {@code kvm->memslots} object with the same generation, every slot
 * as it was, no dirty bitmap allocated or freed, no shadow page added, no spte or dirty bit touched
 * and no TLB flush requested.
 *
 * <p>Where each rule comes from (v3.16): {@code check_memory_region_flags} kvm_main.c 704-716;
 * the sanity checks of {@code __kvm_set_memory_region} kvm_main.c 756-771 (page alignment of size,
 * guest address and user address; {@code access_ok} against TASK_SIZE_MAX, processor.h 897 and
 * uaccess.h 44-61/88-89; slot below KVM_MEM_SLOTS_NUM; guest range not wrapping); the page-count
 * limit kvm_main.c 778; the modify rules kvm_main.c 794-813; the overlap check (user slots only)
 * kvm_main.c 815-825; the user-slot limit of the ioctl kvm_main.c 940; the -EFAULT of a failed
 * {@code copy_from_user} and the -ENOTTY default kvm_main.c 2342-2357 and 2488-2491; and
 * {@code kvm_vm_ioctl_get_dirty_log} x86.c 3599-3664.
 */
class IoctlErrnoTest {
    static final int SLOT0 = 0;
    static final long SLOT0_GFN = 0x100;
    static final long SLOT0_PAGES = 64;
    static final int SLOT1 = 1;
    static final long SLOT1_GFN = 0x1000;
    static final long SLOT1_PAGES = 200; // four bitmap words, the last one partly used

    /** Pages written (faulted writable) before each test. */
    static final long[] SLOT0_WRITTEN = {0, 1, 2, 63};
    static final long[] SLOT1_WRITTEN = {0, 5, 64, 199};

    BareVm vm;
    kvm_vcpu vcpu;
    long warningsBefore;

    @BeforeEach
    void setUp() {
        vm = BareVm.create(false);
        vm.addSlot(SLOT0, SLOT0_GFN, SLOT0_PAGES, false);
        vm.addSlot(SLOT1, SLOT1_GFN, SLOT1_PAGES, true);
        vcpu = vm.addVcpu(0);
        for (long g : SLOT0_WRITTEN) {
            assertEquals(0, BareVm.fault(vcpu, SLOT0_GFN + g, true, false));
        }
        for (long g : SLOT1_WRITTEN) {
            assertEquals(0, BareVm.fault(vcpu, SLOT1_GFN + g, true, false));
        }
        // the faults above queue no flush for the vCPU; start every test from a clean request word
        kvm_host_h.kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);
        warningsBefore = bug.warningCount();
    }

    // ---------------------------------------------------------------------------------------
    // helpers

    static kvm_userspace_memory_region region(int slot, int flags, long gpa, long size, long uaddr) {
        return new kvm_userspace_memory_region(slot, flags, gpa, size, uaddr);
    }

    /** A well-formed region for {@code npages} at {@code gfn}, mapped at USER_BASE + gpa like BareVm does. */
    static kvm_userspace_memory_region pages(int slot, int flags, long gfn, long npages) {
        return region(slot, flags, gfn << PAGE_SHIFT, npages << PAGE_SHIFT, USER_BASE + (gfn << PAGE_SHIFT));
    }

    static void assertErrno(int expected, long r, String what) {
        assertEquals(expected, r, () -> what + ": expected " + errno.name(expected) + " got " + errno.name((int) r) + " (" + r + ")");
    }

    /** Every field of every slot, the dirty bitmaps' words, the leaf sptes and the MMU counters. */
    final class VmState {
        final kvm_memslots memslots;
        final long generation;
        final short[] id_to_index;
        final List<String> slots = new ArrayList<>();
        final List<LongPtr> bitmaps = new ArrayList<>();
        final List<long[]> bitmapWords = new ArrayList<>();
        final List<long[]> rmaps = new ArrayList<>();
        final long[] slot0Sptes;
        final long[] slot1Sptes;
        final int n_used_mmu_pages;
        final int n_max_mmu_pages;
        final int active_mmu_pages;
        final int online_vcpus;
        final long requests;

        VmState() {
            memslots = vm.kvm.memslots;
            generation = memslots.generation;
            id_to_index = memslots.id_to_index.clone();
            for (kvm_memory_slot s : memslots.memslots) {
                slots.add(s.id + ":" + s.base_gfn + ":" + s.npages + ":" + s.userspace_addr + ":" + s.flags);
                bitmaps.add(s.dirty_bitmap);
                bitmapWords.add(s.dirty_bitmap == null ? null : s.dirty_bitmap.base.clone());
                rmaps.add(s.arch.rmap[0]);
            }
            slot0Sptes = sptes(SLOT0_GFN, SLOT0_PAGES);
            slot1Sptes = sptes(SLOT1_GFN, SLOT1_PAGES);
            n_used_mmu_pages = vm.kvm.arch.n_used_mmu_pages;
            n_max_mmu_pages = vm.kvm.arch.n_max_mmu_pages;
            active_mmu_pages = vm.kvm.arch.active_mmu_pages.size();
            online_vcpus = vm.kvm.online_vcpus.get();
            requests = vcpu.requests.get();
        }

        long[] sptes(long gfn, long npages) {
            long[] r = new long[(int) npages];
            for (int i = 0; i < npages; i++) {
                r[i] = BareVm.leafSpte(vcpu, gfn + i);
            }
            return r;
        }

        void assertUnchanged(String what) {
            assertUnchanged(what, true);
        }

        /**
         * {@code withScratchHalf}: compare the second half of each dirty bitmap too. Only the live
         * half is state; get-dirty-log zeroes the second half (x86.c 3624) on every call that gets
         * past the slot checks, even one that then fails.
         */
        void assertUnchanged(String what, boolean withScratchHalf) {
            VmState now = new VmState();
            assertSame(memslots, now.memslots, what + ": kvm->memslots replaced");
            assertEquals(generation, now.generation, what + ": memslots generation moved");
            assertArrayEquals(id_to_index, now.id_to_index, what + ": id_to_index changed");
            assertEquals(slots, now.slots, what + ": a slot changed");
            for (int i = 0; i < bitmaps.size(); i++) {
                assertSame(bitmaps.get(i), now.bitmaps.get(i), what + ": dirty bitmap of slot index " + i + " allocated or freed");
                long[] was = bitmapWords.get(i);
                long[] is = now.bitmapWords.get(i);
                if (was != null && !withScratchHalf) {
                    was = Arrays.copyOf(was, was.length / 2);
                    is = Arrays.copyOf(is, is.length / 2);
                }
                assertArrayEquals(was, is, what + ": dirty bitmap words of slot index " + i);
                assertSame(rmaps.get(i), now.rmaps.get(i), what + ": rmap of slot index " + i);
            }
            assertArrayEquals(slot0Sptes, now.slot0Sptes, what + ": an spte of slot 0 changed");
            assertArrayEquals(slot1Sptes, now.slot1Sptes, what + ": an spte of slot 1 changed");
            assertEquals(n_used_mmu_pages, now.n_used_mmu_pages, what + ": n_used_mmu_pages");
            assertEquals(n_max_mmu_pages, now.n_max_mmu_pages, what + ": n_max_mmu_pages");
            assertEquals(active_mmu_pages, now.active_mmu_pages, what + ": active_mmu_pages");
            assertEquals(online_vcpus, now.online_vcpus, what + ": online_vcpus");
            assertEquals(requests, now.requests, what + ": a request (TLB flush) was made");
            assertEquals(warningsBefore, bug.warningCount(), what + ": WARN_ON fired");
        }
    }

    long ioctl(int nr, Object arg) {
        return kvm_main.kvm_vm_ioctl(vm.kvm, nr, arg);
    }

    kvm_memory_slot slot(int id) {
        return kvm_host_h.id_to_memslot(vm.kvm.memslots, id);
    }

    static boolean liveBit(kvm_memory_slot s, long rel) {
        return bitops.test_bit_le(rel, s.dirty_bitmap);
    }

    // ---------------------------------------------------------------------------------------
    // KVM_SET_USER_MEMORY_REGION: refused requests

    static final long FREE_GFN = 0x200; // nothing is mapped at 0x200..0xfff

    static Stream<Arguments> refusedRegions() {
        long gpa = FREE_GFN << PAGE_SHIFT;
        long ua = USER_BASE + gpa;
        long four = 4 * PAGE_SIZE;
        long taskSizeMax = processor.TASK_SIZE_MAX;
        return Stream.of(
                // slot ids: the ioctl accepts user slots only (kvm_main.c 940), u32 compare
                Arguments.of("slot KVM_USER_MEM_SLOTS (125)", region(KVM_USER_MEM_SLOTS, 0, gpa, four, ua), EINVAL),
                Arguments.of("slot 127, the last private slot", region(KVM_MEM_SLOTS_NUM - 1, 0, gpa, four, ua), EINVAL),
                Arguments.of("slot KVM_MEM_SLOTS_NUM (128)", region(KVM_MEM_SLOTS_NUM, 0, gpa, four, ua), EINVAL),
                Arguments.of("slot 0x10000 (above the short id)", region(0x10000, 0, gpa, four, ua), EINVAL),
                Arguments.of("slot 0xffffffff (u32)", region(-1, 0, gpa, four, ua), EINVAL),
                // flags (kvm_main.c 704-716): only LOG_DIRTY_PAGES and READONLY exist
                Arguments.of("flag bit 2", region(5, 1 << 2, gpa, four, ua), EINVAL),
                Arguments.of("flag bit 31", region(5, 1 << 31, gpa, four, ua), EINVAL),
                Arguments.of("valid flags plus bit 3", region(5, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY | (1 << 3), gpa, four, ua), EINVAL),
                // alignment (kvm_main.c 757-765)
                Arguments.of("memory_size one byte over a page", region(5, 0, gpa, PAGE_SIZE + 1, ua), EINVAL),
                Arguments.of("memory_size half a page", region(5, 0, gpa, PAGE_SIZE / 2, ua), EINVAL),
                Arguments.of("guest_phys_addr + 0x10", region(5, 0, gpa + 0x10, four, ua), EINVAL),
                Arguments.of("guest_phys_addr + 0x800", region(5, 0, gpa + 0x800, four, ua), EINVAL),
                Arguments.of("userspace_addr + 8", region(5, 0, gpa, four, ua + 8), EINVAL),
                Arguments.of("userspace_addr + 0xfff", region(5, 0, gpa, four, ua + 0xfff), EINVAL),
                // access_ok (uaccess.h 44-61, 88-89) against TASK_SIZE_MAX (processor.h 897)
                Arguments.of("user range ends one page past TASK_SIZE_MAX", region(5, 0, gpa, 2 * PAGE_SIZE, taskSizeMax - PAGE_SIZE), EINVAL),
                Arguments.of("user range starts at TASK_SIZE_MAX", region(5, 0, gpa, PAGE_SIZE, taskSizeMax), EINVAL),
                Arguments.of("user range in the kernel half", region(5, 0, gpa, PAGE_SIZE, 0xffff880000000000L), EINVAL),
                Arguments.of("user range wraps around 2^64", region(5, 0, gpa, 2 * PAGE_SIZE, -PAGE_SIZE), EINVAL),
                // guest range wrap (kvm_main.c 770)
                Arguments.of("guest range wraps past 2^64", region(5, 0, -PAGE_SIZE, 2 * PAGE_SIZE, ua), EINVAL),
                Arguments.of("guest range ends exactly at 2^64 (sum 0)", region(5, 0, -four, four, ua), EINVAL),
                // page count (kvm_main.c 778), with a user range that access_ok accepts
                Arguments.of("KVM_MEM_MAX_NR_PAGES + 1 pages", region(5, 0, 1L << 44, (KVM_MEM_MAX_NR_PAGES + 1) << PAGE_SHIFT, PAGE_SIZE), EINVAL),
                Arguments.of("2^34 pages", region(5, 0, 1L << 44, 1L << 46, PAGE_SIZE), EINVAL),
                // overlaps with user slot 0 [0x100, 0x140) (kvm_main.c 815-825)
                Arguments.of("inside slot 0", pages(5, 0, 0x110, 0x10), EEXIST),
                Arguments.of("straddles the start of slot 0", pages(5, 0, 0xf0, 0x20), EEXIST),
                Arguments.of("straddles the end of slot 0", pages(5, 0, 0x130, 0x20), EEXIST),
                Arguments.of("encloses slot 0", pages(5, 0, 0x80, 0x180), EEXIST),
                Arguments.of("the same range as slot 0", pages(5, 0, SLOT0_GFN, SLOT0_PAGES), EEXIST),
                Arguments.of("the last page of slot 0", pages(5, 0, SLOT0_GFN + SLOT0_PAGES - 1, 1), EEXIST),
                Arguments.of("the first page of slot 0 with logging", pages(5, KVM_MEM_LOG_DIRTY_PAGES, SLOT0_GFN, 1), EEXIST),
                Arguments.of("straddles the end of logged slot 1", pages(5, 0, SLOT1_GFN + SLOT1_PAGES - 1, 8), EEXIST),
                Arguments.of("encloses both slots", pages(5, 0, 0, 0x2000), EEXIST),
                // the sanity checks come before the overlap check
                Arguments.of("overlapping and misaligned userspace_addr", region(5, 0, SLOT0_GFN << PAGE_SHIFT, four, ua + 8), EINVAL),
                // modifying an existing slot (kvm_main.c 794-799): size, user address, READONLY are fixed
                Arguments.of("slot 0 grown by a page", pages(SLOT0, 0, SLOT0_GFN, SLOT0_PAGES + 1), EINVAL),
                Arguments.of("slot 0 shrunk to half", pages(SLOT0, 0, SLOT0_GFN, SLOT0_PAGES / 2), EINVAL),
                Arguments.of("slot 0 at another userspace_addr",
                        region(SLOT0, 0, SLOT0_GFN << PAGE_SHIFT, SLOT0_PAGES << PAGE_SHIFT, USER_BASE + (SLOT0_GFN << PAGE_SHIFT) + 0x100000), EINVAL),
                Arguments.of("slot 0 made READONLY", pages(SLOT0, KVM_MEM_READONLY, SLOT0_GFN, SLOT0_PAGES), EINVAL),
                Arguments.of("logged slot 1 made READONLY", pages(SLOT1, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, SLOT1_GFN, SLOT1_PAGES), EINVAL),
                // moving slot 0 onto slot 1 is a KVM_MR_MOVE that fails the overlap check
                Arguments.of("slot 0 moved onto slot 1",
                        region(SLOT0, 0, SLOT1_GFN << PAGE_SHIFT, SLOT0_PAGES << PAGE_SHIFT, USER_BASE + (SLOT0_GFN << PAGE_SHIFT)), EEXIST),
                // a zero-sized request for a slot that does not exist (kvm_main.c 812-813)
                Arguments.of("delete of never-created slot 9", region(9, 0, 0, 0, ua), EINVAL),
                Arguments.of("delete of never-created slot 9 with logging", region(9, KVM_MEM_LOG_DIRTY_PAGES, gpa, 0, ua), EINVAL));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusedRegions")
    void setUserMemoryRegionRefusesAndChangesNothing(String what, kvm_userspace_memory_region mem, int err) {
        kvm_userspace_memory_region asPassed = mem.copy();
        VmState before = new VmState();

        assertErrno(-err, ioctl(KVM_SET_USER_MEMORY_REGION, mem), what);

        before.assertUnchanged(what);
        // the kernel works on its copy of the struct; the caller's is never written
        assertEquals(asPassed.slot, mem.slot);
        assertEquals(asPassed.flags, mem.flags);
        assertEquals(asPassed.guest_phys_addr, mem.guest_phys_addr);
        assertEquals(asPassed.memory_size, mem.memory_size);
        assertEquals(asPassed.userspace_addr, mem.userspace_addr);
    }

    static Stream<Arguments> badArguments() {
        return Stream.of(
                Arguments.of(KVM_SET_USER_MEMORY_REGION, null),
                Arguments.of(KVM_SET_USER_MEMORY_REGION, new kvm_dirty_log(SLOT1, new long[4])),
                Arguments.of(KVM_SET_USER_MEMORY_REGION, Integer.valueOf(0)),
                Arguments.of(KVM_SET_USER_MEMORY_REGION, "not a struct"),
                Arguments.of(KVM_GET_DIRTY_LOG, null),
                Arguments.of(KVM_GET_DIRTY_LOG, pages(SLOT1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GFN, SLOT1_PAGES)),
                Arguments.of(KVM_GET_DIRTY_LOG, new long[4]));
    }

    /** copy_from_user of the ioctl argument fails: -EFAULT before anything is looked at (kvm_main.c 2342-2357). */
    @ParameterizedTest(name = "ioctl {0} with {1} -> EFAULT")
    @MethodSource("badArguments")
    void unreadableArgumentIsEfault(int nr, Object arg) {
        VmState before = new VmState();
        assertErrno(-EFAULT, ioctl(nr, arg), "ioctl " + Integer.toHexString(nr));
        before.assertUnchanged("bad argument");
    }

    static int _IOW(int type, int nr, int size) {
        return (1 << 30) | (size << 16) | (type << 8) | nr;
    }

    /**
     * Anything the port does not know falls to kvm_arch_vm_ioctl, which answers -ENOTTY
     * (kvm_main.c 2488-2491). The size is part of the number, so KVM_GET_DIRTY_LOG or
     * KVM_SET_USER_MEMORY_REGION with another struct size is another, unknown, ioctl.
     */
    @Test
    void unknownIoctlIsEnotty() {
        VmState before = new VmState();
        int[] unknown = {
            0,
            0xdeadbeef,
            _IOW(KVMIO, 0xff, 8),
            _IOW(KVMIO, 0x42, 8), // KVM_GET_DIRTY_LOG's number with a wrong size
            _IOW(KVMIO, 0x46, 16), // KVM_SET_USER_MEMORY_REGION's number with a wrong size
            KVM_GET_DIRTY_LOG | (1 << 31), // _IOWR instead of _IOW
        };
        for (int nr : unknown) {
            assertErrno(-ENOTTY, ioctl(nr, new kvm_dirty_log(SLOT1, new long[4])), "ioctl 0x" + Integer.toHexString(nr));
            assertErrno(-ENOTTY, ioctl(nr, pages(7, 0, FREE_GFN, 4)), "ioctl 0x" + Integer.toHexString(nr));
            assertErrno(-ENOTTY, ioctl(nr, null), "ioctl 0x" + Integer.toHexString(nr));
        }
        before.assertUnchanged("unknown ioctls");
    }

    /** KVM_CREATE_VCPU: id below KVM_MAX_VCPUS (kvm_main.c 1899) and not in use (kvm_main.c 1922-1926). */
    @Test
    void createVcpuRefusesBadAndDuplicateIds() {
        VmState before = new VmState();
        assertErrno(-EINVAL, ioctl(KVM_CREATE_VCPU, KVM_MAX_VCPUS), "vcpu id KVM_MAX_VCPUS");
        assertErrno(-EINVAL, ioctl(KVM_CREATE_VCPU, -1), "vcpu id 0xffffffff");
        assertErrno(-EEXIST, ioctl(KVM_CREATE_VCPU, 0), "vcpu id 0 again");
        before.assertUnchanged("refused KVM_CREATE_VCPU");
        assertSame(vcpu, vm.kvm.vcpus[0]);
        assertNull(vm.kvm.vcpus[1]);
    }

    // ---------------------------------------------------------------------------------------
    // KVM_SET_USER_MEMORY_REGION: accepted requests

    @Test
    void flagsOnlyNoOpReturnsZeroAndChangesNothing() {
        // kvm_main.c 805-808: same base, size, user address and flags: nothing to change, 0
        VmState before = new VmState();
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT0, 0, SLOT0_GFN, SLOT0_PAGES)), "slot 0 as it is");
        before.assertUnchanged("no-op on slot 0");

        // On the logged slot: no new bitmap, no write-protect pass (the written pages stay
        // writable, their dirty bits stay set), since kvm_arch_commit_memory_region never runs.
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GFN, SLOT1_PAGES)),
                "slot 1 as it is");
        before.assertUnchanged("no-op on logged slot 1");
        for (long g : SLOT1_WRITTEN) {
            assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, SLOT1_GFN + g)), "page " + g + " still writable");
            assertTrue(liveBit(slot(SLOT1), g), "dirty bit of page " + g + " still set");
        }
    }

    @Test
    void createSlotPublishesNewMemslots() {
        kvm_memslots old = vm.kvm.memslots;
        long gen = old.generation;
        int used = vm.kvm.arch.n_used_mmu_pages;
        long gfn = 0x4000;
        long npages = 100;

        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, 0, gfn, npages)), "create slot 3");

        kvm_memslots now = vm.kvm.memslots;
        assertNotSame(old, now, "a new kvm_memslots is published (kvm_main.c 893)");
        assertEquals(gen + 1, now.generation, "generation bumped (kvm_main.c 701)");
        kvm_memory_slot s = slot(3);
        assertEquals(3, s.id);
        assertEquals(gfn, s.base_gfn);
        assertEquals(npages, s.npages);
        assertEquals(USER_BASE + (gfn << PAGE_SHIFT), s.userspace_addr);
        assertEquals(0, s.flags);
        assertNull(s.dirty_bitmap, "no logging, no bitmap");
        assertEquals(npages, s.arch.rmap[0].length, "one 4K rmap head per page");
        // the old slots are unchanged, and the array stays sorted by size, largest first
        assertEquals(SLOT1_PAGES, slot(SLOT1).npages);
        assertEquals(SLOT0_PAGES, slot(SLOT0).npages);
        for (int i = 1; i < KVM_MEM_SLOTS_NUM; i++) {
            assertTrue(now.memslots[i - 1].npages >= now.memslots[i].npages, "sorted at index " + i);
            assertEquals(i, now.id_to_index[now.memslots[i].id]);
        }
        assertEquals(used, vm.kvm.arch.n_used_mmu_pages, "no shadow page is made by a slot change");
        // a gfn of the new slot can be faulted in
        assertEquals(0, BareVm.fault(vcpu, gfn + 7, true, false));
        assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, gfn + 7)));
        assertEquals(warningsBefore, bug.warningCount());
    }

    @Test
    void boundaryRegionsThatAreValid() {
        // the user range may end exactly at TASK_SIZE_MAX (access_ok allows end == limit)
        long top = processor.TASK_SIZE_MAX;
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, region(3, 0, 0x4000L << PAGE_SHIFT, 2 * PAGE_SIZE, top - 2 * PAGE_SIZE)),
                "user range ending at TASK_SIZE_MAX");
        // the guest range may end one page below 2^64 (the sum does not wrap)
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, region(4, 0, -8 * PAGE_SIZE, 4 * PAGE_SIZE, USER_BASE + 0x10000000L)),
                "guest range just below 2^64");
        // slots that touch slot 0 on either side do not overlap it
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(5, 0, SLOT0_GFN - 0x40, 0x40)), "slot ending where slot 0 starts");
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(6, 0, SLOT0_GFN + SLOT0_PAGES, 0x40)), "slot starting where slot 0 ends");
        // slot 124 is the last user slot
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(KVM_USER_MEM_SLOTS - 1, 0, 0x9000, 1)), "slot 124");
        assertEquals(1, slot(KVM_USER_MEM_SLOTS - 1).npages);
        assertEquals(warningsBefore, bug.warningCount());
    }

    /** x86 has KVM_CAP_READONLY_MEM, so KVM_MEM_READONLY is a valid flag (kvm_main.c 706-710), alone or with logging. */
    @Test
    void readonlySlotsAreAccepted() {
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, KVM_MEM_READONLY, 0x4000, 8)), "READONLY slot");
        assertEquals(KVM_MEM_READONLY, slot(3).flags);
        assertNull(slot(3).dirty_bitmap);
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(4, KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES, 0x5000, 8)),
                "READONLY logged slot");
        assertNotNull(slot(4).dirty_bitmap);
        // turning logging on for the READONLY slot keeps READONLY: a flags-only change
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES, 0x4000, 8)),
                "logging on for the READONLY slot");
        assertNotNull(slot(3).dirty_bitmap);
        assertEquals(warningsBefore, bug.warningCount());
    }

    /** The overlap check skips private slots (kvm_main.c 819-821): only user slots may not overlap. */
    @Test
    void overlapWithPrivateSlotIsAllowed() {
        long gfn = 0x8000;
        // private slots are made by the kernel itself, through kvm_set_memory_region directly
        assertEquals(0, kvm_main.kvm_set_memory_region(vm.kvm, region(KVM_USER_MEM_SLOTS, 0, gfn << PAGE_SHIFT, 16 * PAGE_SIZE, 0)));
        assertEquals(16, slot(KVM_USER_MEM_SLOTS).npages);
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(4, 0, gfn, 16)), "user slot over private slot 125");
        assertEquals(gfn, slot(4).base_gfn);
        // but a second user slot over the same range is refused
        assertErrno(-EEXIST, ioctl(KVM_SET_USER_MEMORY_REGION, pages(5, 0, gfn + 4, 4)), "user slot over user slot 4");
    }

    @Test
    void enablingLoggingAllocatesTwoBitmapsAndWriteProtects() {
        kvm_memslots old = vm.kvm.memslots;
        long gen = old.generation;
        long[] rmap = slot(SLOT0).arch.rmap[0];
        int used = vm.kvm.arch.n_used_mmu_pages;
        for (long g : SLOT0_WRITTEN) {
            assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, SLOT0_GFN + g)));
        }

        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT0, KVM_MEM_LOG_DIRTY_PAGES, SLOT0_GFN, SLOT0_PAGES)),
                "enable logging on slot 0");

        assertNotSame(old, vm.kvm.memslots);
        assertEquals(gen + 1, vm.kvm.memslots.generation, "generation bumped");
        kvm_memory_slot s = slot(SLOT0);
        assertEquals(KVM_MEM_LOG_DIRTY_PAGES, s.flags);
        assertNotNull(s.dirty_bitmap, "bitmap allocated (kvm_main.c 841-844)");
        long n = kvm_host_h.kvm_dirty_bitmap_bytes(s);
        assertEquals(8, n, "64 pages: one long");
        assertEquals(0, s.dirty_bitmap.off);
        assertEquals(2 * n, 8L * s.dirty_bitmap.base.length, "2 x kvm_dirty_bitmap_bytes (kvm_main.c 648)");
        for (long w : s.dirty_bitmap.base) {
            assertEquals(0, w, "a new bitmap is zeroed");
        }
        assertSame(rmap, s.arch.rmap[0], "a flags-only change keeps the rmaps");
        assertEquals(SLOT0_GFN, s.base_gfn);
        assertEquals(SLOT0_PAGES, s.npages);
        // kvm_arch_commit_memory_region (x86.c 7348-7349) write-protected the slot for logging
        for (long g : SLOT0_WRITTEN) {
            long spte = BareVm.leafSpte(vcpu, SLOT0_GFN + g);
            assertFalse(mmu_h.is_writable_pte(spte), "page " + g + " write-protected");
            assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0, "page " + g + " keeps SPTE_MMU_WRITEABLE");
        }
        assertEquals(used, vm.kvm.arch.n_used_mmu_pages);
        // and the log of the new slot starts empty
        assertArrayEquals(new long[1], vm.getDirtyLog(SLOT0, SLOT0_PAGES));
        assertEquals(warningsBefore, bug.warningCount());
    }

    @Test
    void disablingLoggingFreesTheBitmap() {
        long gen = vm.kvm.memslots.generation;
        long[] sptesBefore = new VmState().slot1Sptes;
        LongPtr oldBitmap = slot(SLOT1).dirty_bitmap;
        assertNotNull(oldBitmap);

        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT1, 0, SLOT1_GFN, SLOT1_PAGES)), "disable logging on slot 1");

        assertEquals(gen + 1, vm.kvm.memslots.generation);
        assertNull(slot(SLOT1).dirty_bitmap, "bitmap freed (kvm_main.c 828-829)");
        assertEquals(0, slot(SLOT1).flags);
        assertArrayEquals(sptesBefore, new VmState().slot1Sptes, "turning logging off does not touch sptes");
        assertErrno(-ENOENT, ioctl(KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT1, new long[4])), "log of an unlogged slot");

        // turned on again: a fresh, zeroed bitmap
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GFN, SLOT1_PAGES)), "re-enable");
        LongPtr fresh = slot(SLOT1).dirty_bitmap;
        assertNotNull(fresh);
        assertNotSame(oldBitmap.base, fresh.base);
        assertEquals(2 * 4, fresh.base.length, "200 pages: 4 longs per half");
        assertTrue(Arrays.stream(fresh.base).allMatch(w -> w == 0));
        assertEquals(gen + 2, vm.kvm.memslots.generation);
        assertEquals(warningsBefore, bug.warningCount());
    }

    @Test
    void createWithLoggingAllocatesTheBitmap() {
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, KVM_MEM_LOG_DIRTY_PAGES, 0x4000, 65)), "create logged slot");
        kvm_memory_slot s = slot(3);
        assertEquals(16, kvm_host_h.kvm_dirty_bitmap_bytes(s), "65 pages round up to two longs");
        assertEquals(4, s.dirty_bitmap.base.length);
        assertArrayEquals(new long[2], vm.getDirtyLog(3, 65));
    }

    // ---------------------------------------------------------------------------------------
    // KVM_SET_USER_MEMORY_REGION: allocations that fail (fault injection, CONFIG_FAILSLAB and
    // CONFIG_FAIL_PAGE_ALLOC): -ENOMEM through out_free (kvm_main.c 832-844, 918-919), nothing changed

    @AfterEach
    void disarmFaultInjection() {
        FaultInjection.disarm();
    }

    @Test
    void enablingLoggingWhenTheBitmapCannotBeAllocatedIsEnomem() {
        VmState before = new VmState();
        FaultInjection.failslab(0, 1);
        assertErrno(-ENOMEM, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT0, KVM_MEM_LOG_DIRTY_PAGES, SLOT0_GFN, SLOT0_PAGES)),
                "enable logging on slot 0, kvm_create_dirty_bitmap's kzalloc failing");
        assertEquals(0, failslab.attr.times.get(), "the bitmap's allocation was the one that failed");
        before.assertUnchanged("after the failed kvm_create_dirty_bitmap");
        assertNull(slot(SLOT0).dirty_bitmap);
        // disarmed, the same request succeeds
        FaultInjection.disarm();
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT0, KVM_MEM_LOG_DIRTY_PAGES, SLOT0_GFN, SLOT0_PAGES)), "again");
        assertNotNull(slot(SLOT0).dirty_bitmap);
    }

    @Test
    void enablingLoggingWhenTheMemslotsCopyCannotBeAllocatedIsEnomem() {
        VmState before = new VmState();
        // the 16-byte bitmap (kmalloc-32) passes and leaves 1 byte of space; kmemdup (kvm_main.c 881-884) fails
        FaultInjection.failslab(32 + 1, 1);
        assertErrno(-ENOMEM, ioctl(KVM_SET_USER_MEMORY_REGION, pages(SLOT0, KVM_MEM_LOG_DIRTY_PAGES, SLOT0_GFN, SLOT0_PAGES)),
                "enable logging on slot 0, kmemdup of the memslots failing");
        assertEquals(1, failslab.attr.space.get(), "the bitmap took its 32 bytes of space");
        assertEquals(0, failslab.attr.times.get());
        before.assertUnchanged("after the failed kmemdup (the new bitmap freed by out_free)");
    }

    @Test
    void creatingASlotWhoseRmapCannotBeAllocatedIsEnomem() {
        VmState before = new VmState();
        FaultInjection.failslab(0, 1);
        assertErrno(-ENOMEM, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, 0, 0x4000, 16)),
                "create slot 3, kvm_arch_create_memslot's first kzalloc (rmap[0]) failing");
        assertEquals(0, failslab.attr.times.get());
        before.assertUnchanged("after the failed kvm_arch_create_memslot");
        assertEquals(0, slot(3).npages, "slot 3 not created");
        assertNull(slot(3).arch.rmap[0]);
    }

    @Test
    void creatingASlotWhoseLpageInfoCannotBeAllocatedIsEnomem() {
        VmState before = new VmState();
        // rmap[0] of 16 pages is 128 bytes (kmalloc-128): it passes, lpage_info[0] fails
        FaultInjection.failslab(128 + 1, 1);
        assertErrno(-ENOMEM, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, 0, 0x4000, 16)),
                "create slot 3, kvm_arch_create_memslot's lpage_info[0] failing");
        assertEquals(1, failslab.attr.space.get(), "rmap[0] took its 128 bytes of space");
        assertEquals(0, failslab.attr.times.get());
        before.assertUnchanged("after the failed kvm_arch_create_memslot (rmap[0] freed by out_free)");
        assertEquals(0, slot(3).npages);
        assertNull(slot(3).arch.rmap[0], "out_free freed what was allocated");
    }

    @Test
    void creatingASlotWhoseVzallocedRmapCannotGetAPageIsEnomem() {
        VmState before = new VmState();
        // 1024 pages: rmap[0] is 8 KiB, above a page, so kvm_kvzalloc vzallocs it (kvm_main.c 529-530)
        FaultInjection.fail_page_alloc(1 + 1, 1);
        assertErrno(-ENOMEM, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, 0, 0x4000, 1024)),
                "create slot 3, the second page of rmap[0]'s vzalloc failing");
        assertEquals(1, page_alloc.fail_page_alloc.attr.space.get(), "the first page took one page of space");
        assertEquals(0, page_alloc.fail_page_alloc.attr.times.get());
        before.assertUnchanged("after the failed vzalloc");
        assertEquals(0, slot(3).npages);
    }

    @Test
    void disarmedInjectionChangesNothing() {
        assertEquals(0, failslab.attr.probability, "failslab is off at boot");
        assertEquals(0, page_alloc.fail_page_alloc.attr.probability, "fail_page_alloc is off at boot");
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(3, 0, 0x4000, 1024)), "create a vzalloc-sized slot");
        assertErrno(0, ioctl(KVM_SET_USER_MEMORY_REGION, pages(4, KVM_MEM_LOG_DIRTY_PAGES, 0x8000, 16)), "create a logged slot");
        assertEquals(1, failslab.attr.times.get(), "nothing consulted an armed attr");
    }

    // ---------------------------------------------------------------------------------------
    // KVM_GET_DIRTY_LOG

    static Stream<Arguments> refusedLogs() {
        return Stream.of(
                Arguments.of("slot 125", KVM_USER_MEM_SLOTS, EINVAL),
                Arguments.of("slot 127", KVM_MEM_SLOTS_NUM - 1, EINVAL),
                Arguments.of("slot 128", KVM_MEM_SLOTS_NUM, EINVAL),
                Arguments.of("slot 0xffffffff", -1, EINVAL),
                Arguments.of("slot 0 without logging", SLOT0, ENOENT),
                Arguments.of("never-created slot 9", 9, ENOENT),
                Arguments.of("slot 124, the last user slot, empty", KVM_USER_MEM_SLOTS - 1, ENOENT));
    }

    /** x86.c 3611-3619: the slot checks come before the bitmap is touched. */
    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("refusedLogs")
    void getDirtyLogRefusesAndChangesNothing(String what, int slot, int err) {
        long[] buf = new long[8];
        Arrays.fill(buf, 0x5a5a5a5a5a5a5a5aL);
        VmState before = new VmState();

        assertErrno(-err, ioctl(KVM_GET_DIRTY_LOG, new kvm_dirty_log(slot, buf)), what);

        before.assertUnchanged(what);
        for (long w : buf) {
            assertEquals(0x5a5a5a5a5a5a5a5aL, w, "user buffer untouched");
        }
    }

    /**
     * A user buffer that is missing or shorter than kvm_dirty_bitmap_bytes: v3.16 has already
     * taken the live words with xchg (x86.c 3637), write-protected the pages (3641) and flushed
     * (3654) when copy_to_user fails (3657), so the ioctl returns -EFAULT and those dirty bits are
     * gone: the next successful call does not report them. The snapshot stays in the second half
     * of the bitmap. Pages written after the failed call are logged again as usual.
     */
    @ParameterizedTest(name = "buffer of {0} longs")
    @MethodSource("tooSmallBuffers")
    void efaultOnTheUserBufferLosesTheTakenBits(Integer longs) {
        kvm_memory_slot s = slot(SLOT1);
        int words = (int) (kvm_host_h.kvm_dirty_bitmap_bytes(s) / 8);
        long[] expected = new long[words];
        for (long g : SLOT1_WRITTEN) {
            assertTrue(liveBit(s, g), "page " + g + " dirty before the call");
            assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, SLOT1_GFN + g)));
            expected[(int) (g / 64)] |= 1L << (g % 64);
        }
        kvm_memslots memslots = vm.kvm.memslots;
        long gen = memslots.generation;
        int used = vm.kvm.arch.n_used_mmu_pages;
        long[] buf = longs == null ? null : new long[longs];

        assertErrno(-EFAULT, ioctl(KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT1, buf)), "short buffer");

        // memslots untouched
        assertSame(memslots, vm.kvm.memslots);
        assertEquals(gen, vm.kvm.memslots.generation);
        assertSame(s, slot(SLOT1));
        assertEquals(used, vm.kvm.arch.n_used_mmu_pages);
        // the live half was emptied and the taken bits sit in the buffer half
        for (int i = 0; i < words; i++) {
            assertEquals(0, s.dirty_bitmap.at(i), "live word " + i + " taken by xchg");
            assertEquals(expected[i], s.dirty_bitmap.at(words + i), "snapshot word " + i);
        }
        // the pages were write-protected for logging and the flush was requested
        for (long g : SLOT1_WRITTEN) {
            long spte = BareVm.leafSpte(vcpu, SLOT1_GFN + g);
            assertFalse(mmu_h.is_writable_pte(spte), "page " + g + " write-protected");
            assertTrue((spte & mmu.SPTE_MMU_WRITEABLE) != 0);
        }
        assertTrue(kvm_host_h.kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu), "kvm_flush_remote_tlbs ran before the copy");
        // slot 0 (not logged) was not touched
        for (long g : SLOT0_WRITTEN) {
            assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, SLOT0_GFN + g)));
        }

        // v3.16: those bits are lost
        assertArrayEquals(new long[words], vm.getDirtyLog(SLOT1, SLOT1_PAGES), "the next harvest does not see the lost bits");

        // a new write faults (fast path) and is logged for the next call
        assertEquals(0, BareVm.fault(vcpu, SLOT1_GFN + 5, true, true));
        assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, SLOT1_GFN + 5)));
        long[] next = vm.getDirtyLog(SLOT1, SLOT1_PAGES);
        assertEquals(1L << 5, next[0]);
        assertEquals(0, next[1] | next[2] | next[3]);
        assertEquals(warningsBefore, bug.warningCount());
    }

    static Stream<Integer> tooSmallBuffers() {
        return Stream.of(null, 0, 1, 3);
    }

    @Test
    void efaultWithNothingDirtyFlushesNothing() {
        vm.getDirtyLog(SLOT1, SLOT1_PAGES); // harvest what setUp wrote
        kvm_host_h.kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);
        VmState before = new VmState();
        assertErrno(-EFAULT, ioctl(KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT1, new long[3])), "short buffer, clean slot");
        // nothing was dirty: no xchg, no write-protect, no flush (is_dirty stays false, x86.c 3653)
        before.assertUnchanged("-EFAULT on a clean slot", false);
        LongPtr bitmap = slot(SLOT1).dirty_bitmap;
        for (int i = bitmap.base.length / 2; i < bitmap.base.length; i++) {
            assertEquals(0, bitmap.base[i], "second half zeroed by the memset (x86.c 3624)");
        }
    }

    @Test
    void largeEnoughBufferGetsExactlyTheBitmapBytes() {
        // copy_to_user copies n = kvm_dirty_bitmap_bytes bytes; a longer buffer keeps its tail
        long[] buf = new long[6];
        Arrays.fill(buf, -1L);
        assertErrno(0, ioctl(KVM_GET_DIRTY_LOG, new kvm_dirty_log(SLOT1, buf)), "long buffer");
        long[] expected = new long[4];
        for (long g : SLOT1_WRITTEN) {
            expected[(int) (g / 64)] |= 1L << (g % 64);
        }
        assertArrayEquals(expected, Arrays.copyOf(buf, 4));
        assertEquals(-1L, buf[4]);
        assertEquals(-1L, buf[5]);
        // an exactly sized buffer works too, and the log is now empty
        assertArrayEquals(new long[4], vm.getDirtyLog(SLOT1, SLOT1_PAGES));
    }
}
