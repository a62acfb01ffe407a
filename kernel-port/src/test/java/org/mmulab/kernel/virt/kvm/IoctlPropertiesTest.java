// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.virt.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.mmulab.kernel.linux.errno.EIO;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mmulab.fixture.BareVm;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.processor;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.linux.Oops;
import org.mmulab.kernel.linux.kvm;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;
import org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region;

/**
 * Random programs of VM ioctls (valid and invalid slots, flags, sizes, addresses, overlaps,
 * moves, deletes, dirty-log buffers of every length, vCPUs, unknown commands, arguments of the
 * wrong type), with guest writes between them so that rmaps and dirty bits are not empty. For
 * every call: no Java exception escapes the ioctl; a call that fails (other than because the VM
 * is dead) leaves every memslot as it was; and once a call oopsed, every later call returns -EIO.
 *
 * <p>v3.16 does oops here: moving a slot with dirty logging on to a base of another 2 MiB
 * alignment indexes past its old rmap arrays. That oops is allowed, and must be that one. Each
 * program comes from its own seed, which a failure names (rerun one with
 * {@code -Dmmulab.ioctl.seed=S}). Tagged {@code oops} for the lockdep agent's pass over the suite,
 * since an oops turns lock debugging off.
 */
@Tag("oops")
class IoctlPropertiesTest {
    static final int PROGRAMS = 400;
    static final int MAX_OPS = 40;

    /** What userspace can see of a memslot, before and after a call. */
    record Slot(int id, long base_gfn, long npages, int flags, long userspace_addr, boolean logging) {}

    @Test
    void noExceptionEscapesAndAFailedCallChangesNoMemslot() {
        long only = Long.getLong("mmulab.ioctl.seed", -1);
        int oopsed = 0;
        int failedCalls = 0;
        int calls = 0;
        for (long seed = only >= 0 ? only : 1; seed <= (only >= 0 ? only : PROGRAMS); seed++) {
            int[] counts = run(seed);
            calls += counts[0];
            failedCalls += counts[1];
            oopsed += counts[2];
        }
        // the programs must reach the interesting paths, or they prove little
        assertTrue(calls > PROGRAMS * 10 || only >= 0, "calls: " + calls);
        assertTrue(failedCalls > calls / 10 || only >= 0, "rejected calls: " + failedCalls + " of " + calls);
        assertTrue(oopsed > 0 || only >= 0, "some program moved a logged slot across an alignment and oopsed");
    }

    /** Runs program {@code seed}; returns {calls, failed calls, 1 if it oopsed}. */
    private int[] run(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        BareVm vm = BareVm.create();
        kvm_vcpu writer = null;
        int calls = 0;
        int failed = 0;
        int oops = 0;
        List<String> done = new ArrayList<>();
        int n = 1 + rnd.nextInt(MAX_OPS);
        for (int i = 0; i < n; i++) {
            boolean deadBefore = vm.kvm.vm_dead;
            List<Slot> before = slots(vm.kvm);
            int oopses = Oops.count();
            int kind = rnd.nextInt(24);
            String op;
            long r;
            try {
                if (kind < 10) {
                    kvm_userspace_memory_region m = region(rnd, vm.kvm);
                    op = String.format("SET_USER_MEMORY_REGION slot %d flags %d gpa %x size %x user %x", m.slot, m.flags,
                            m.guest_phys_addr, m.memory_size, m.userspace_addr);
                    r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION, m);
                } else if (kind < 15) {
                    int slot = slot(rnd);
                    int words = new int[] {-1, 0, 1, 7, 8, 16, 40}[rnd.nextInt(7)];
                    op = "GET_DIRTY_LOG slot " + slot + " buffer " + words + " word(s)";
                    r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_GET_DIRTY_LOG, new kvm_dirty_log(slot, words < 0 ? null : new long[words]));
                } else if (kind < 17) {
                    int id = new int[] {0, 1, 2, kvm_host_h.KVM_MAX_VCPUS, -1}[rnd.nextInt(5)];
                    op = "CREATE_VCPU " + id;
                    r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_CREATE_VCPU, id);
                    if (r >= 0 && writer == null) {
                        writer = vm.kvm.vcpus[vm.kvm.online_vcpus.get() - 1];
                        kvm_main.vcpu_load(writer);
                        mmu.kvm_mmu_load(writer);
                        kvm_main.vcpu_put(writer);
                    }
                    if (r >= 0) {
                        r = 0; // the vCPU's id; nothing about memslots
                    }
                } else if (kind < 23) {
                    long gfn = rnd.nextLong(0x1400);
                    done.add("write gfn " + Long.toHexString(gfn));
                    if (writer != null && !vm.kvm.vm_dead) {
                        kvm_main.vcpu_load(writer);
                        try {
                            BareVm.fault(writer, gfn, true, false); // a guest write, to a mapped gfn or not
                        } finally {
                            kvm_main.vcpu_put(writer);
                        }
                    }
                    continue;
                } else {
                    int ioctl = new int[] {kvm_h.KVM_SET_USER_MEMORY_REGION, kvm_h.KVM_GET_DIRTY_LOG, kvm_h.KVM_CREATE_VCPU,
                        0x1234}[rnd.nextInt(4)];
                    Object arg = rnd.nextBoolean() ? null : "not the argument";
                    op = "ioctl " + Integer.toHexString(ioctl) + " with " + arg;
                    r = kvm_main.kvm_vm_ioctl(vm.kvm, ioctl, arg);
                    if (r >= 0) {
                        fail("seed " + seed + ": an unknown command or a wrong argument succeeded: " + op);
                    }
                }
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + ": a Java exception escaped after " + done, e);
            }
            calls++;
            done.add(op + " = " + r);
            String where = "seed " + seed + ", " + done;
            if (deadBefore) {
                assertEquals(-EIO, r, "a dead VM answers -EIO at once: " + where);
            } else if (vm.kvm.vm_dead) {
                oops = 1;
                assertEquals(-EIO, r, where);
                assertEquals(oopses + 1, Oops.count(), where);
                assertTrue(op.startsWith("SET_USER_MEMORY_REGION") && Oops.last().contains("kvm_mmu_slot_remove_write_access"),
                        "only a logged slot's move may oops: " + where + "\n" + Oops.last());
            } else if (r != 0) {
                failed++;
                assertEquals(before, slots(vm.kvm), "a failed call changed a memslot: " + where);
            }
        }
        return new int[] {calls, failed, oops};
    }

    private static int slot(SplittableRandom rnd) {
        int[] slots = {0, 0, 0, 1, 1, 2, kvm_host_h.KVM_USER_MEM_SLOTS - 1, kvm_host_h.KVM_USER_MEM_SLOTS,
            kvm_host_h.KVM_MEM_SLOTS_NUM, -1};
        return slots[rnd.nextInt(slots.length)];
    }

    private static kvm_userspace_memory_region region(SplittableRandom rnd, kvm k) {
        List<kvm_memory_slot> existing = new ArrayList<>();
        for (kvm_memory_slot s : k.memslots.memslots) {
            if (s.npages != 0 && s.id < kvm_host_h.KVM_USER_MEM_SLOTS) {
                existing.add(s);
            }
        }
        if (!existing.isEmpty() && rnd.nextInt(5) < 2) {
            // a change to a slot that exists: a move, a flags change, a delete, or a resize (refused)
            kvm_memory_slot old = existing.get(rnd.nextInt(existing.size()));
            long gfn = old.base_gfn;
            long npages = old.npages;
            int flags = old.flags & ~org.mmulab.kernel.linux.kvm_host_h.KVM_MEMSLOT_INVALID;
            switch (rnd.nextInt(4)) {
                case 0:
                    gfn = new long[] {0x100, 0x180, 0x200, 0x300, 0x400, 0x800, 0x2000}[rnd.nextInt(7)];
                    flags = rnd.nextBoolean() ? flags | kvm_h.KVM_MEM_LOG_DIRTY_PAGES : flags;
                    break;
                case 1:
                    flags ^= kvm_h.KVM_MEM_LOG_DIRTY_PAGES;
                    break;
                case 2:
                    npages = 0;
                    break;
                default:
                    npages = npages + 1;
                    break;
            }
            return new kvm_userspace_memory_region(old.id, flags, gfn << 12, npages << 12, old.userspace_addr);
        }
        int slot = slot(rnd);
        int[] flagChoices = {0, 0, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, kvm_h.KVM_MEM_READONLY,
            kvm_h.KVM_MEM_LOG_DIRTY_PAGES | kvm_h.KVM_MEM_READONLY, 1 << 5};
        int flags = flagChoices[rnd.nextInt(flagChoices.length)];
        long[] gfns = {0, 0x100, 0x200, 0x300, 0x400, 0x1000, rnd.nextLong(0x3000), 1L << 40, (1L << 52) - 1};
        long gfn = gfns[rnd.nextInt(gfns.length)];
        long max = org.mmulab.kernel.linux.kvm_host_h.KVM_MEM_MAX_NR_PAGES;
        long[] sizes = {0, 1, 16, 511, 512, 513, 1024, rnd.nextLong(2048), max, max + 1};
        long npages = sizes[rnd.nextInt(sizes.length)];
        long user;
        int u = rnd.nextInt(10);
        if (u <= 5) {
            user = Vmm.USER_BASE + (gfn << 12);
            kvm_memory_slot old = slot >= 0 && slot < kvm_host_h.KVM_USER_MEM_SLOTS
                    ? org.mmulab.kernel.linux.kvm_host_h.id_to_memslot(k.memslots, slot) : null;
            if (old != null && old.npages != 0 && u <= 3) {
                user = old.userspace_addr; // a move or a flags change keeps the slot's memory
            }
        } else if (u == 6) {
            user = Vmm.USER_BASE + 0x1001; // unaligned
        } else if (u == 7) {
            user = processor.TASK_SIZE_MAX - (npages << 12) + 0x1000; // one page past the top of user space
        } else if (u == 8) {
            user = 0x1000_0000_0000L;
        } else {
            user = -4096L; // wraps
        }
        return new kvm_userspace_memory_region(slot, flags, gfn << 12, npages << 12, user);
    }

    private static List<Slot> slots(kvm k) {
        List<Slot> out = new ArrayList<>();
        for (kvm_memory_slot s : k.memslots.memslots) {
            if (s.npages != 0) {
                out.add(new Slot(s.id, s.base_gfn, s.npages, s.flags, s.userspace_addr, s.dirty_bitmap != null));
            }
        }
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }
}
