// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.virt.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.KernelBug;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.fixture.BareVm;

/**
 * Deleting and moving a memslot (kvm_main.c 846-868, 887-891): the slot is published invalid,
 * every shadow page is zapped (mmu.c 4404-4423), the vCPUs are told to reload, and a root stays
 * allocated until its vCPU lets go of it (mmu.c 2958-2982).
 */
class SlotDeleteMoveTest {

    @Test
    void deleteZapsEveryShadowPageAndTheRootGoesWhenTheVcpuReloads() {
        BareVm vm = BareVm.create(false);
        vm.addSlot(0, 0x100, 64, true);
        kvm_vcpu vcpu = vm.addVcpu(0);
        for (long g = 0; g < 64; g++) {
            assertEquals(0, BareVm.fault(vcpu, 0x100 + g, true, false));
        }
        int used = vm.kvm.arch.n_used_mmu_pages;
        assertEquals(4, used, "root + 3 table levels");
        long root = vcpu.arch.mmu.root_hpa;
        long leafTable = BareVm.leafSptep(vcpu, 0x100) & mm.PAGE_MASK;
        long generation = vm.kvm.memslots.generation;

        assertEquals(0, vm.setRegion(0, 0, 0x100, 0), "KVM_SET_USER_MEMORY_REGION with size 0 deletes");

        assertEquals(generation + 2, vm.kvm.memslots.generation, "published twice: invalid, then gone");
        assertNull(kvm_main.gfn_to_memslot(vm.kvm, 0x100), "no slot maps the gfn any more");
        assertEquals(1, vm.kvm.arch.n_used_mmu_pages, "only the root, still in use by the vCPU, is left");
        kvm_mmu_page rootSp = kvm_host_h.page_header(root);
        assertEquals(1, rootSp.role.invalid, "the root is zapped (invalid) but not freed");
        assertEquals(0L, mm.deref(root + 8L * mmu.PT64_INDEX(0x100L << 12, 4)), "its entries are cleared");
        assertThrows(KernelBug.class, () -> mm.deref(leafTable), "the leaf table page was freed");
        assertTrue(org.mmulab.kernel.linux.bitops.test_bit(
                org.mmulab.kernel.linux.kvm_host_h.KVM_REQ_MMU_RELOAD, vcpu.requests), "the vCPU must reload");

        // What vcpu_enter_guest does with KVM_REQ_MMU_RELOAD, then the next entry loads a new root.
        mmu.kvm_mmu_unload(vcpu);
        assertEquals(0, vm.kvm.arch.n_used_mmu_pages, "the last user freed the invalid root");
        assertThrows(KernelBug.class, () -> mm.deref(root));
        assertEquals(0, mmu_h.kvm_mmu_reload(vcpu));
        assertNotEquals(root, vcpu.arch.mmu.root_hpa);

        // The slot id can be used again.
        vm.addSlot(0, 0x100, 64, false);
        assertEquals(0, BareVm.fault(vcpu, 0x105, true, false));
        assertTrue(mmu_h.is_writable_pte(BareVm.leafSpte(vcpu, 0x105)));
    }

    @Test
    void moveRemapsTheSlotAtItsNewGfns() {
        BareVm vm = BareVm.create(true);
        vm.addSlot(3, 0x200, 16, false);
        kvm_vcpu vcpu = vm.addVcpu(0);
        assertEquals(0, BareVm.fault(vcpu, 0x203, true, false));
        long pfn = mmu.spte_to_pfn(BareVm.leafSpte(vcpu, 0x203));
        kvm_memory_slot before = kvm_main.gfn_to_memslot(vm.kvm, 0x203);

        // same size and user address, new guest address: KVM_MR_MOVE
        assertEquals(0, kvm_main.kvm_vm_ioctl(vm.kvm, org.mmulab.kernel.uapi.linux.kvm_h.KVM_SET_USER_MEMORY_REGION,
                new org.mmulab.kernel.uapi.linux.kvm_userspace_memory_region(3, 0, 0x800L << 12, 16L << 12,
                        Vmm.USER_BASE + (0x200L << 12))));
        assertNull(kvm_main.gfn_to_memslot(vm.kvm, 0x203));
        kvm_memory_slot after = kvm_main.gfn_to_memslot(vm.kvm, 0x803);
        assertEquals(0x800, after.base_gfn);
        assertSame(before.arch.rmap[0], after.arch.rmap[0], "a moved slot keeps its (now empty) rmaps");
        for (long r : after.arch.rmap[0]) {
            assertEquals(0, r, "every rmap emptied by the zap");
        }

        mmu.kvm_mmu_unload(vcpu);
        mmu_h.kvm_mmu_reload(vcpu);
        assertEquals(0, BareVm.fault(vcpu, 0x803, true, false));
        assertEquals(pfn, mmu.spte_to_pfn(BareVm.leafSpte(vcpu, 0x803)), "same host page, new guest address");
        assertEquals(0, BareVm.leafSpte(vcpu, 0x203));
    }

    @Test
    void theZapWaitsForALocklessWalkBeforeFreeingTables() throws Exception {
        BareVm vm = BareVm.create(false);
        vm.addSlot(0, 0x100, 8, false);
        kvm_vcpu vcpu = vm.addVcpu(0);
        assertEquals(0, BareVm.fault(vcpu, 0x101, true, false));

        CountDownLatch walking = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicBoolean sawTable = new AtomicBoolean();
        Thread walker = new Thread(() -> {
            kvm_main.vcpu_load(vcpu); // this thread is now the vCPU's CPU
            mmu.walk_shadow_page_lockless_begin(vcpu);
            try {
                walking.countDown();
                finish.await(10, TimeUnit.SECONDS);
                // still inside the walk: the table must not have been freed under us
                sawTable.set(mm.deref(BareVm.leafSptep(vcpu, 0x101)) != 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                mmu.walk_shadow_page_lockless_end(vcpu);
                kvm_main.vcpu_put(vcpu); // the thread ends: it gives vcpu->mutex back (lockdep's reaper would report it)
            }
        }, "lockless-walker");
        walker.start();
        assertTrue(walking.await(10, TimeUnit.SECONDS));

        AtomicBoolean deleted = new AtomicBoolean();
        Thread vmm = new Thread(() -> deleted.set(vm.setRegion(0, 0, 0x100, 0) == 0), "vmm");
        vmm.start();
        vmm.join(300);
        assertFalse(deleted.get(), "the zap's flush waits for the walker's interrupts to come back on");
        assertTrue(vmm.isAlive());

        finish.countDown();
        walker.join(10_000);
        vmm.join(10_000);
        assertFalse(vmm.isAlive(), "the zap finished once the walk ended");
        assertTrue(deleted.get());
        assertTrue(sawTable.get(), "the walker read a live table until it left");
    }
}
