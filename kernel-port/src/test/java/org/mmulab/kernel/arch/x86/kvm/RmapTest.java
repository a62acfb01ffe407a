// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmulab.kernel.arch.x86.include.asm.kvm_host_h;
import org.mmulab.kernel.arch.x86.include.asm.kvm_mmu_page;
import org.mmulab.kernel.linux.KernelBug;
import org.mmulab.kernel.linux.LongPtr;
import org.mmulab.kernel.linux.kvm_vcpu;
import org.mmulab.kernel.linux.mm;
import org.mmulab.kernel.linux.spinlock_t;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * The rmap lists of mmu.c 917-1157: pte_list_add (929-961), pte_list_desc_remove_entry (963-983),
 * pte_list_remove (985-1019), pte_list_walk (1021-1039), rmap_get_first / rmap_get_next
 * (1109-1151), and rmap_add / rmap_remove / drop_spte (1069-1090, 1153-1157) on a real mapping.
 *
 * <p>Head encoding (mmu.c 917-928 and the code): 0 = empty; bit 0 clear = the head is the one
 * spte's address; bit 0 set = (head & ~1) is the first {@code pte_list_desc}, each holding up to
 * PTE_LIST_EXT (3) sptes, chained by {@code more}.
 *
 * <p>Fake sptes are 8-aligned words of a real page; the list code never dereferences them.
 * Descriptors come out of the vCPU's memory cache, which was filled from
 * {@code pte_list_desc_cache} in advance; so "descriptors held by rmaps" is
 * {@code live_objects() - cache.nobjs}, measured against a baseline taken after the top-up.
 */
class RmapTest {
    static final int PTE_LIST_EXT = 3; // mmu.c 155

    private BareVm vm;
    private kvm_vcpu vcpu;
    private long page;
    private long baseline;

    @BeforeEach
    void setUp() {
        vm = BareVm.create(false);
        vm.addSlot(SLOT, BASE_GFN, NPAGES, false); // gives the VM a shadow-page budget; the lists here ignore it
        vcpu = vm.addVcpu(0);
        page = mm.__get_free_page();
        topUp();
        baseline = descsHeld();
    }

    @AfterEach
    void tearDown() {
        mm.free_page(page);
    }

    private void topUp() {
        assertEquals(0, mmu.mmu_topup_memory_caches(vcpu));
    }

    /** Descriptors allocated from pte_list_desc_cache and not sitting in the vCPU's cache. */
    private long descsHeld() {
        return mmu.pte_list_desc_cache.live_objects() - vcpu.arch.mmu_pte_list_desc_cache.nobjs;
    }

    private long descsInUse() {
        return descsHeld() - baseline;
    }

    /** Fake spte number {@code i} (i >= 1): a distinct, non-zero, 8-aligned address. */
    private long s(int i) {
        return page + 8L * i;
    }

    /** The descriptor chain of a head with bit 0 set, checking the structural rules on the way. */
    private static List<mmu.pte_list_desc> chain(LongPtr head) {
        List<mmu.pte_list_desc> out = new ArrayList<>();
        long h = head.get();
        if ((h & 1) == 0) {
            return out;
        }
        IdentityHashMap<mmu.pte_list_desc, Boolean> seen = new IdentityHashMap<>();
        for (mmu.pte_list_desc d = mmu.pte_list_desc_cache.lookup(h & ~1L); d != null; d = d.more) {
            assertTrue(seen.put(d, true) == null, "cycle in the descriptor chain");
            assertEquals(0L, d.addr & 1, "a descriptor address has bit 0 clear");
            assertSame(d, mmu.pte_list_desc_cache.lookup(d.addr), "every chained descriptor is live");
            // Packed: a run of non-zero entries, then zeros. The first is never zero
            // (rmap_get_next relies on it, mmu.c 1145-1146).
            assertNotEquals(0L, d.sptes[0], "empty descriptor left in the chain");
            boolean hole = false;
            for (long e : d.sptes) {
                if (e == 0) {
                    hole = true;
                } else {
                    assertTrue(!hole, "entry after a hole: " + Arrays.toString(d.sptes));
                }
            }
            out.add(d);
        }
        return out;
    }

    /** The sptes of each descriptor (zeros dropped), for exact shape checks. */
    private static List<List<Long>> shape(LongPtr head) {
        List<List<Long>> out = new ArrayList<>();
        for (mmu.pte_list_desc d : chain(head)) {
            List<Long> entries = new ArrayList<>();
            for (long e : d.sptes) {
                if (e != 0) {
                    entries.add(e);
                }
            }
            out.add(entries);
        }
        return out;
    }

    private List<List<Long>> descs(int[]... groups) {
        List<List<Long>> out = new ArrayList<>();
        for (int[] g : groups) {
            List<Long> l = new ArrayList<>();
            for (int i : g) {
                l.add(s(i));
            }
            out.add(l);
        }
        return out;
    }

    private static int[] d(int... i) {
        return i;
    }

    /** Sptes in the order rmap_get_first / rmap_get_next give them. */
    private static List<Long> iterate(LongPtr head) {
        List<Long> out = new ArrayList<>();
        mmu.rmap_iterator iter = new mmu.rmap_iterator();
        for (long sptep = mmu.rmap_get_first(head.get(), iter); sptep != 0; sptep = mmu.rmap_get_next(iter)) {
            out.add(sptep);
            assertTrue(out.size() <= 1000, "runaway iteration");
        }
        return out;
    }

    private static List<Long> walk(LongPtr head) {
        List<Long> out = new ArrayList<>();
        mmu.pte_list_walk(head, out::add);
        return out;
    }

    /** Both iterators visit exactly {@code expected}, each spte once, in the same order. */
    private void assertVisits(LongPtr head, Set<Long> expected, String when) {
        List<Long> it = iterate(head);
        List<Long> w = walk(head);
        assertEquals(it, w, when + ": rmap_get_first/next and pte_list_walk agree");
        assertEquals(expected.size(), it.size(), when + ": each spte visited once");
        assertEquals(expected, new HashSet<>(it), when + ": the set of sptes");
        // head encoding and descriptor accounting
        long h = head.get();
        if (expected.isEmpty()) {
            assertEquals(0L, h, when + ": empty head is 0");
        } else if ((h & 1) == 0) {
            assertEquals(1, expected.size(), when + ": a bare head holds one spte");
            assertEquals(expected.iterator().next().longValue(), h, when);
        }
        assertEquals(chain(head).size(), descsInUse(), when + ": descriptors held == descriptors chained");
    }

    // ---- Shapes, growing ----

    @Test
    void emptyHead() {
        LongPtr head = LongPtr.word();
        assertEquals(0L, mmu.rmap_get_first(0L, new mmu.rmap_iterator()));
        assertEquals(List.of(), walk(head));
        assertVisits(head, Set.of(), "empty");
    }

    @Test
    void singleSpteIsStoredInTheHead() {
        LongPtr head = LongPtr.word();
        assertEquals(0, mmu.pte_list_add(vcpu, s(1), head), "mmu.c 935-937: nothing there before");
        assertEquals(s(1), head.get(), "the head is the spte address itself");
        assertEquals(0L, head.get() & 1, "bit 0 clear");
        assertEquals(0, descsInUse(), "no descriptor for one spte");
        assertEquals(List.of(s(1)), iterate(head));
        assertEquals(List.of(s(1)), walk(head));
    }

    @Test
    void secondSpteMovesBothIntoADescriptor() {
        LongPtr head = LongPtr.word();
        mmu.pte_list_add(vcpu, s(1), head);
        assertEquals(1, mmu.pte_list_add(vcpu, s(2), head), "mmu.c 938-944: one before");
        assertEquals(1L, head.get() & 1, "bit 0 set: a descriptor");
        mmu.pte_list_desc desc = mmu.pte_list_desc_cache.lookup(head.get() & ~1L);
        assertEquals(desc.addr | 1, head.get());
        assertArrayEquals(new long[] {s(1), s(2), 0L}, desc.sptes, "the old spte first, the new one second");
        assertNull(desc.more);
        assertEquals(1, descsInUse());
    }

    /**
     * What pte_list_add returns when the list holds n sptes, worked out from mmu.c 929-961: 0 for
     * an empty head (935-937); 1 for a single spte (944); otherwise 3 for every full descriptor
     * that has a successor (948-951), plus the entries of the descriptor it stops at (956-957),
     * which is 0 when that descriptor was full and a fresh one is appended (952-955). So for a
     * packed list the value is n, except n - 3 when n is a multiple of 3 (n >= 3). The comment
     * above the function (mmu.c 925-926) promises the count before insertion; the code undercounts
     * whenever it appends a fresh descriptor. Its one caller that uses the value (mmu_set_spte's
     * rmap_recycle threshold, mmu.c 2555-2557) is only a heuristic. The port follows the code.
     */
    static final int[] ADD_RETURNS = {0, 1, 2, 0, 4, 5, 3, 7, 8, 6, 10, 11, 9};

    @Test
    void growingToTwelveGivesExactReturnValuesAndShapes() {
        LongPtr head = LongPtr.word();
        Set<Long> expected = new HashSet<>();
        List<Long> order = new ArrayList<>();
        for (int n = 0; n < ADD_RETURNS.length; n++) {
            int ret = mmu.pte_list_add(vcpu, s(n + 1), head);
            assertEquals(ADD_RETURNS[n], ret, "pte_list_add onto " + n + " sptes");
            expected.add(s(n + 1));
            order.add(s(n + 1));
            int size = n + 1;

            assertVisits(head, expected, size + " sptes");
            assertEquals(order, iterate(head), size + " sptes: insertion order");
            if (size == 1) {
                assertEquals(s(1), head.get());
                continue;
            }
            assertEquals(1L, head.get() & 1);
            // packed in insertion order, three per descriptor, new descriptors appended at the tail
            List<List<Long>> want = new ArrayList<>();
            for (int i = 0; i < size; i += PTE_LIST_EXT) {
                want.add(order.subList(i, Math.min(size, i + PTE_LIST_EXT)));
            }
            assertEquals(want, shape(head), size + " sptes: descriptor contents");
            assertEquals((size + PTE_LIST_EXT - 1) / PTE_LIST_EXT, descsInUse());
        }
    }

    @Test
    void addGoesToTheFirstDescriptorWhoseLastSlotIsFree() {
        // d1=[1,2,3] d2=[4,5,6] d3=[7]; removing 1 leaves d1=[3,2,_] (mmu.c 969-972), and the
        // walk of mmu.c 948 stops at the first descriptor whose last slot is free.
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 7; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
        }
        mmu.pte_list_remove(s(1), head);
        assertEquals(descs(d(3, 2), d(4, 5, 6), d(7)), shape(head));
        assertEquals(2, mmu.pte_list_add(vcpu, s(8), head), "counted only d1's two entries");
        assertEquals(descs(d(3, 2, 8), d(4, 5, 6), d(7)), shape(head));
        // d1 and d2 full: the walk passes both (count 6) and fills d3
        assertEquals(7, mmu.pte_list_add(vcpu, s(9), head));
        assertEquals(descs(d(3, 2, 8), d(4, 5, 6), d(7, 9)), shape(head));
        assertEquals(3, descsInUse());
    }

    // ---- Shapes, shrinking: each branch of pte_list_desc_remove_entry (mmu.c 963-983) ----

    @Test
    void removingTheOnlySpteEmptiesTheHead() {
        LongPtr head = LongPtr.word();
        mmu.pte_list_add(vcpu, s(1), head);
        mmu.pte_list_remove(s(1), head);
        assertEquals(0L, head.get(), "mmu.c 1000");
        assertVisits(head, Set.of(), "emptied");
    }

    @Test
    void aDescriptorNeverCollapsesBackToABareHead() {
        LongPtr head = LongPtr.word();
        mmu.pte_list_add(vcpu, s(1), head);
        mmu.pte_list_add(vcpu, s(2), head);
        long h = head.get();
        mmu.pte_list_remove(s(1), head);
        assertEquals(h, head.get(), "still the same descriptor, bit 0 set");
        assertEquals(descs(d(2)), shape(head), "the last entry moved into the hole");
        assertEquals(1, descsInUse());
        assertEquals(List.of(s(2)), iterate(head));

        mmu.pte_list_remove(s(2), head);
        assertEquals(0L, head.get(), "mmu.c 975-976: last entry of the only descriptor");
        assertEquals(0, descsInUse(), "descriptor freed (mmu.c 982)");
    }

    @ParameterizedTest(name = "remove entry {0} of [1,2,3]")
    @ValueSource(ints = {1, 2, 3})
    void removingFromAFullDescriptorFillsTheHoleWithTheLastEntry(int victim) {
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 3; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
        }
        mmu.pte_list_remove(s(victim), head);
        // mmu.c 969-972: the last used entry (index 2) moves to the hole
        List<List<Long>> want = switch (victim) {
            case 1 -> descs(d(3, 2));
            case 2 -> descs(d(1, 3));
            default -> descs(d(1, 2));
        };
        assertEquals(want, shape(head));
        assertEquals(1, descsInUse());
    }

    @Test
    void emptyingTheLastDescriptorUnlinksItFromItsPredecessor() {
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 4; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
        }
        long h = head.get();
        mmu.pte_list_desc first = chain(head).get(0);
        mmu.pte_list_remove(s(4), head);
        assertEquals(h, head.get(), "head unchanged");
        assertNull(first.more, "mmu.c 978-979: prev->more = desc->more (NULL)");
        assertEquals(descs(d(1, 2, 3)), shape(head));
        assertEquals(1, descsInUse());
    }

    @Test
    void emptyingAMiddleDescriptorLinksAroundIt() {
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 7; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
        }
        List<mmu.pte_list_desc> c = chain(head);
        mmu.pte_list_remove(s(4), head);
        assertEquals(descs(d(1, 2, 3), d(6, 5), d(7)), shape(head));
        mmu.pte_list_remove(s(5), head);
        assertEquals(descs(d(1, 2, 3), d(6), d(7)), shape(head));
        mmu.pte_list_remove(s(6), head);
        assertSame(c.get(2), c.get(0).more, "mmu.c 978-979: d1->more = d3");
        assertEquals(descs(d(1, 2, 3), d(7)), shape(head));
        assertEquals(2, descsInUse());
    }

    @Test
    void emptyingTheFirstDescriptorMovesTheHeadToTheNext() {
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 4; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
        }
        mmu.pte_list_desc second = chain(head).get(1);
        mmu.pte_list_remove(s(1), head);
        assertEquals(descs(d(3, 2), d(4)), shape(head));
        mmu.pte_list_remove(s(3), head);
        assertEquals(descs(d(2), d(4)), shape(head));
        mmu.pte_list_remove(s(2), head);
        assertEquals(second.addr | 1, head.get(), "mmu.c 980-981: head = desc->more | 1");
        assertEquals(descs(d(4)), shape(head));
        assertEquals(1, descsInUse());
    }

    // ---- Shapes, every removal order ----

    private static void permutations(int[] a, int k, List<int[]> out) {
        if (k == a.length) {
            out.add(a.clone());
            return;
        }
        for (int i = k; i < a.length; i++) {
            int t = a[k]; a[k] = a[i]; a[i] = t;
            permutations(a, k + 1, out);
            t = a[k]; a[k] = a[i]; a[i] = t;
        }
    }

    @ParameterizedTest(name = "{0} sptes, every removal order")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void everyRemovalOrderEndsEmptyWithAllDescriptorsFreed(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i + 1;
        }
        List<int[]> orders = new ArrayList<>();
        permutations(idx, 0, orders);
        for (int[] order : orders) {
            topUp();
            String name = n + " sptes, removal order " + Arrays.toString(order);
            LongPtr head = LongPtr.word();
            Set<Long> live = new HashSet<>();
            for (int i = 1; i <= n; i++) {
                mmu.pte_list_add(vcpu, s(i), head);
                live.add(s(i));
            }
            assertVisits(head, live, name + ", built");
            for (int step = 0; step < n; step++) {
                mmu.pte_list_remove(s(order[step]), head);
                live.remove(s(order[step]));
                assertVisits(head, live, name + ", after removing " + order[step]);
                if (!live.isEmpty() && n > 1) {
                    assertEquals(1L, head.get() & 1, name + ": stays a descriptor list while non-empty");
                }
            }
            assertEquals(0L, head.get(), name);
            assertEquals(0, descsInUse(), name + ": every emptied descriptor freed");
        }
    }

    @Test
    void randomAddsAndRemovesAgreeWithASet() {
        Random rnd = new Random(0x5eed);
        LongPtr head = LongPtr.word();
        Set<Long> live = new HashSet<>();
        for (int op = 0; op < 5000; op++) {
            topUp();
            long spte = s(1 + rnd.nextInt(14));
            if (live.contains(spte)) {
                mmu.pte_list_remove(spte, head);
                live.remove(spte);
            } else {
                mmu.pte_list_add(vcpu, spte, head);
                live.add(spte);
            }
            assertVisits(head, live, "op " + op);
        }
        for (long spte : new ArrayList<>(live)) {
            mmu.pte_list_remove(spte, head);
        }
        assertEquals(0L, head.get());
        assertEquals(0, descsInUse());
    }

    // ---- Removing what is not there ----

    @Test
    void removingFromAnEmptyHeadIsABug() {
        LongPtr head = LongPtr.word();
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(1), head), "mmu.c 991-993");
        assertEquals(0L, head.get());
    }

    @Test
    void removingAnotherSpteFromASingleHeadIsABug() {
        LongPtr head = LongPtr.word();
        mmu.pte_list_add(vcpu, s(1), head);
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(2), head), "mmu.c 996-998");
        assertEquals(s(1), head.get(), "head untouched");
    }

    @ParameterizedTest(name = "{0} sptes")
    @ValueSource(ints = {2, 3, 4, 7})
    void removingAnAbsentSpteFromADescriptorListIsABug(int n) {
        LongPtr head = LongPtr.word();
        Set<Long> live = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            mmu.pte_list_add(vcpu, s(i), head);
            live.add(s(i));
        }
        List<List<Long>> before = shape(head);
        assertThrows(KernelBug.class, () -> mmu.pte_list_remove(s(100), head), "mmu.c 1016-1017");
        assertEquals(before, shape(head), "list untouched");
        assertVisits(head, live, "after the failed remove");
    }

    // ---- rmap_get_first / rmap_get_next details ----

    @Test
    void rmapGetFirstResetsAReusedIteratorForABareHead() {
        LongPtr many = LongPtr.word();
        for (int i = 1; i <= 5; i++) {
            mmu.pte_list_add(vcpu, s(i), many);
        }
        mmu.rmap_iterator iter = new mmu.rmap_iterator();
        assertEquals(s(1), mmu.rmap_get_first(many.get(), iter));
        assertEquals(s(2), mmu.rmap_get_next(iter)); // the iterator now points into a descriptor

        // mmu.c 1114-1117: a bare head clears iter->desc, so rmap_get_next ends the walk
        assertEquals(s(9), mmu.rmap_get_first(s(9), iter));
        assertEquals(0L, mmu.rmap_get_next(iter));
        assertEquals(0L, mmu.rmap_get_next(iter), "stays at the end");

        // and a reused iterator restarts at position 0 of the first descriptor (mmu.c 1119-1121)
        mmu.rmap_get_first(many.get(), iter);
        mmu.rmap_get_next(iter);
        mmu.rmap_get_next(iter);
        assertEquals(s(1), mmu.rmap_get_first(many.get(), iter));
        assertEquals(s(2), mmu.rmap_get_next(iter));
    }

    @Test
    void rmapGetNextCrossesDescriptorsAndStopsAtAPartialOne() {
        LongPtr head = LongPtr.word();
        for (int i = 1; i <= 5; i++) {
            mmu.pte_list_add(vcpu, s(i), head); // [1,2,3] -> [4,5,_]
        }
        mmu.rmap_iterator iter = new mmu.rmap_iterator();
        assertEquals(s(1), mmu.rmap_get_first(head.get(), iter));
        assertEquals(s(2), mmu.rmap_get_next(iter));
        assertEquals(s(3), mmu.rmap_get_next(iter));
        assertEquals(s(4), mmu.rmap_get_next(iter), "mmu.c 1141-1146: next descriptor, position 0");
        assertEquals(s(5), mmu.rmap_get_next(iter));
        assertEquals(0L, mmu.rmap_get_next(iter), "mmu.c 1136-1141: a zero entry ends the descriptor");
    }

    // ---- rmap_add / rmap_remove / drop_spte on a real mapping ----

    static final int SLOT = 0;
    static final long BASE_GFN = 0x100; // 512-aligned: gfn index in the leaf table = gfn & 511
    static final long NPAGES = 64;

    private void lock() {
        spinlock_t.spin_lock(vm.kvm.mmu_lock);
    }

    private void unlock() {
        spinlock_t.spin_unlock(vm.kvm.mmu_lock);
    }

    /** A VM of its own with the given A/D setting, one slot, one vCPU. */
    private kvm_vcpu realVm(boolean ad) {
        vm = BareVm.create(ad);
        vm.addSlot(SLOT, BASE_GFN, NPAGES, false);
        return vm.addVcpu(0);
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void theRmapOfAFaultedGfnHoldsItsLeafSptep(boolean ad) {
        kvm_vcpu v = realVm(ad);
        long gfn = BASE_GFN + 8; // first of its 8-entry prefetch group (mmu.c 2609)
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        long sptep = BareVm.leafSptep(v, gfn);
        assertNotEquals(0L, sptep);

        LongPtr rmap = mmu.gfn_to_rmap(vm.kvm, gfn, 1);
        assertEquals(sptep, rmap.get(), "one spte: the head is the leaf sptep");
        assertEquals(List.of(sptep), iterate(rmap));
        // the direct map never rmaps its non-leaf sptes (link_shadow_page, mmu.c 2041-2055)
        assertEquals(0L, mmu.gfn_to_rmap(vm.kvm, gfn, 2).get());
        assertEquals(0L, mmu.gfn_to_rmap(vm.kvm, gfn, 3).get());

        kvm_mmu_page sp = kvm_host_h.page_header(sptep);
        assertEquals(1, sp.role.level);
        assertEquals(gfn, mmu.kvm_mmu_page_get_gfn(sp, (int) ((sptep - sp.spt) >>> 3)), "mmu.c 785-791");

        // Nothing was prefetched around the first entry of a group: mmu.c 2612-2621 only
        // prefetches a run of empty entries that ends at a present one or at the faulting spte.
        for (long g = gfn + 1; g < gfn + 8; g++) {
            assertEquals(0L, mmu.gfn_to_rmap(vm.kvm, g, 1).get(), "gfn " + Long.toHexString(g));
        }
    }

    @Test
    void prefetchedNeighboursAreRmappedToo() {
        // With A/D bits, direct_pte_prefetch (mmu.c 2624-2642) maps the empty entries before the
        // faulting one in its 8-aligned group; each prefetched spte is rmapped by mmu_set_spte.
        kvm_vcpu v = realVm(true);
        long gfn = BASE_GFN + 15; // last of the group BASE+8 .. BASE+15
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        for (long g = BASE_GFN + 8; g <= gfn; g++) {
            long sptep = BareVm.leafSptep(v, g);
            assertTrue(mmu.is_shadow_present_pte(mm.deref(sptep)), "gfn " + Long.toHexString(g) + " mapped");
            assertEquals(sptep, mmu.gfn_to_rmap(vm.kvm, g, 1).get(), "gfn " + Long.toHexString(g));
        }
        assertEquals(0L, mmu.gfn_to_rmap(vm.kvm, BASE_GFN + 16, 1).get(), "next group untouched");
    }

    @Test
    void withoutAccessedBitsNothingIsPrefetched() {
        kvm_vcpu v = realVm(false);
        long gfn = BASE_GFN + 15;
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        assertEquals(BareVm.leafSptep(v, gfn), mmu.gfn_to_rmap(vm.kvm, gfn, 1).get());
        for (long g = BASE_GFN + 8; g < gfn; g++) {
            assertEquals(0L, mmu.gfn_to_rmap(vm.kvm, g, 1).get(), "mmu.c 2634-2635, gfn " + Long.toHexString(g));
        }
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void dropSpteClearsTheWordAndRemovesItFromTheRmap(boolean ad) {
        kvm_vcpu v = realVm(ad);
        long gfn = BASE_GFN + 24;
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        long sptep = BareVm.leafSptep(v, gfn);
        long old = mm.deref(sptep);
        if (ad) {
            assertEquals(0x100L, old & 0x300L, "a non-speculative fault sets A (mmu.c 2436-2437), never D");
        }
        LongPtr rmap = mmu.gfn_to_rmap(vm.kvm, gfn, 1);
        assertEquals(sptep, rmap.get());
        long accessed = kvm_main.host_pfn_accessed.get();
        long dirtied = kvm_main.host_pfn_dirtied.get();

        lock();
        try {
            mmu.drop_spte(vm.kvm, sptep);
        } finally {
            unlock();
        }
        assertEquals(0L, mm.deref(sptep), "spte cleared");
        assertEquals(0L, rmap.get(), "and gone from the rmap");
        // mmu.c 641-644: without A/D bits both are reported; with them, only A was set
        assertEquals(accessed + 1, kvm_main.host_pfn_accessed.get());
        assertEquals(dirtied + (ad ? 0 : 1), kvm_main.host_pfn_dirtied.get());

        // A second drop finds a non-present spte: mmu_spte_clear_track_bits returns 0 and
        // rmap_remove is not called (mmu.c 1155-1156), so no BUG from pte_list_remove.
        lock();
        try {
            mmu.drop_spte(vm.kvm, sptep);
        } finally {
            unlock();
        }
        assertEquals(0L, rmap.get());

        // The gfn faults back in at the same place and is rmapped again.
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        assertEquals(sptep, BareVm.leafSptep(v, gfn));
        assertEquals(sptep, rmap.get());
    }

    @Test
    void rmapAddAndRemoveUseTheGfnOfTheSpteSlot() {
        kvm_vcpu v = realVm(false);
        long gfn = BASE_GFN + 33;
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        long sptep = BareVm.leafSptep(v, gfn);
        LongPtr rmap = mmu.gfn_to_rmap(vm.kvm, gfn, 1);

        lock();
        try {
            mmu.rmap_remove(vm.kvm, sptep);
            assertEquals(0L, rmap.get(), "rmap_remove finds the gfn from the spte's page (mmu.c 1080-1090)");
            assertEquals(0, mmu.rmap_add(v, sptep, gfn), "mmu.c 1069-1078 returns pte_list_add's count");
            assertEquals(sptep, rmap.get());
            // a second spte of the same gfn (as a shadow MMU could have): the rmap grows a descriptor
            long other = s(1);
            assertEquals(1, mmu.pte_list_add(v, other, rmap));
            assertEquals(Set.of(sptep, other), new HashSet<>(iterate(rmap)));
            mmu.rmap_remove(vm.kvm, sptep);
            assertEquals(List.of(other), iterate(rmap));
            mmu.pte_list_remove(other, rmap);
            assertEquals(0L, rmap.get());
            // rmap_remove of a spte that is not on its rmap any more is a BUG (mmu.c 991-993)
            assertThrows(KernelBug.class, () -> mmu.rmap_remove(vm.kvm, sptep));
        } finally {
            unlock();
        }
    }

    @Test
    void rmapAddOfTheWrongGfnForADirectPageIsABug() {
        kvm_vcpu v = realVm(false);
        long gfn = BASE_GFN + 40;
        assertEquals(0, BareVm.fault(v, gfn, true, false));
        long sptep = BareVm.leafSptep(v, gfn);
        LongPtr wrong = mmu.gfn_to_rmap(vm.kvm, gfn + 1, 1);
        lock();
        try {
            // mmu.c 793-797: a direct page's gfn follows from the index, so a mismatch is a BUG
            assertThrows(KernelBug.class, () -> mmu.rmap_add(v, sptep, gfn + 1));
        } finally {
            unlock();
        }
        assertEquals(0L, wrong.get(), "nothing was added");
        assertEquals(sptep, mmu.gfn_to_rmap(vm.kvm, gfn, 1).get());
    }
}
