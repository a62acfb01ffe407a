// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.arch.x86.kvm.mmu_h;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.virt.kvm.kvm_main;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One KVM_GET_DIRTY_LOG harvest of a 4 GiB slot (1M 4 KiB pages, {@link #NPAGES}) with
 * {@code dirtyPercent}% of its pages dirty, through the port and in a raw Java loop.
 *
 * <p>Set-up, per trial (not measured): a {@link BareVm} with one slot of 1M pages, logging on from
 * the start, one vCPU; the guest writes every page once, through the port's fault path
 * ({@code tdp_page_fault} with a write error code: every level-1 spte is installed writable and
 * the page marked dirty), then one harvest write-protects them all. So every page has a TDP spte,
 * read-only with SPTE_MMU_WRITEABLE kept: the state of a slot under dirty logging.
 *
 * <p>Per invocation (a {@code @Setup(Level.Invocation)}, not measured): the guest writes the
 * same deterministic {@code dirtyPercent}% of the pages ({@link #dirtyGfns}: evenly spread, every
 * {@code 1M/k}-th page), each an EPT violation on a present read-only spte
 * ({@code PFERR_WRITE_MASK | PFERR_PRESENT_MASK}) into {@code tdp_page_fault}, which takes the
 * port's lockless fast path ({@code fast_page_fault}: cmpxchg the W bit back, then
 * {@code mark_page_dirty}). {@link #dirtyOnly} measures that part alone.
 *
 * <p>Measured: {@link #getDirtyLog} is the ioctl, {@code kvm_vm_ioctl(KVM_GET_DIRTY_LOG)} into
 * {@code kvm_vm_ioctl_get_dirty_log} (slots_lock, memset of the second-half buffer, xchg of each
 * non-zero word under mmu_lock, {@code kvm_mmu_write_protect_pt_masked}, the remote TLB flush,
 * {@code copy_to_user}), without the agent. {@link #rawGetDirtyLog} is the floor: the same dirty set
 * in a plain {@code long[]} bitmap and a flat {@code long[]} of sptes indexed by gfn; scan the
 * bitmap, xchg each non-zero word, clear the W bit of the spte of each set bit.
 *
 * <p>Run from the repository root: {@code bench/dirtylog}, or
 * {@code java -jar bench/target/benchmarks.jar GetDirtyLogBench -prof gc -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "-Xms3g"})
public class GetDirtyLogBench {
    /** 4 GiB of 4 KiB pages. */
    public static final int NPAGES = 1 << 20;
    static final long BASE_GFN = 0x100000;
    static final int SLOT = 0;
    static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    /** The {@code dirtyPercent}% of the slot's page offsets the guest writes: every (1M/k)-th page. */
    static int[] dirtyGfns(double dirtyPercent) {
        int k = (int) Math.round(NPAGES * dirtyPercent / 100);
        int[] g = new int[k];
        for (int j = 0; j < k; j++) {
            g[j] = (int) ((long) j * NPAGES / k);
        }
        return g;
    }

    /** The VM, faulted in and write-protected once per trial. */
    @State(Scope.Benchmark)
    public static class Port {
        @Param({"0.1", "1", "10"})
        public double dirtyPercent;
        BareVm vm;
        kvm_vcpu vcpu;
        int[] dirty;
        long[] buf;

        @Setup(Level.Trial)
        public void setup() {
            vm = BareVm.create();
            vm.addSlot(SLOT, BASE_GFN, NPAGES, true);
            vcpu = vm.addVcpu(0);
            kvm_main.vcpu_load(vcpu);
            try {
                for (long g = 0; g < NPAGES; g++) {
                    BareVm.write(vcpu, BASE_GFN + g);
                }
            } finally {
                kvm_main.vcpu_put(vcpu);
            }
            buf = new long[NPAGES / 64];
            check(vm.getDirtyLog(SLOT, buf));
            dirty = dirtyGfns(dirtyPercent);
        }

        /** The guest's writes: each one the port's fast page fault on a write-protected spte. */
        @Setup(Level.Invocation)
        public void dirty() {
            guestWrites();
        }

        void guestWrites() {
            kvm_main.vcpu_load(vcpu);
            try {
                for (int g : dirty) {
                    int r = BareVm.fault(vcpu, BASE_GFN + g, true, true);
                    if (r != 0) {
                        throw new IllegalStateException("tdp_page_fault returned " + r);
                    }
                }
            } finally {
                kvm_main.vcpu_put(vcpu);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            vm.close();
        }
    }

    /** Only the guest's writes, harvested outside the measurement; {@link #dirtyOnly} measures the writes. */
    @State(Scope.Benchmark)
    public static class PortDirtyOnly extends Port {
        @Override
        @Setup(Level.Invocation)
        public void dirty() {
            check(vm.getDirtyLog(SLOT, buf));
        }
    }

    /** The raw loop's bitmap and flat sptes, indexed by page offset. */
    @State(Scope.Benchmark)
    public static class Raw {
        static final long W = mmu_h.PT_WRITABLE_MASK;
        @Param({"0.1", "1", "10"})
        public double dirtyPercent;
        long[] bitmap;
        long[] sptes;
        long[] out;
        int[] dirty;

        @Setup(Level.Trial)
        public void setup() {
            bitmap = new long[NPAGES / 64];
            sptes = new long[NPAGES];
            out = new long[NPAGES / 64];
            for (int g = 0; g < NPAGES; g++) {
                sptes[g] = ((BASE_GFN + g) << 12) | 0x5; // present (R|X), not writable
            }
            dirty = dirtyGfns(dirtyPercent);
        }

        /** The same writes, done the way the fast path leaves them: W set in the spte, the bit in the bitmap. */
        @Setup(Level.Invocation)
        public void dirty() {
            for (int g : dirty) {
                sptes[g] |= W;
                bitmap[g >>> 6] |= 1L << (g & 63);
            }
        }
    }

    static void check(long r) {
        if (r != 0) {
            throw new IllegalStateException("KVM_GET_DIRTY_LOG returned " + r);
        }
    }

    @Benchmark
    public long[] getDirtyLog(Port p) {
        check(p.vm.getDirtyLog(SLOT, p.buf));
        return p.buf;
    }

    @Benchmark
    public void dirtyOnly(PortDirtyOnly p) {
        p.guestWrites();
    }

    @Benchmark
    public long[] rawGetDirtyLog(Raw r) {
        long[] bitmap = r.bitmap;
        long[] sptes = r.sptes;
        long[] out = r.out;
        for (int i = 0; i < bitmap.length; i++) {
            long mask = 0;
            if (bitmap[i] != 0) {
                mask = (long) WORD.getAndSet(bitmap, i, 0L);
                int base = i << 6;
                for (long m = mask; m != 0; m &= m - 1) {
                    sptes[base + Long.numberOfTrailingZeros(m)] &= ~Raw.W;
                }
            }
            out[i] = mask;
        }
        return out;
    }

    /**
     * The raw loop with the one atomic the kernel's semantics need per dirty page: the write bit is
     * cleared with an xchg of the spte, as mmu_spte_update does for a spte whose volatile bits
     * (SPTE_HOST_WRITEABLE and SPTE_MMU_WRITEABLE, which the lockless fast path may change) are
     * set. The gap between this and {@link #rawGetDirtyLog} is that atomic alone; the gap between
     * the port and this is the rmap walk, the locks and the flush.
     */
    @Benchmark
    public long[] rawAtomicGetDirtyLog(Raw r) {
        long[] bitmap = r.bitmap;
        long[] sptes = r.sptes;
        long[] out = r.out;
        for (int i = 0; i < bitmap.length; i++) {
            long mask = 0;
            if (bitmap[i] != 0) {
                mask = (long) WORD.getAndSet(bitmap, i, 0L);
                int base = i << 6;
                for (long m = mask; m != 0; m &= m - 1) {
                    int g = base + Long.numberOfTrailingZeros(m);
                    long old = sptes[g];
                    WORD.getAndSet(sptes, g, old & ~Raw.W);
                }
            }
            out[i] = mask;
        }
        return out;
    }
}
