// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;

/**
 * {@code struct kvm_memslots}: every slot, sorted by size (largest first), and the map from slot
 * id to array index. Replaced as a whole (copy, change, publish, synchronize_srcu) on every change.
 */
@KernelSource(file = "include/linux/kvm_host.h", lines = "360-365", name = "struct kvm_memslots")
public final class kvm_memslots {
    /**
     * {@code sizeof(struct kvm_memslots)} on x86-64: the u64 generation, 128 slots of 80 bytes
     * (three words, the five pointers of kvm_arch_memory_slot, a word, u32 flags, short id, two
     * bytes of padding) and 128 shorts. What kmemdup asks kmalloc for (its 16 KiB cache).
     */
    public static final int SIZEOF = 8 + kvm_host_h.KVM_MEM_SLOTS_NUM * 80 + kvm_host_h.KVM_MEM_SLOTS_NUM * 2;

    public long generation;
    public final kvm_memory_slot[] memslots = new kvm_memory_slot[kvm_host_h.KVM_MEM_SLOTS_NUM];
    public final short[] id_to_index = new short[kvm_host_h.KVM_MEM_SLOTS_NUM];

    public kvm_memslots() {
        for (int i = 0; i < memslots.length; i++) {
            memslots[i] = new kvm_memory_slot();
        }
    }

    /** kmemdup(kvm->memslots): every slot struct copied by value. */
    public kvm_memslots dup() {
        kvm_memslots c = new kvm_memslots();
        c.generation = generation;
        for (int i = 0; i < memslots.length; i++) {
            c.memslots[i] = memslots[i].copy();
            c.id_to_index[i] = id_to_index[i];
        }
        return c;
    }
}
