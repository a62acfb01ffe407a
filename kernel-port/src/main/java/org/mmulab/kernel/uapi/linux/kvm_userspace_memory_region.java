// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.uapi.linux;

import org.mmulab.kernel.KernelSource;

/** {@code struct kvm_userspace_memory_region}: the argument of KVM_SET_USER_MEMORY_REGION. */
@KernelSource(file = "include/uapi/linux/kvm.h", lines = "96-102", name = "struct kvm_userspace_memory_region")
public final class kvm_userspace_memory_region {
    public int slot;
    public int flags;
    public long guest_phys_addr;
    /** bytes */
    public long memory_size;
    /** start of the userspace allocated memory */
    public long userspace_addr;

    public kvm_userspace_memory_region() {}

    public kvm_userspace_memory_region(int slot, int flags, long guest_phys_addr, long memory_size, long userspace_addr) {
        this.slot = slot;
        this.flags = flags;
        this.guest_phys_addr = guest_phys_addr;
        this.memory_size = memory_size;
        this.userspace_addr = userspace_addr;
    }

    /** copy_from_user: the kernel works on its own copy. */
    public kvm_userspace_memory_region copy() {
        return new kvm_userspace_memory_region(slot, flags, guest_phys_addr, memory_size, userspace_addr);
    }
}
