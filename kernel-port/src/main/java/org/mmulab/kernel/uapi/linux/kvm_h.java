// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.uapi.linux;

import org.mmulab.kernel.KernelSource;

/** The userspace ABI numbers of {@code include/uapi/linux/kvm.h} that the port uses. */
@KernelSource(file = "include/uapi/linux/kvm.h", lines = "1-1178", name = "uapi/linux/kvm.h")
public final class kvm_h {
    private kvm_h() {}

    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "109") public static final int KVM_MEM_LOG_DIRTY_PAGES = 1 << 0;
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "110") public static final int KVM_MEM_READONLY = 1 << 1;

    /** KVMIO, the ioctl type byte. */
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "592") public static final int KVMIO = 0xAE;

    private static int _IOW(int type, int nr, int size) {
        return (1 << 30) | (size << 16) | (type << 8) | nr;
    }

    /** _IOW(KVMIO, 0x41, int) */
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "961") public static final int KVM_CREATE_VCPU = (0 << 30) | (KVMIO << 8) | 0x41;
    /** _IO(KVMIO, 0x80), a vCPU ioctl */
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "1054") public static final int KVM_RUN = (KVMIO << 8) | 0x80;
    /** _IOW(KVMIO, 0x42, struct kvm_dirty_log), sizeof = 16 */
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "962") public static final int KVM_GET_DIRTY_LOG = _IOW(KVMIO, 0x42, 16);
    /** _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region), sizeof = 32 */
    @KernelSource(file = "include/uapi/linux/kvm.h", lines = "967-968") public static final int KVM_SET_USER_MEMORY_REGION = _IOW(KVMIO, 0x46, 32);
}
