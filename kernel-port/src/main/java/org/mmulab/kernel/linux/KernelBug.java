// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.linux;

/**
 * A {@code BUG()}: the kernel would oops and kill the current task. The port throws this error,
 * which ends the current thread unless a test catches it.
 */
public final class KernelBug extends Error {
    public KernelBug(String message) {
        super(message);
    }
}
