// SPDX-License-Identifier: GPL-2.0-only
package com.example.dirtylog;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The agent brings no Byte Buddy or ASM of its own onto the project's class path (its copies are relocated). */
class NoLeakTest {
    @Test
    void neitherByteBuddyNorAsmIsOnTheTestClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("net.bytebuddy.ByteBuddy"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.objectweb.asm.ClassVisitor"));
    }
}
