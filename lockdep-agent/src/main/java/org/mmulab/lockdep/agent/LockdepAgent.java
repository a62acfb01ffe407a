// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;
import org.mmulab.lockdep.Lockdep;
import org.mmulab.lockdep.LockdepConfig;

/**
 * {@code -javaagent:lockdep-agent.jar[=options]}: turns the port into a kernel built with
 * CONFIG_PROVE_LOCKING and CONFIG_DEBUG_ATOMIC_SLEEP. At class-load time it weaves calls into
 * {@link Lockdep} at the port's lock primitives ({@code spin_lock}, {@code spin_unlock},
 * {@code mutex_lock}, {@code mutex_trylock}, {@code mutex_unlock}), at
 * {@code lockdep_assert_held} and {@code __might_sleep}, and at the interrupt-flag switches.
 * The port's source does not change; without the agent those hooks stay empty.
 *
 * <p>A class that fails to weave is reported on stderr and loaded unchanged. The agent's own
 * classes, the JDK and everything outside the configured packages are never touched.
 */
public final class LockdepAgent {
    static final String LINUX = "org.mmulab.kernel.linux.";
    static final String KVM_MAIN = "org.mmulab.kernel.virt.kvm.kvm_main";
    private static final AtomicInteger woven = new AtomicInteger();
    private static volatile boolean installed;
    private static volatile LazyWeaver lazy;

    /**
     * Every method the agent weaves advice into, as {@code Class#method} (the TLB-trace ones only
     * when tracing is on). {@code print=} uses it to name the checks an unwoven method reaches.
     */
    static final Set<String> WOVEN = Set.of(
            LINUX + "spinlock_t#spin_lock", LINUX + "spinlock_t#spin_unlock",
            LINUX + "mutex#mutex_lock", LINUX + "mutex#mutex_trylock", LINUX + "mutex#mutex_unlock",
            LINUX + "lockdep#lockdep_assert_held", LINUX + "sched#__might_sleep",
            LINUX + "irqflags#local_irq_disable", LINUX + "irqflags#local_irq_enable", LINUX + "smp#safe_halt",
            KVM_MAIN + "#kvm_vm_ioctl", KVM_MAIN + "#kvm_vcpu_ioctl",
            KVM_MAIN + "#kvm_flush_remote_tlbs", KVM_MAIN + "#make_all_cpus_request",
            "org.mmulab.kernel.arch.x86.kvm.mmu#mmu_spte_update");

    private LockdepAgent() {}

    public static void premain(String args, Instrumentation inst) {
        install(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        install(args, inst);
    }

    /** Whether an agent is installed in this JVM (for tools that want to know). */
    public static boolean installed() {
        return installed;
    }

    /** Classes woven so far. */
    public static int wovenClasses() {
        return woven.get();
    }

    static synchronized void install(String args, Instrumentation inst) {
        if (installed) {
            return;
        }
        AgentOptions o;
        PrintStream out;
        try {
            o = AgentOptions.parse(args);
            out = o.openOut();
        } catch (AgentOptions.BadOption e) {
            // one line, and the JVM does not start with a half-configured agent
            System.err.println(e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(2);
            throw e;
        }
        Lockdep.configure(new LockdepConfig(o.mode, out));
        if (o.dump != null) {
            java.nio.file.Path dir = java.nio.file.Paths.get(o.dump);
            PrintStream dumpOut = out;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    org.mmulab.lockdep.LockdepProc.dumpTo(dir);
                    dumpOut.println("lockdep-agent: wrote lockdep, lockdep_chains, lockdep_stats and lockdep.dot to " + dir);
                } catch (java.io.IOException e) {
                    dumpOut.println("lockdep-agent: cannot write the dumps to " + dir + ": " + e.getMessage());
                }
            }, "lockdep-dump"));
        }
        boolean trace = !o.tlbtrace.equals("off");
        WeavePrinter printer = o.print == null ? null : new WeavePrinter(o.print, out);
        if (printer != null) {
            inst.addTransformer(printer, false); // ahead of the weaver: sees the class file as loaded
        }
        org.mmulab.lockdep.TlbTrace.configure(o.tlbtrace.equals("lines"), out);
        if (trace) {
            PrintStream summaryOut = out;
            // a program that never reached the port (a usage error, 'mmulab list') gets no empty table
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (org.mmulab.lockdep.TlbTrace.traced()) {
                    summaryOut.print(org.mmulab.lockdep.TlbTrace.summary());
                }
            }, "lockdep-tlb-summary"));
        }

        // Byte Buddy is set up only when the first class of the woven packages loads (LazyWeaver)
        LazyWeaver weaver = new LazyWeaver(o.packages, () -> buildWeaver(o, trace, printer));
        inst.addTransformer(weaver, false);
        lazy = weaver;
        installed = true;
        out.println("lockdep-agent: CONFIG_PROVE_LOCKING on (mode=" + o.mode.name().toLowerCase() + ", packages=" + o.packages
                + ", tlbtrace=" + o.tlbtrace + ")");
    }

    /** Byte Buddy's transformer for the port: the matchers and advice of every woven primitive. */
    private static ClassFileTransformer buildWeaver(AgentOptions o, boolean trace, WeavePrinter printer) {
        ElementMatcher.Junction<TypeDescription> types = ElementMatchers.none();
        for (String p : o.packages) {
            types = types.or(ElementMatchers.nameStartsWith(p));
        }
        boolean verbose = o.verbose;
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .ignore(ElementMatchers.nameStartsWith("org.mmulab.lockdep.")
                        .or(ElementMatchers.nameStartsWith("java."))
                        .or(ElementMatchers.nameStartsWith("javax."))
                        .or(ElementMatchers.nameStartsWith("jdk."))
                        .or(ElementMatchers.nameStartsWith("sun."))
                        .or(ElementMatchers.nameStartsWith("net.bytebuddy.")))
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module,
                                                 boolean loaded, DynamicType dynamicType) {
                        woven.incrementAndGet();
                        if (printer != null && type.getName().equals(printer.className())) {
                            printer.woven(dynamicType.getBytes());
                        }
                        if (verbose) {
                            System.err.println("lockdep-agent: wove " + type.getName() + " (" + loader + ")");
                        }
                    }

                    @Override
                    public void onComplete(String typeName, ClassLoader loader, JavaModule module, boolean loaded) {
                        if (printer != null && typeName.equals(printer.className())) {
                            printer.unchanged(); // no-op when onTransformation already printed it
                        }
                    }

                    @Override
                    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded,
                                        Throwable error) {
                        System.err.println("lockdep-agent: could not weave " + typeName + ", loaded unchanged: " + error);
                    }
                })
                .type(types.and(named(LINUX + "spinlock_t")))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("spin_lock")).and(takesArguments(1)), LockdepAdvice.SpinLock.class.getName())
                        .advice(isStatic().and(named("spin_unlock")).and(takesArguments(1)), LockdepAdvice.SpinUnlock.class.getName()))
                .type(types.and(named(LINUX + "mutex")))
                .transform((b, type, loader, module, domain) -> b.visit(new AcquireAfterMightSleep()))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("mutex_trylock")), LockdepAdvice.MutexTrylock.class.getName())
                        .advice(isStatic().and(named("mutex_unlock")), LockdepAdvice.MutexUnlock.class.getName()))
                .type(types.and(named(LINUX + "lockdep")))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("lockdep_assert_held")), LockdepAdvice.AssertHeld.class.getName()))
                .type(types.and(named(LINUX + "sched")))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("__might_sleep")), LockdepAdvice.MightSleep.class.getName()))
                .type(types.and(named(LINUX + "irqflags")))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("local_irq_disable")), LockdepAdvice.IrqDisable.class.getName())
                        .advice(isStatic().and(named("local_irq_enable")), LockdepAdvice.IrqEnable.class.getName()))
                .type(types.and(named(LINUX + "smp")))
                .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                        .advice(isStatic().and(named("safe_halt")), LockdepAdvice.IrqEnable.class.getName()));
        AgentBuilder.Transformer.ForAdvice kvmMain = new AgentBuilder.Transformer.ForAdvice()
                .include(LockdepAgent.class.getClassLoader())
                .advice(isStatic().and(named("kvm_vm_ioctl").or(named("kvm_vcpu_ioctl"))), LockdepAdvice.IoctlExit.class.getName());
        if (trace) {
            kvmMain = kvmMain
                    .advice(isStatic().and(named("kvm_flush_remote_tlbs")), LockdepAdvice.Flush.class.getName())
                    .advice(isStatic().and(named("make_all_cpus_request")), LockdepAdvice.AllCpusRequest.class.getName());
        }
        builder = builder.type(types.and(named(KVM_MAIN))).transform(kvmMain);
        if (trace) {
            builder = builder
                    .type(types.and(named("org.mmulab.kernel.arch.x86.kvm.mmu")))
                    .transform(new AgentBuilder.Transformer.ForAdvice().include(LockdepAgent.class.getClassLoader())
                            .advice(isStatic().and(named("mmu_spte_update")), LockdepAdvice.SpteUpdate.class.getName()));
        }
        return builder.makeRaw();
    }
}
