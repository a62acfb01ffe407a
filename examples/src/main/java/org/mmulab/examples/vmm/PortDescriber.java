// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.vmm;

import org.mmulab.examples.explore.Describer;
import org.mmulab.kernel.arch.x86.kvm.mmu;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.kvm_host_h;
import org.mmulab.kernel.uapi.linux.kvm_h;

/** How the timeline names the port's values: spte bits, ioctls, requests, the marked function. */
final class PortDescriber implements Describer {
    @Override
    public String bits(long spte) {
        if (!mmu.is_shadow_present_pte(spte)) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        if ((spte & mmu_h.PT_WRITABLE_MASK) != 0) {
            b.append("W");
        }
        if ((spte & mmu.SPTE_MMU_WRITEABLE) != 0) {
            b.append(b.length() == 0 ? "" : ",").append("MW");
        }
        if ((spte & mmu.SPTE_HOST_WRITEABLE) != 0) {
            b.append(b.length() == 0 ? "" : ",").append("HW");
        }
        return b.length() == 0 ? "RO" : b.toString();
    }

    @Override
    public String ioctl(long cmd) {
        if (cmd == kvm_h.KVM_GET_DIRTY_LOG) {
            return "KVM_GET_DIRTY_LOG";
        }
        if (cmd == kvm_h.KVM_SET_USER_MEMORY_REGION) {
            return "KVM_SET_USER_MEMORY_REGION";
        }
        if (cmd == kvm_h.KVM_CREATE_VCPU) {
            return "KVM_CREATE_VCPU";
        }
        return "ioctl 0x" + Long.toHexString(cmd);
    }

    @Override
    public String request(int req) {
        switch (req) {
            case kvm_host_h.KVM_REQ_TLB_FLUSH:
                return "KVM_REQ_TLB_FLUSH";
            case kvm_host_h.KVM_REQ_MMU_RELOAD:
                return "KVM_REQ_MMU_RELOAD";
            case kvm_host_h.KVM_REQ_MMU_SYNC:
                return "KVM_REQ_MMU_SYNC";
            default:
                return "request " + req;
        }
    }

    @Override
    public String function(String name) {
        return name.equals("kvm_mmu_slot_remove_write_access") ? "slot write-protect" : name;
    }

    @Override
    public String legend() {
        return "(spte bits: W PT_WRITABLE_MASK, MW SPTE_MMU_WRITEABLE, HW SPTE_HOST_WRITEABLE, none: not present;"
                + " TLB entries RW or RO; gfns in hex)";
    }
}
