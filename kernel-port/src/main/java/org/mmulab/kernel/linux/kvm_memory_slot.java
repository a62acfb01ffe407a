// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

import org.mmulab.kernel.KernelSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_arch_memory_slot;

/**
 * {@code struct kvm_memory_slot}: a range of guest frames backed by user memory at
 * {@code userspace_addr}. With dirty logging on, {@code dirty_bitmap} holds two bitmaps back to
 * back: the live one and the buffer {@code KVM_GET_DIRTY_LOG} copies out of.
 */
@KernelSource(file = "include/linux/kvm_host.h", lines = "288-296", name = "struct kvm_memory_slot")
public final class kvm_memory_slot {
    public long base_gfn;
    public long npages;
    /** {@code unsigned long *dirty_bitmap}, or null when dirty logging is off. */
    public LongPtr dirty_bitmap;
    public kvm_arch_memory_slot arch = new kvm_arch_memory_slot();
    public long userspace_addr;
    public int flags;
    public short id;

    /** The C struct assignment ({@code new = old = *slot}): pointers copied, memory shared. */
    public kvm_memory_slot copy() {
        kvm_memory_slot c = new kvm_memory_slot();
        c.base_gfn = base_gfn;
        c.npages = npages;
        c.dirty_bitmap = dirty_bitmap;
        c.arch = arch.copy();
        c.userspace_addr = userspace_addr;
        c.flags = flags;
        c.id = id;
        return c;
    }

    /** {@code *this = *src} */
    public void assign(kvm_memory_slot src) {
        base_gfn = src.base_gfn;
        npages = src.npages;
        dirty_bitmap = src.dirty_bitmap;
        arch = src.arch.copy();
        userspace_addr = src.userspace_addr;
        flags = src.flags;
        id = src.id;
    }

    @Override
    public String toString() {
        return String.format("slot %d [gfn %#x +%d pages] flags=%#x%s", id, base_gfn, npages, flags,
                dirty_bitmap != null ? " logging" : "");
    }
}
