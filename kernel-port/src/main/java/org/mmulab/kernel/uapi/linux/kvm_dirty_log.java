// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.uapi.linux;

import org.mmulab.kernel.KernelSource;

/**
 * {@code struct kvm_dirty_log}: the argument of KVM_GET_DIRTY_LOG. {@code dirty_bitmap} is the
 * user buffer the kernel copies the log into; a buffer that is missing or smaller than the slot's
 * bitmap makes {@code copy_to_user} fail, and the ioctl returns {@code -EFAULT}.
 */
@KernelSource(file = "include/uapi/linux/kvm.h", lines = "375-382", name = "struct kvm_dirty_log")
public final class kvm_dirty_log {
    public int slot;
    /** {@code void __user *dirty_bitmap}: the user buffer, a bit for each page of the slot, as longs. */
    public long[] dirty_bitmap;

    public kvm_dirty_log() {}

    public kvm_dirty_log(int slot, long[] dirty_bitmap) {
        this.slot = slot;
        this.dirty_bitmap = dirty_bitmap;
    }

    public kvm_dirty_log copy() {
        return new kvm_dirty_log(slot, dirty_bitmap);
    }
}
