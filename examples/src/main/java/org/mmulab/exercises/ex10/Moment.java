// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex10;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.mmulab.fixture.MachineVm;
import org.mmulab.hw.SoftTlb;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm_memory_slot;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * What an oracle sees at one moment of a run: every vCPU is paused outside the guest, right after
 * KVM returned from an operation that write-protected guest pages. The hardware's side is each
 * CPU's TLB; the kernel's side is each vCPU's request word, the leaf sptes and the memory slot's
 * dirty bitmap. Exercise 10's {@link Solution#check} decides from this alone whether the seed
 * commit's safety property holds.
 *
 * @param kind what KVM just returned from
 * @param gfn {@link Kind#SHADOWED}: the gfn write-protected for shadowing; {@link Kind#HARVESTED}: -1
 * @param baseGfn the memory slot's first gfn
 * @param npages the slot's size in pages
 * @param dirtyBitmap the slot's dirty bitmap as KVM keeps it now (bit {@code i} is page
 *        {@code baseGfn + i}), or null when dirty logging is off
 * @param vcpus every vCPU of the VM
 */
public record Moment(Kind kind, long gfn, long baseGfn, long npages, LongPtr dirtyBitmap, List<Vcpu> vcpus) {
    /** What KVM returned from just before this moment. */
    public enum Kind {
        /** {@code KVM_GET_DIRTY_LOG} returned the dirty pages of the slot to userspace. */
        HARVESTED,
        /**
         * {@code gfn} was write-protected for shadowing ({@code rmap_write_protect} with
         * {@code pt_protect}) under {@code mmu_lock}, and the flush that asked for was done.
         */
        SHADOWED
    }

    /**
     * One vCPU, paused.
     *
     * @param id its {@code vcpu_id}
     * @param requests its {@code requests} word: bit {@code KVM_REQ_*} set for each request pending
     * @param tlb its CPU's TLB (read it with {@link SoftTlb#snapshot()})
     * @param leafSpte the leaf spte that maps a gfn in the EPT tables this vCPU's CPU walks; 0 if none
     */
    public record Vcpu(int id, long requests, SoftTlb tlb, LongUnaryOperator leafSpte) {}

    public Moment {
        vcpus = List.copyOf(vcpus);
    }

    /** The moment after a {@code KVM_GET_DIRTY_LOG} of {@code slot} on a paused machine. */
    public static Moment harvested(MachineVm vm, kvm_memory_slot slot) {
        return of(vm, Kind.HARVESTED, -1, slot);
    }

    /** The moment after {@code gfn} was write-protected for shadowing, on a paused machine. */
    public static Moment shadowed(MachineVm vm, long gfn) {
        return of(vm, Kind.SHADOWED, gfn, kvm_main.gfn_to_memslot(vm.kvm, gfn));
    }

    private static Moment of(MachineVm vm, Kind kind, long gfn, kvm_memory_slot slot) {
        List<Vcpu> vs = new ArrayList<>();
        for (MachineVm.Vcpu v : vm.vcpus()) {
            vs.add(new Vcpu(v.id(), v.vcpu.requests.get(), v.cpu.tlb, g -> vm.oracle.leafSpte(v, g)));
        }
        return new Moment(kind, gfn, slot == null ? 0 : slot.base_gfn, slot == null ? 0 : slot.npages,
                slot == null ? null : slot.dirty_bitmap, vs);
    }
}
