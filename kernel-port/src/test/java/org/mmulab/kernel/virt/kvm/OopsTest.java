// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.virt.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmulab.kernel.linux.errno.EIO;
import static org.mmulab.kernel.linux.errno.ENOMEM;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mmulab.fixture.BareVm;
import org.mmulab.fixture.Vmm;
import org.mmulab.kernel.linux.KernelBug;
import org.mmulab.kernel.linux.Oops;
import org.mmulab.kernel.linux.VmDeadException;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.kernel.linux.task_struct;
import org.mmulab.kernel.uapi.linux.kvm_dirty_log;
import org.mmulab.kernel.uapi.linux.kvm_h;

/**
 * A Java exception inside a kernel path is an oops, not a wedged VM: it is printed in v3.16's
 * shape with the spinlocks the task still holds, the VM is dead, every later ioctl on it returns
 * -EIO at once, and a task waiting for a lock the oops left held gives up. Tagged {@code oops}:
 * an oops turns lock debugging off, so these do not run in the lockdep agent's pass over the suite.
 */
@Tag("oops")
class OopsTest {
    static final long BASE = 0x200;
    static final long PAGES = 512;

    /**
     * v3.16 keeps a moved slot's rmap and large-page arrays (sized for the old base) when the slot
     * moves; with dirty logging on, the commit write-protects the slot at its new base and indexes
     * past them. Upstream fixed it in 2020 by allocating new arrays on a move.
     */
    @Test
    void movingALoggedSlotToAnotherAlignmentOopsAndLeavesTheVmDeadNotHung() throws Exception {
        BareVm vm = BareVm.create();
        vm.addSlot(0, BASE, PAGES, true);
        kvm_vcpu vcpu = vm.addVcpu(0);
        BareVm.write(vcpu, BASE + 3);
        int oopses = Oops.count();

        long userspace = Vmm.USER_BASE + (BASE << 12);
        long r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                Vmm.region(0, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, BASE + 0x100, PAGES, userspace));

        assertEquals(-EIO, r, "the task that oopsed gets -EIO");
        assertEquals(oopses + 1, Oops.count());
        String oops = Oops.last();
        // the index one past the old slot's level-2 rmap array: &rmap[index] is out of bounds
        assertTrue(oops.startsWith("BUG: unable to handle kernel paging request at IndexOutOfBoundsException: "
                + "pointer outside its array: 1 of 1\nIP: [<linux.LongPtr.<init>(LongPtr.java:"), oops);
        assertTrue(oops.contains("\nOops: 0000 [#"), oops);
        assertTrue(oops.contains("Tainted: G      D"), oops);
        assertTrue(oops.contains("\n [<arch.x86.kvm.mmu.kvm_mmu_slot_remove_write_access(mmu.java:"), oops);
        assertTrue(oops.contains("\n [<arch.x86.kvm.x86.kvm_arch_commit_memory_region(x86.java:"), oops);
        assertTrue(oops.contains("\n [<virt.kvm.kvm_main.kvm_vm_ioctl(kvm_main.java:"), oops);
        assertFalse(oops.contains("OopsTest"), "user space is not in the call trace: " + oops);
        assertTrue(oops.contains("oopsed holding &kvm->mmu_lock"), oops);
        assertTrue(oops.contains("kvm: the VM is dead: every ioctl on it returns -EIO"), oops);
        assertTrue(oops.endsWith(" ]---") && oops.contains("\n---[ end trace "), oops);
        assertTrue(vm.kvm.vm_dead);
        assertEquals(0, task_struct.current().preempt_count, "the task's state is reset");
        assertTrue(task_struct.current().spinlocks_held.isEmpty());
        assertTrue(spinlock_t.spin_is_locked(vm.kvm.mmu_lock), "the lock stays held, as in the kernel");

        // a harvest from another thread returns instead of spinning on mmu_lock
        long harvest = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CompletableFuture.supplyAsync(
                () -> vm.getDirtyLog(0, new long[8])).get(10, TimeUnit.SECONDS));
        assertEquals(-EIO, harvest);
        assertEquals(-EIO, kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_CREATE_VCPU, 1));
        assertEquals(-EIO, kvm_main.kvm_vcpu_ioctl(vcpu, kvm_h.KVM_RUN, null));
    }

    @Test
    void aTaskAlreadySpinningOnTheLockGivesUpWithEio() throws Exception {
        BareVm vm = BareVm.create();
        vm.addSlot(0, BASE, PAGES, true);
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
        CompletableFuture<Long> harvester = CompletableFuture.supplyAsync(() -> vm.getDirtyLog(0, new long[8]));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!spinlock_t.spin_is_contended(vm.kvm.mmu_lock) && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the harvester took its ticket and spins
        }
        assertTrue(spinlock_t.spin_is_contended(vm.kvm.mmu_lock), "the harvester waits for mmu_lock");

        assertEquals(-EIO, Oops.oops(vm.kvm, new ArrayIndexOutOfBoundsException("Index 9 out of bounds for length 9")));

        assertEquals(-EIO, harvester.get(10, TimeUnit.SECONDS));
        assertFalse(vm.kvm.slots_lock.owner() != null, "the harvester's unwinding released slots_lock");
        assertThrows(VmDeadException.class, () -> spinlock_t.spin_lock(vm.kvm.mmu_lock), "a later locker gives up at once");
    }

    @Test
    void aBugIsPrintedAsAnInvalidOpcodeOops() {
        BareVm vm = BareVm.create();
        KernelBug bug = new KernelBug("kernel BUG at mmu.pte_list_remove(mmu.java:1)");
        assertEquals(-EIO, Oops.oops(vm.kvm, bug));
        String oops = Oops.last();
        assertTrue(oops.startsWith("------------[ cut here ]------------\nkernel BUG at "), oops);
        assertTrue(oops.contains("\ninvalid opcode: 0000 [#"), oops);
        assertTrue(oops.contains("held no spinlock or mutex when it oopsed"), oops);
    }

    /** kvm_arch_create_memslot's vzalloc of 2^31 rmap heads fails: -ENOMEM, nothing changed, no OutOfMemoryError. */
    @Test
    void aHugeSlotIsEnomemAndChangesNothing() {
        BareVm vm = BareVm.create();
        long generation = vm.kvm.memslots.generation;
        long pages = kvm_host_h.KVM_MEM_MAX_NR_PAGES;
        long r = kvm_main.kvm_vm_ioctl(vm.kvm, kvm_h.KVM_SET_USER_MEMORY_REGION,
                Vmm.region(3, kvm_h.KVM_MEM_LOG_DIRTY_PAGES, 0, pages, 0x1000_0000_0000L));
        assertEquals(-ENOMEM, r);
        assertEquals(generation, vm.kvm.memslots.generation, "no memslot was published");
        kvm_memory_slot s = kvm_host_h.id_to_memslot(vm.kvm.memslots, 3);
        assertEquals(0, s.npages);
        assertEquals(null, s.dirty_bitmap);
        assertFalse(vm.kvm.vm_dead);
        assertEquals(0, vm.getDirtyLog(0, new long[1]) == -org.mmulab.kernel.linux.errno.ENOENT ? 0 : 1, "the VM still works");
    }
}
