// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

/**
 * Thrown in a task that waits for a lock (or an SRCU grace period) that a task which oopsed left
 * held: in the kernel that CPU would spin or sleep forever; the port gives up instead, and the
 * ioctl it is in returns -EIO because the VM is dead. A Java helper, not a kernel type.
 */
public final class VmDeadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmDeadException(String message) {
        super(message, null, false, false);
    }
}
