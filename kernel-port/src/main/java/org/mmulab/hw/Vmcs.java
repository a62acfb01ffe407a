// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.hw;

/**
 * A virtual-machine control structure, as far as the modelled CPU uses one: the EPT pointer the
 * hypervisor writes, the guest's RIP, and the exit-information fields the CPU fills on a VM
 * exit. The hypervisor reads and writes it with {@link #read} and {@link #write} by the
 * architectural field encodings (Intel SDM vol. 3D, appendix B), as VMREAD and VMWRITE do.
 * A field the model does not have is a VMfailValid, here an {@link IllegalArgumentException}.
 */
public final class Vmcs {
    /** 64-bit control field: the EPT pointer. */
    public static final int EPT_POINTER = 0x0000201a;
    /** 64-bit read-only data field: the guest-physical address of an EPT violation. */
    public static final int GUEST_PHYSICAL_ADDRESS = 0x00002400;
    /** 32-bit read-only data field: the basic exit reason (bits 15:0). */
    public static final int VM_EXIT_REASON = 0x00004402;
    /** 32-bit read-only data field: the length of the instruction that caused the exit. */
    public static final int VM_EXIT_INSTRUCTION_LEN = 0x0000440c;
    /** Natural-width read-only data field: the exit qualification. */
    public static final int EXIT_QUALIFICATION = 0x00006400;
    /** Natural-width guest-state field: RIP. */
    public static final int GUEST_RIP = 0x0000681e;

    /** Basic exit reasons (SDM vol. 3D, appendix C). */
    public static final int EXIT_REASON_EXTERNAL_INTERRUPT = 1;
    public static final int EXIT_REASON_EPT_VIOLATION = 48;

    /**
     * The instruction at {@code GUEST_RIP} when the exit happened, decoded. A real CPU leaves the
     * decoding to the hypervisor's emulator, which fetches the bytes at RIP from guest memory; the
     * model's guest code has no bytes in guest memory, so the CPU hands over the decoded form:
     * an 8-byte MOV of {@code value} to {@code gpa} (a write) or from it (a read).
     */
    public record Instruction(boolean write, long gpa, long value, int length) {}

    private long eptPointer;
    private long guestPhysicalAddress;
    private long exitReason;
    private long exitInstructionLength;
    private long exitQualification;
    private long guestRip;
    private Instruction exitInstruction;

    /** VMREAD */
    public long read(int field) {
        switch (field) {
            case EPT_POINTER:
                return eptPointer;
            case GUEST_PHYSICAL_ADDRESS:
                return guestPhysicalAddress;
            case VM_EXIT_REASON:
                return exitReason;
            case VM_EXIT_INSTRUCTION_LEN:
                return exitInstructionLength;
            case EXIT_QUALIFICATION:
                return exitQualification;
            case GUEST_RIP:
                return guestRip;
            default:
                throw new IllegalArgumentException(String.format("VMREAD: no VMCS field %08x in this model", field));
        }
    }

    /** VMWRITE; the exit-information fields are read-only to software. */
    public void write(int field, long value) {
        switch (field) {
            case EPT_POINTER:
                eptPointer = value;
                break;
            case GUEST_RIP:
                guestRip = value;
                break;
            default:
                throw new IllegalArgumentException(String.format("VMWRITE: field %08x is read-only or not in this model", field));
        }
    }

    /** The decoded instruction of the last exit (see {@link Instruction}). */
    public Instruction exitInstruction() {
        return exitInstruction;
    }

    /** The CPU's side of a VM exit: the exit-information fields and the guest RIP. */
    void exit(int reason, long qualification, long gpa, long rip, Instruction insn) {
        exitReason = reason;
        exitQualification = qualification;
        guestPhysicalAddress = gpa;
        guestRip = rip;
        exitInstruction = insn;
        exitInstructionLength = insn == null ? 0 : insn.length();
    }
}
