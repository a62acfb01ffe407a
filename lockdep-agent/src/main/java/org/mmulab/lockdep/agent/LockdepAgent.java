// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.method.MethodDescription;
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
 *
 * <p>The jar is the Maven artifact {@code org.mmulab:lockdep-agent}: Byte Buddy and ASM are
 * shaded into it under {@code org.mmulab.lockdep.shaded}, so they never meet a program's own
 * copies. It can also be attached to a running JVM ({@link #agentmain}), which re-weaves the
 * port's classes already loaded.
 */
public final class LockdepAgent {
    static final String LINUX = "org.mmulab.kernel.linux.";
    static final String KVM_MAIN = "org.mmulab.kernel.virt.kvm.kvm_main";
    private static final AtomicInteger woven = new AtomicInteger();
    private static volatile boolean installed;
    private static volatile LazyWeaver lazy;
    /**
     * Set to "true" when the agent installs: a copy of the agent's classes in another class loader
     * (whose {@link #installed()} is false) can still tell that an agent runs in this JVM.
     */
    public static final String INSTALLED_PROPERTY = "mmulab.lockdep-agent.installed";

    /**
     * One woven method: a static method of a port class, and the Advice class woven into it (by
     * name: the advice classes are loaded only when Byte Buddy is set up, not in a run whose hook
     * classes all come from the {@link WeaveCache}).
     * {@code args} restricts the match to that many parameters (-1: any). Trace hooks are woven
     * only when TLB tracing is on.
     */
    record Hook(String type, String method, String advice, int args, boolean trace) {
        String key() {
            return type + "#" + method;
        }
    }

    /** Binary-name prefixes of the advice classes. */
    static final String LA = "org.mmulab.lockdep.agent.LockdepAdvice$";
    static final String EA = "org.mmulab.lockdep.agent.ExploreAdvice$";

    /** The whole weave, in one table: {@link #buildWeaver} and {@link #WOVEN} both come from it. */
    static final List<Hook> HOOKS = List.of(
            new Hook(LINUX + "lockdep", "lock_acquire", LA + "LockAcquire", 7, false),
            new Hook(LINUX + "lockdep", "lock_release", LA + "LockRelease", 3, false),
            new Hook(LINUX + "lockdep", "lock_contended", LA + "LockContended", 2, false),
            new Hook(LINUX + "lockdep", "lock_acquired", LA + "LockAcquired", 2, false),
            new Hook(LINUX + "lockdep", "lockdep_init_map", LA + "InitMap", 4, false),
            new Hook(LINUX + "lockdep", "lock_set_class", LA + "SetClass", 5, false),
            new Hook(LINUX + "lockdep", "lockdep_assert_held", LA + "AssertHeld", -1, false),
            new Hook(LINUX + "sched", "__might_sleep", LA + "MightSleep", -1, false),
            new Hook(LINUX + "debug_locks", "debug_locks_off", LA + "DebugLocksOff", 0, false),
            new Hook(LINUX + "debug_locks", "debug_locks_on", LA + "DebugLocksOn", 0, false),
            new Hook(LINUX + "debug_locks", "debug_locks_silent_set", LA + "DebugLocksSilent", 1, false),
            new Hook(LINUX + "debug_locks", "debug_check_no_locks_freed", LA + "CheckNoLocksFreed", 2, false),
            new Hook(LINUX + "lockdep", "lockdep_reset", LA + "LockdepReset", 0, false),
            new Hook(LINUX + "lockdep", "current_softirqs_enabled_set", LA + "SoftirqsEnabledSet", 1, false),
            new Hook(LINUX + "irqflags", "trace_hardirqs_on", LA + "HardirqsOn", 0, false),
            new Hook(LINUX + "irqflags", "trace_hardirqs_off", LA + "HardirqsOff", 0, false),
            new Hook(LINUX + "irqflags", "trace_softirqs_on", LA + "SoftirqsOn", 1, false),
            new Hook(LINUX + "irqflags", "trace_softirqs_off", LA + "SoftirqsOff", 1, false),
            new Hook(LINUX + "irqflags", "trace_hardirq_enter", LA + "HardirqEnter", 0, false),
            new Hook(LINUX + "irqflags", "trace_hardirq_exit", LA + "HardirqExit", 0, false),
            new Hook(LINUX + "irqflags", "lockdep_softirq_enter", LA + "SoftirqEnter", 0, false),
            new Hook(LINUX + "irqflags", "lockdep_softirq_exit", LA + "SoftirqExit", 0, false),
            new Hook(LINUX + "smp", "safe_halt", LA + "HardirqsOn", -1, false),
            new Hook(KVM_MAIN, "kvm_vm_ioctl", LA + "IoctlExit", -1, false),
            new Hook(KVM_MAIN, "kvm_vcpu_ioctl", LA + "IoctlExit", -1, false),
            new Hook(KVM_MAIN, "kvm_flush_remote_tlbs", LA + "Flush", -1, true),
            new Hook(KVM_MAIN, "make_all_cpus_request", LA + "AllCpusRequest", -1, true),
            new Hook("org.mmulab.kernel.arch.x86.kvm.mmu", "mmu_spte_update", LA + "SpteUpdate", -1, true));

    static final String HW = "org.mmulab.hw.";
    static final String FIXTURE = "org.mmulab.fixture.";
    static final String MMU = "org.mmulab.kernel.arch.x86.kvm.mmu";

    /**
     * The yield points of {@code explore=true}, woven besides {@link #HOOKS}: locks, spte stores,
     * guest accesses and the TLB, flushes, requests, kicks, VM ioctls and the invariant checks.
     * Instance methods too (the machine's), so these match by name and argument count only.
     */
    static final List<Hook> EXPLORE_HOOKS = List.of(
            new Hook(LINUX + "spinlock_t", "spin_lock", EA + "Lock", 1, false),
            new Hook(LINUX + "spinlock_t", "spin_unlock", EA + "Unlock", 1, false),
            new Hook(LINUX + "mutex", "mutex_lock", EA + "Lock", 1, false),
            new Hook(LINUX + "mutex", "mutex_trylock", EA + "Trylock", 1, false),
            new Hook(LINUX + "mutex", "mutex_unlock", EA + "Unlock", 1, false),
            new Hook(LINUX + "mm", "assign", EA + "Assign", 2, false),
            new Hook(LINUX + "mm", "xchg64", EA + "Xchg", 2, false),
            new Hook(LINUX + "mm", "cmpxchg64", EA + "Cmpxchg", 3, false),
            new Hook(LINUX + "kvm_host_h", "kvm_make_request", EA + "MakeRequest", 2, false),
            new Hook(LINUX + "kvm_host_h", "kvm_check_request", EA + "CheckRequest", 2, false),
            new Hook(KVM_MAIN, "kvm_flush_remote_tlbs", EA + "RemoteFlush", 1, false),
            new Hook(KVM_MAIN, "kvm_vcpu_kick", EA + "Kick", 1, false),
            new Hook(KVM_MAIN, "kvm_vm_ioctl", EA + "Ioctl", 3, false),
            new Hook(MMU, "kvm_mmu_slot_remove_write_access", EA + "SlotWriteProtect", 2, false),
            new Hook(HW + "Cpu", "access", EA + "Access", 5, false),
            new Hook(FIXTURE + "Oracle", "checkDirtyLogCompleteness", EA + "CheckDirtyLog", 1, false),
            new Hook(FIXTURE + "Oracle", "checkShadowProtected", EA + "CheckShadow", 1, false),
            new Hook(HW + "SoftTlb", "lookup", EA + "Lookup", 1, false),
            new Hook(HW + "SoftTlb", "fill", EA + "Fill", 3, false),
            new Hook(HW + "SoftTlb", "flush", EA + "TlbFlush", 0, false));

    /**
     * Every method the agent weaves into, as {@code Class#method} (the TLB-trace ones only when
     * tracing is on). {@code print=} uses it to name the checks an unwoven method reaches.
     */
    static final Set<String> WOVEN = wovenKeys();

    private static Set<String> wovenKeys() {
        Set<String> keys = new java.util.HashSet<>();
        for (Hook h : HOOKS) { // a loop, not a stream: this class initializes in premain
            keys.add(h.key());
        }
        return Set.copyOf(keys);
    }

    private LockdepAgent() {}

    /** {@code -javaagent}: installs the weaver before the program's classes load. */
    public static void premain(String args, Instrumentation inst) {
        install(args, inst, false);
    }

    /**
     * Late attach (the Attach API's {@code loadAgent}, or Byte Buddy's {@code ByteBuddyAgent}):
     * installs the weaver and retransforms the port's hook classes that are already loaded, so the
     * checks hold from then on. What happened before the attach is unknown to lockdep: the
     * dependency graph starts empty, and a lock held at that moment is not on any held-lock stack
     * (its unlock is reported as a bad unlock balance). A bad option is refused with an exception
     * (the attaching tool gets it) and the running program is left as it was.
     */
    public static void agentmain(String args, Instrumentation inst) {
        if (installed) {
            System.err.println("lockdep-agent: already installed in this JVM; the second attach does nothing");
            return;
        }
        install(args, inst, true);
    }

    /** Whether an agent is installed in this JVM (for tools that want to know). */
    public static boolean installed() {
        return installed;
    }

    /** Classes woven so far. */
    public static int wovenClasses() {
        return woven.get();
    }

    static synchronized void install(String args, Instrumentation inst, boolean late) {
        if (installed) {
            if (!late) {
                System.err.println("lockdep-agent: already installed in this JVM; the options of this second -javaagent ("
                        + (args == null || args.isEmpty() ? "none" : args) + ") are ignored");
            }
            return;
        }
        AgentOptions o;
        PrintStream out;
        try {
            o = AgentOptions.parse(args);
            if (late && o.explore) {
                throw new AgentOptions.BadOption("lockdep-agent: explore=true needs the agent from the JVM's start"
                        + " (-javaagent), not attached to a running JVM");
            }
            out = o.openOut();
        } catch (AgentOptions.BadOption e) {
            System.err.println(e.getMessage());
            System.err.flush();
            if (late) {
                throw e; // a running program is not stopped for a bad attach; loadAgent fails with this
            }
            // one line, and the JVM does not start with a half-configured agent
            Runtime.getRuntime().halt(2);
            throw e;
        }
        Lockdep.configure(new LockdepConfig(o.mode, out, o.repeats));
        Lockdep.setLockStat(o.lockStatOn());
        // what the agent prints at exit, in this order, from one shutdown hook (the JVM runs
        // separate hooks at the same time, so their output would come in any order)
        List<Runnable> atExit = new ArrayList<>();
        if (o.repeats == LockdepConfig.Repeats.FOLD) {
            atExit.add(Lockdep::printRepeatSummary);
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
            atExit.add(() -> {
                if (org.mmulab.lockdep.TlbTrace.traced()) {
                    summaryOut.print(org.mmulab.lockdep.TlbTrace.summary());
                }
            });
        }
        if (o.dump != null) {
            java.nio.file.Path dir = java.nio.file.Paths.get(o.dump);
            PrintStream dumpOut = out;
            atExit.add(() -> {
                try {
                    org.mmulab.lockdep.LockdepProc.dumpTo(dir);
                    dumpOut.println("lockdep-agent: wrote lockdep, lockdep_chains, lockdep_stats, lock_stat, lock_stat_holds and lockdep.dot to " + dir);
                } catch (java.io.IOException e) {
                    dumpOut.println("lockdep-agent: cannot write the dumps to " + dir + ": " + e.getMessage());
                }
            });
        }
        if (!atExit.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (Runnable r : atExit) {
                    try {
                        r.run();
                    } catch (RuntimeException e) { // one step's failure does not cost the others
                        System.err.println("lockdep-agent: at exit: " + e);
                    }
                }
            }, "lockdep-agent-exit"));
        }

        // Byte Buddy is set up only when the first class of the woven packages loads (LazyWeaver)
        Set<String> hooked = new java.util.HashSet<>();
        for (Hook h : HOOKS) {
            if (trace || !h.trace()) { // a class with trace hooks only is left alone without tracing
                hooked.add(h.type());
            }
        }
        if (o.explore) {
            for (Hook h : EXPLORE_HOOKS) {
                hooked.add(h.type());
            }
            List<String> p = new ArrayList<>(o.packages);
            for (String extra : List.of(HW, FIXTURE)) {
                if (!p.contains(extra)) {
                    p.add(extra);
                }
            }
            o.packages = List.copyOf(p);
        }
        if (printer != null) {
            hooked.add(printer.className()); // print= of an unwoven method still needs Byte Buddy's listener
        }
        String nothing = weavesNothing(o.packages, hooked);
        if (nothing != null) {
            out.println(nothing);
        }
        // threads of the watched program that end with locks held: do_exit's check, made by a reaper
        Lockdep.startReaper(REAPER_PERIOD_MS);
        LazyWeaver weaver = new LazyWeaver(o.packages, hooked, () -> buildWeaver(o, trace, printer));
        java.nio.file.Path cacheDir = o.cacheDir();
        if (cacheDir != null) {
            // everything the woven bytes depend on besides the class file and the agent jar (Byte
            // Buddy also asks the running JVM which class-file version it supports)
            String settings = "java=" + System.getProperty("java.vm.version") + ";packages=" + o.packages + ";tlbtrace=" + trace + ";explore=" + o.explore
                    + ";hooked=" + new java.util.TreeSet<>(hooked);
            String printed = printer == null ? null : printer.className().replace('.', '/');
            boolean verbose = o.verbose;
            weaver.withCache(new WeaveCache(cacheDir, () -> WeaveCache.agentKey(agentJar())), settings,
                    name -> !name.equals(printed), // print= shows Byte Buddy's own weave
                    name -> {
                        woven.incrementAndGet();
                        if (verbose) {
                            System.err.println("lockdep-agent: wove " + name.replace('/', '.') + " (from the cache in " + cacheDir + ")");
                        }
                    });
        }
        inst.addTransformer(weaver, late); // a late attach retransforms, so its transformer must take part
        String rewoven = late ? ", attached late: " + retransformLoaded(inst, weaver) : "";
        if (o.explore) {
            inst.addTransformer(new ExploreWeaver(o.footprints), false); // after the weave: the advice's calls stay as woven
            org.mmulab.lockdep.explore.Sched.markWoven();
            if (o.footprints) {
                org.mmulab.lockdep.explore.Footprint.markWoven();
            }
        }
        lazy = weaver;
        installed = true;
        System.setProperty(INSTALLED_PROPERTY, "true");
        out.println("lockdep-agent: CONFIG_PROVE_LOCKING on (mode=" + o.mode.name().toLowerCase() + ", packages=" + o.packages
                + ", tlbtrace=" + o.tlbtrace + (o.explore ? ", explore=true" : "") + (o.explore && o.footprints ? ", footprints=on" : "")
                + (o.repeats == LockdepConfig.Repeats.FOLD ? ", repeats=fold" : "")
                + (o.lockStatOn() ? ", CONFIG_LOCK_STAT on" : "") + rewoven + ")");
    }

    /** The jar the agent's classes come from, or null (from a directory, or unknown). */
    static java.nio.file.Path agentJar() {
        try {
            java.security.CodeSource cs = LockdepAgent.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return null;
            }
            java.nio.file.Path p = java.nio.file.Paths.get(cs.getLocation().toURI());
            return java.nio.file.Files.isRegularFile(p) ? p : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** How often the reaper looks for ended threads that held locks. */
    static final long REAPER_PERIOD_MS = 200;

    /** Prefixes the weaver never touches (see {@link #buildWeaver}'s ignore matcher). */
    static final List<String> NEVER_WOVEN = List.of("org.mmulab.lockdep.", "java.", "javax.", "jdk.", "sun.", "net.bytebuddy.");

    /**
     * One line when {@code packages} can weave no hook at all ({@code packages=:},
     * {@code packages=java.}, a prefix no hooked class lives under), else null.
     */
    static String weavesNothing(List<String> packages, Set<String> hooked) {
        for (String p : packages) {
            boolean never = p.isEmpty();
            for (String n : NEVER_WOVEN) {
                never |= p.startsWith(n);
            }
            if (never) {
                continue;
            }
            for (String h : hooked) {
                if (h.startsWith(p)) {
                    return null;
                }
            }
        }
        return "lockdep-agent: packages=" + String.join(":", packages) + " weaves nothing (no hooked class of the port,"
                + " org.mmulab.kernel., is under it; java., jdk., sun. and the agent's own are never woven): lockdep sees no lock";
    }

    /**
     * After a late attach: retransforms the hook classes the program has already loaded (the
     * weave only adds calls into methods, so no class changes shape and a retransform is allowed).
     * A class that cannot be retransformed keeps its old code; the returned text says how many
     * were woven, and what failed.
     */
    static String retransformLoaded(Instrumentation inst, LazyWeaver weaver) {
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (!c.isArray() && !c.isPrimitive() && weaver.wants(c.getName().replace('.', '/')) && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (loaded.isEmpty()) {
            return "no port class loaded yet";
        }
        int before = woven.get();
        try {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        } catch (Throwable e) { // UnmodifiableClassException, a VerifyError of a bad weave: the program goes on
            return (woven.get() - before) + " of " + loaded.size() + " loaded port classes re-woven; retransforming the"
                    + " rest failed (" + e + ")";
        }
        return (woven.get() - before) + " of " + loaded.size() + " loaded port classes re-woven";
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
                });
        Map<String, List<Hook>> byType = new LinkedHashMap<>();
        for (Hook h : HOOKS) {
            if (trace || !h.trace()) {
                byType.computeIfAbsent(h.type(), k -> new ArrayList<>()).add(h);
            }
        }
        if (o.explore) {
            for (Hook h : EXPLORE_HOOKS) {
                byType.computeIfAbsent(h.type(), k -> new ArrayList<>()).add(h);
            }
        }
        for (Map.Entry<String, List<Hook>> e : byType.entrySet()) {
            AgentBuilder.Transformer.ForAdvice advice = new AgentBuilder.Transformer.ForAdvice()
                    .include(LockdepAgent.class.getClassLoader());
            for (Hook h : e.getValue()) {
                boolean yieldPoint = h.advice().startsWith(EA);
                ElementMatcher.Junction<MethodDescription> m = yieldPoint ? named(h.method()) : isStatic().and(named(h.method()));
                advice = advice.advice(h.args() < 0 ? m : m.and(takesArguments(h.args())), h.advice());
            }
            builder = builder.type(types.and(named(e.getKey()))).transform(advice);
        }
        return builder.makeRaw();
    }
}
