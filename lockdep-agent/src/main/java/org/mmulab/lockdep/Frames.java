// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep;

import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Java stack walking for the reports. A frame is "internal" (never printed) when its class is in
 * package org.mmulab.lockdep and was loaded from the same code source as this runtime: that drops
 * the runtime (and the agent's own classes, which ship in the same jar) but keeps callers that
 * merely live in the same package, such as this module's tests.
 */
final class Frames {
    private Frames() {}

    private static final StackWalker WALKER =
            StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private static final Object OWN_LOCATION = location(Frames.class);

    private static final ClassValue<Boolean> INTERNAL = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return c.getName().startsWith("org.mmulab.lockdep.")
                    && Objects.equals(location(c), OWN_LOCATION);
        }
    };

    /** Kernel-port wrappers that are never the "caller" (they stand for inline macros). */
    static final Set<String> WRAPPERS = Set.of(
            "org.mmulab.kernel.linux.lockdep",
            "org.mmulab.kernel.linux.irqflags");

    private static Object location(Class<?> c) {
        try {
            ProtectionDomain pd = c.getProtectionDomain();
            CodeSource cs = pd == null ? null : pd.getCodeSource();
            return cs == null ? null : cs.getLocation();
        } catch (SecurityException e) {
            return null;
        }
    }

    static boolean internal(Class<?> c) {
        return INTERNAL.get(c);
    }

    static String format(StackWalker.StackFrame f) {
        return format(f.getClassName(), f.getMethodName(), f.getFileName(), f.getLineNumber());
    }

    static String format(String cls, String method, String file, int line) {
        StringBuilder sb = new StringBuilder(cls).append('.').append(method).append('(');
        if (file == null) {
            sb.append("Unknown Source");
        } else {
            sb.append(file);
            if (line >= 0) {
                sb.append(':').append(line);
            }
        }
        return sb.append(')').toString();
    }

    /**
     * The non-internal frames of the current thread, innermost first, without the port's lockdep.h
     * and irqflags.h hooks and macros ({@link #WRAPPERS}): in the kernel those are inline or the
     * validator itself, so a trace starts at the lock primitive (spin_lock, mutex_lock, ...). The
     * port's {@code lockdep_assert_held} stays: it names the assertion a WARNING comes from.
     */
    static List<String> stack() {
        return WALKER.walk(s -> s.filter(f -> !internal(f.getDeclaringClass())
                        && (!WRAPPERS.contains(f.getClassName()) || f.getMethodName().equals("lockdep_assert_held")))
                .map(Frames::format).collect(Collectors.toList()));
    }

    /**
     * The first frame outside the runtime, outside {@code skip} (the lock's own class, whose
     * spin_lock/mutex_lock stands for the kernel's inline wrapper) and outside {@link #WRAPPERS}.
     */
    static Optional<StackWalker.StackFrame> caller(Class<?> skip) {
        return WALKER.walk(s -> s.filter(f -> {
            Class<?> c = f.getDeclaringClass();
            return !internal(c) && c != skip && !WRAPPERS.contains(c.getName());
        }).findFirst());
    }

    static String site(Class<?> skip) {
        return caller(skip).map(Frames::format).orElse("(unknown)");
    }

    /**
     * The same site, formatted only if a report prints it: the frame is kept, the string is not
     * built, so the fast path of every lock acquisition pays for one short stack walk only.
     */
    static Object lazySite(Class<?> skip) {
        return new Site(caller(skip).orElse(null));
    }

    /** An acquisition site: one stack frame, formatted when printed. */
    static final class Site {
        private final StackWalker.StackFrame f;

        Site(StackWalker.StackFrame f) {
            this.f = f;
        }

        /** What tells two sites apart without formatting them: class, method and bytecode index. */
        Object key() {
            return f == null ? "(unknown)" : new Key(f.getDeclaringClass(), f.getMethodName(), f.getByteCodeIndex());
        }

        @Override
        public String toString() {
            return f == null ? "(unknown)" : format(f);
        }
    }

    private record Key(Class<?> cls, String method, int bci) {}
}
