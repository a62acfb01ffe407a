// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.kernel.arch.x86.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmulab.hw.Machine;
import org.mmulab.kernel.linux.bug;
import org.mmulab.kernel.linux.mm;
import org.mmulab.fixture.BareVm;
import org.mmulab.kernel.virt.kvm.kvm_main;

/**
 * Bit-level checks of the spte constants and helpers of mmu.h / mmu.c against values worked out
 * by hand from the Linux v3.16 definitions (the expected numbers below are literals, not the
 * port's constants, so a wrong constant in the port cannot make its own test pass).
 *
 * <p>Every spte word lives in a real page from {@code mm.__get_free_page()}; the masks are set in
 * {@link #setUp()} because other test classes change them.
 */
class SpteHelpersTest {

    // ---- Bit values derived from the kernel headers (literals on purpose) ----

    /** mmu.h 14: bit 0. On EPT this is the R bit (vmx.h 417 VMX_EPT_READABLE_MASK = 0x1). */
    static final long P = 0x1L;
    /** mmu.h 12+15: 1 << PT_WRITABLE_SHIFT(1). On EPT the W bit (vmx.h 418 = 0x2). */
    static final long W = 0x2L;
    /** vmx.h 419: VMX_EPT_EXECUTABLE_MASK = 0x4 (the EPT shadow_x_mask, vmx.c 8993). */
    static final long EPT_X = 0x4L;
    /** mmu.h 23-24: 1 << PT_PAGE_SIZE_SHIFT(7). */
    static final long LARGE = 0x80L;
    /** vmx.h 421: VMX_EPT_ACCESS_BIT = 1 << 8. */
    static final long EPT_A = 0x100L;
    /** vmx.h 422: VMX_EPT_DIRTY_BIT = 1 << 9. */
    static final long EPT_D = 0x200L;
    /** mmu.c 94+149: 1 << PT_FIRST_AVAIL_BITS_SHIFT(10). */
    static final long HOST = 0x400L;
    /** mmu.c 94+150: 1 << (PT_FIRST_AVAIL_BITS_SHIFT + 1). */
    static final long MMU = 0x800L;
    /** vmx.c 4338 (in ept_set_mmio_spte_mask, 4330-4339): (0x3 << 62) | 0x6. */
    static final long EPT_MMIO = 0xC000_0000_0000_0006L;

    /** Some host pfn; its address bits are pfn << 12 (mmu.c 349-352 reads them back). */
    static final long PFN = 0x12_3456L;
    static final long PFN_BITS = PFN << 12;

    /** A writable EPT leaf as set_spte (mmu.c 2424-2500) builds it, minus memory type and A bit. */
    static final long WRITABLE = P | W | EPT_X | HOST | MMU | PFN_BITS;
    /** What dirty logging leaves: W clear, both software bits kept (mmu.h 107-139, case b). */
    static final long DIRTY_LOGGED = P | EPT_X | HOST | MMU | PFN_BITS;
    /** What shadowing a guest page table leaves: W and SPTE_MMU_WRITEABLE clear (case a). */
    static final long SHADOW_PROTECTED = P | EPT_X | HOST | PFN_BITS;

    private final List<Long> pages = new ArrayList<>();
    private long sptep;

    @BeforeEach
    void setUp() {
        useEpt(false);
        long page = mm.__get_free_page();
        pages.add(page);
        sptep = page + 8 * 17; // any 8-aligned word of the page
    }

    @AfterEach
    void freePages() {
        for (long p : pages) {
            mm.free_page(p);
        }
    }

    /** What BareVm.create does to the globals: x86.kvm_arch_init then vmx.hardware_setup. */
    private static void useEpt(boolean ad) {
        x86.kvm_arch_init(new vmx(Machine.withoutRam()));
        vmx.hardware_setup(ad);
    }

    // ---- Constants ----

    @Test
    void ptBitsMatchMmuH() {
        assertEquals(0x1L, mmu_h.PT_PRESENT_MASK, "mmu.h 14");
        assertEquals(1, mmu_h.PT_WRITABLE_SHIFT, "mmu.h 12");
        assertEquals(0x2L, mmu_h.PT_WRITABLE_MASK, "mmu.h 15");
        assertEquals(0x4L, mmu_h.PT_USER_MASK, "mmu.h 16");
        assertEquals(0x20L, mmu_h.PT_ACCESSED_MASK, "mmu.h 19-20");
        assertEquals(0x40L, mmu_h.PT_DIRTY_MASK, "mmu.h 21-22");
        assertEquals(7, mmu_h.PT_PAGE_SIZE_SHIFT, "mmu.h 23");
        assertEquals(0x80L, mmu_h.PT_PAGE_SIZE_MASK, "mmu.h 24");
        assertEquals(0x8000_0000_0000_0000L, mmu_h.PT64_NX_MASK, "mmu.h 27-28");
        assertEquals(1, mmu_h.PT_PAGE_TABLE_LEVEL, "mmu.h 45");
        assertEquals(2, mmu_h.PT_DIRECTORY_LEVEL, "mmu.h 44");
        assertEquals(3, mmu_h.PT_PDPE_LEVEL, "mmu.h 43");
        assertEquals(4, mmu_h.PT64_ROOT_LEVEL, "mmu.h 39");
    }

    @Test
    void softwareBitsAreBits10And11() {
        assertEquals(10, mmu.PT_FIRST_AVAIL_BITS_SHIFT, "mmu.c 94");
        assertEquals(0x400L, mmu.SPTE_HOST_WRITEABLE, "mmu.c 149: bit 10");
        assertEquals(0x800L, mmu.SPTE_MMU_WRITEABLE, "mmu.c 150: bit 11");
        assertEquals(1, Long.bitCount(mmu.SPTE_HOST_WRITEABLE));
        assertEquals(1, Long.bitCount(mmu.SPTE_MMU_WRITEABLE));
    }

    @Test
    void baseAddrMaskIsBits12To51() {
        // mmu.c 119: ((1 << 52) - 1) & ~(PAGE_SIZE - 1), PAGE_SIZE = 1 << 12 (page_types.h 8-9)
        assertEquals(0x000F_FFFF_FFFF_F000L, mmu.PT64_BASE_ADDR_MASK);
        assertEquals(40, Long.bitCount(mmu.PT64_BASE_ADDR_MASK));
        assertEquals(12, Long.numberOfTrailingZeros(mmu.PT64_BASE_ADDR_MASK));
        assertEquals(12, Long.numberOfLeadingZeros(mmu.PT64_BASE_ADDR_MASK));
    }

    @Test
    void pteListExtIsThree() {
        assertEquals(3, mmu.PTE_LIST_EXT, "mmu.c 155");
        assertEquals(3, new mmu.pte_list_desc(0).sptes.length, "mmu.c 157-160: sptes[PTE_LIST_EXT]");
    }

    @Test
    void kvmArchInitInstallsTheNonEptDefaults() {
        // x86.c 5608-5609: user = PT_USER_MASK, accessed = PT_ACCESSED_MASK, dirty = PT_DIRTY_MASK,
        // nx = PT64_NX_MASK, x = 0 (vmx's hardware setup replaces them afterwards)
        x86.kvm_arch_init(new vmx(Machine.withoutRam()));
        assertEquals(0x4L, mmu.shadow_user_mask);
        assertEquals(0x20L, mmu.shadow_accessed_mask);
        assertEquals(0x40L, mmu.shadow_dirty_mask);
        assertEquals(0x8000_0000_0000_0000L, mmu.shadow_nx_mask);
        assertEquals(0L, mmu.shadow_x_mask);
    }

    @ParameterizedTest(name = "enable_ept_ad_bits = {0}")
    @ValueSource(booleans = {false, true})
    void eptShadowMasks(boolean ad) {
        useEpt(ad);
        // vmx.c 8990-8993: user 0, accessed/dirty = VMX_EPT_ACCESS_BIT/VMX_EPT_DIRTY_BIT (vmx.h 421-422)
        // only with A/D bits, else 0; nx 0; x = VMX_EPT_EXECUTABLE_MASK (vmx.h 419)
        assertEquals(0L, mmu.shadow_user_mask);
        assertEquals(ad ? 0x100L : 0L, mmu.shadow_accessed_mask);
        assertEquals(ad ? 0x200L : 0L, mmu.shadow_dirty_mask);
        assertEquals(0L, mmu.shadow_nx_mask);
        assertEquals(0x4L, mmu.shadow_x_mask);
        // vmx.c 4330-4339: bits 63, 62 and the write/execute-without-read pattern 110b
        assertEquals(0xC000_0000_0000_0006L, mmu.shadow_mmio_mask);
        // vmx.c 8995 / mmu.c 4231-4235
        assertTrue(mmu.tdp_enabled);
    }

    @Test
    void eptBitValuesOfVmxH() {
        assertEquals(0x1L, vmx.VMX_EPT_READABLE_MASK, "vmx.h 417");
        assertEquals(0x2L, vmx.VMX_EPT_WRITABLE_MASK, "vmx.h 418");
        assertEquals(0x4L, vmx.VMX_EPT_EXECUTABLE_MASK, "vmx.h 419");
        assertEquals(0x40L, vmx.VMX_EPT_IPAT_BIT, "vmx.h 420");
        assertEquals(0x100L, vmx.VMX_EPT_ACCESS_BIT, "vmx.h 421");
        assertEquals(0x200L, vmx.VMX_EPT_DIRTY_BIT, "vmx.h 422");
    }

    // ---- Predicates ----

    static Stream<Arguments> writableCases() {
        return Stream.of(
                arguments(0L, false),
                arguments(W, true),
                arguments(WRITABLE, true),
                arguments(DIRTY_LOGGED, false),
                arguments(SHADOW_PROTECTED, false),
                arguments(~W, false),
                arguments(-1L, true),
                arguments(HOST | MMU, false)); // the software bits are not the W bit
    }

    @ParameterizedTest(name = "is_writable_pte({0}) = {1}")
    @MethodSource("writableCases")
    void isWritablePteTestsBit1Only(long spte, boolean expected) {
        // mmu.h 140-143
        assertEquals(expected, mmu_h.is_writable_pte(spte));
    }

    static Stream<Arguments> presentCases() {
        return Stream.of(
                arguments(0L, false, "zero"),
                arguments(P, true, "bit 0 alone"),
                arguments(WRITABLE, true, "writable leaf"),
                arguments(DIRTY_LOGGED, true, "dirty-logged leaf"),
                arguments(SHADOW_PROTECTED, true, "shadow-protected leaf"),
                arguments(W | EPT_X | HOST | MMU | PFN_BITS, false, "everything but bit 0"),
                // An MMIO spte with bit 0 set as well: every bit of shadow_mmio_mask is there, so
                // is_mmio_spte (mmu.c 260-263) is true and mmu.c 325-328 says not present.
                arguments(EPT_MMIO | P, false, "MMIO pattern plus bit 0"),
                arguments(EPT_MMIO | P | PFN_BITS, false, "MMIO pattern plus bit 0 and a gfn"),
                arguments(EPT_MMIO, false, "MMIO pattern"),
                // Only part of the mask: not MMIO, so bit 0 decides.
                arguments(P | W | EPT_X | (1L << 62), true, "bit 62 only of the MMIO bits"),
                arguments(P | (0x3L << 62) | W, true, "bits 62-63 and W, but not X"),
                arguments(P | (0x3L << 62) | EPT_X, true, "bits 62-63 and X, but not W"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("presentCases")
    void isShadowPresentPteExcludesMmioSptes(long spte, boolean expected, String what) {
        // mmu.c 325-328 (and is_rmap_spte, mmu.c 335-338, is the same test)
        assertEquals(expected, mmu.is_shadow_present_pte(spte), what);
        assertEquals(expected, mmu.is_rmap_spte(spte), what);
    }

    @Test
    void isMmioSpteNeedsEveryMaskBit() {
        // mmu.c 260-263
        assertTrue(mmu.is_mmio_spte(EPT_MMIO));
        assertTrue(mmu.is_mmio_spte(EPT_MMIO | P | PFN_BITS));
        assertFalse(mmu.is_mmio_spte(EPT_MMIO & ~(1L << 63)));
        assertFalse(mmu.is_mmio_spte(EPT_MMIO & ~(1L << 62)));
        assertFalse(mmu.is_mmio_spte(EPT_MMIO & ~W));
        assertFalse(mmu.is_mmio_spte(EPT_MMIO & ~EPT_X));
        assertFalse(mmu.is_mmio_spte(WRITABLE));
    }

    @Test
    void isLargePteTestsBit7() {
        // mmu.c 330-333
        assertTrue(mmu.is_large_pte(LARGE));
        assertTrue(mmu.is_large_pte(WRITABLE | LARGE));
        assertFalse(mmu.is_large_pte(WRITABLE));
        assertFalse(mmu.is_large_pte(~LARGE));
        assertFalse(mmu.is_large_pte(0x40L));
        assertFalse(mmu.is_large_pte(0x100L));
    }

    static Stream<Arguments> lastSpteCases() {
        List<Arguments> out = new ArrayList<>();
        for (int level = 1; level <= 4; level++) {
            for (long spte : new long[] {0L, WRITABLE, WRITABLE | LARGE, LARGE}) {
                // mmu.c 340-347: a level-1 spte is always last; above, only a large one is
                boolean expected = level == 1 || (spte & 0x80L) != 0;
                out.add(arguments(level, spte, expected));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "is_last_spte({1}, level {0}) = {2}")
    @MethodSource("lastSpteCases")
    void isLastSptePerLevel(int level, long spte, boolean expected) {
        assertEquals(expected, mmu.is_last_spte(spte, level));
    }

    @Test
    void spteToPfnTakesBits12To51() {
        // mmu.c 349-352: (pte & PT64_BASE_ADDR_MASK) >> PAGE_SHIFT
        assertEquals(PFN, mmu.spte_to_pfn(WRITABLE));
        assertEquals(PFN, mmu.spte_to_pfn(PFN_BITS | 0xFFFL));
        assertEquals(0x123_4567L, mmu.spte_to_pfn(0xFFF0_0012_3456_7FFFL), "bits 52-63 and 0-11 dropped");
        assertEquals((1L << 40) - 1, mmu.spte_to_pfn(-1L), "all 40 pfn bits, no sign extension");
        assertEquals(0L, mmu.spte_to_pfn(EPT_MMIO | 0xFFFL));
        assertEquals(1L, mmu.spte_to_pfn(0x1000L));
    }

    static Stream<Arguments> locklessCases() {
        return Stream.of(
                arguments(0L, false),
                arguments(HOST, false),
                arguments(MMU, false),
                arguments(HOST | MMU, true),
                arguments(WRITABLE, true),
                arguments(DIRTY_LOGGED, true),
                arguments(SHADOW_PROTECTED, false),
                arguments(P | W | MMU | PFN_BITS, false)); // W alone does not count
    }

    @ParameterizedTest(name = "spte_is_locklessly_modifiable({0}) = {1}")
    @MethodSource("locklessCases")
    void locklesslyModifiableNeedsBothSoftwareBits(long spte, boolean expected) {
        // mmu.c 521-525
        assertEquals(expected, mmu.spte_is_locklessly_modifiable(spte));
    }

    static Stream<Arguments> volatileCases() {
        return Stream.of(
                // mmu.c 537-538: both software bits, whatever else
                arguments(false, WRITABLE, true, "lockless, A/D off"),
                arguments(false, HOST | MMU, true, "lockless and not even present"),
                arguments(true, WRITABLE | EPT_A | EPT_D, true, "lockless beats accessed+dirty"),
                arguments(true, DIRTY_LOGGED | EPT_A, true, "lockless beats accessed+read-only"),
                // mmu.c 540-541: no accessed bit in the format, nothing else can change
                arguments(false, P | W | HOST | PFN_BITS, false, "A/D off, W without MMU_WRITEABLE"),
                arguments(false, SHADOW_PROTECTED, false, "A/D off, shadow protected"),
                arguments(false, P | W | MMU | PFN_BITS, false, "A/D off, no HOST_WRITEABLE"),
                // mmu.c 543-544: not present
                arguments(true, 0L, false, "A/D on, zero"),
                arguments(true, EPT_MMIO | P, false, "A/D on, MMIO spte"),
                arguments(true, W | HOST | EPT_A | PFN_BITS, false, "A/D on, bit 0 clear"),
                // mmu.c 546-548: accessed and (read-only or already dirty): nothing left to set
                arguments(true, SHADOW_PROTECTED | EPT_A, false, "A/D on, accessed, read-only"),
                arguments(true, P | W | HOST | EPT_A | EPT_D, false, "A/D on, accessed, writable, dirty"),
                // mmu.c 550: the CPU may still set A or D
                arguments(true, P | W | HOST | EPT_A, true, "A/D on, accessed, writable, not dirty"),
                arguments(true, SHADOW_PROTECTED, true, "A/D on, not accessed, read-only"),
                arguments(true, P | W | HOST | EPT_D, true, "A/D on, not accessed, writable, dirty"),
                arguments(true, SHADOW_PROTECTED | EPT_D, true, "A/D on, not accessed, read-only, dirty"));
    }

    @ParameterizedTest(name = "{3}: {2}")
    @MethodSource("volatileCases")
    void spteHasVolatileBitsEveryBranch(boolean ad, long spte, boolean expected, String what) {
        useEpt(ad);
        assertEquals(expected, mmu.spte_has_volatile_bits(spte), what);
    }

    @Test
    void spteIsBitCleared() {
        // mmu.c 551-554
        assertTrue(mmu.spte_is_bit_cleared(EPT_A, 0L, EPT_A));
        assertTrue(mmu.spte_is_bit_cleared(WRITABLE | EPT_A, WRITABLE, EPT_A));
        assertFalse(mmu.spte_is_bit_cleared(EPT_A, EPT_A, EPT_A), "kept");
        assertFalse(mmu.spte_is_bit_cleared(0L, EPT_A, EPT_A), "set");
        assertFalse(mmu.spte_is_bit_cleared(0L, 0L, EPT_A), "never there");
        assertFalse(mmu.spte_is_bit_cleared(EPT_D, 0L, EPT_A), "another bit cleared");
        // with a zero mask (A/D bits off) nothing is ever "cleared"
        assertFalse(mmu.spte_is_bit_cleared(-1L, 0L, 0L));
    }

    // ---- Stores ----

    @Test
    void setSpteAndFastUpdateAreStores() {
        // mmu.c 362-365 and 367-370
        mmu.__set_spte(sptep, WRITABLE);
        assertEquals(WRITABLE, mm.deref(sptep));
        mmu.__update_clear_spte_fast(sptep, DIRTY_LOGGED);
        assertEquals(DIRTY_LOGGED, mm.deref(sptep));
        mmu.__update_clear_spte_fast(sptep, 0L);
        assertEquals(0L, mm.deref(sptep));
        assertEquals(0L, mm.deref(sptep + 8), "the neighbour word is untouched");
        assertEquals(0L, mm.deref(sptep - 8), "the neighbour word is untouched");
    }

    @Test
    void slowUpdateReturnsTheOldValue() {
        // mmu.c 372-375: xchg
        mm.assign(sptep, WRITABLE | EPT_A | EPT_D);
        assertEquals(WRITABLE | EPT_A | EPT_D, mmu.__update_clear_spte_slow(sptep, SHADOW_PROTECTED));
        assertEquals(SHADOW_PROTECTED, mm.deref(sptep));
        assertEquals(SHADOW_PROTECTED, mmu.__update_clear_spte_slow(sptep, 0L));
        assertEquals(0L, mm.deref(sptep));
        assertEquals(0L, mmu.__update_clear_spte_slow(sptep, -1L));
        assertEquals(-1L, mm.deref(sptep));
    }

    @Test
    void getLocklessReadsTheWord() {
        // mmu.c 658-661 via 377-380
        for (long v : new long[] {0L, WRITABLE, EPT_MMIO | P, -1L, Long.MIN_VALUE}) {
            mm.assign(sptep, v);
            assertEquals(v, mmu.mmu_spte_get_lockless(sptep));
            assertEquals(v, mmu.__get_spte_lockless(sptep));
        }
    }

    @Test
    void mmuSpteSetOnNonPresentIsQuiet() {
        // mmu.c 562-566
        long warnings = bug.warningCount();
        mmu.mmu_spte_set(sptep, WRITABLE);
        assertEquals(WRITABLE, mm.deref(sptep));
        assertEquals(warnings, bug.warningCount(), "the old spte was zero");

        mm.assign(sptep, EPT_MMIO | P | PFN_BITS);
        mmu.mmu_spte_set(sptep, DIRTY_LOGGED);
        assertEquals(DIRTY_LOGGED, mm.deref(sptep));
        assertEquals(warnings, bug.warningCount(), "an MMIO spte is not present");

        mm.assign(sptep, W | HOST | MMU | PFN_BITS);
        mmu.mmu_spte_set(sptep, DIRTY_LOGGED);
        assertEquals(warnings, bug.warningCount(), "bit 0 clear is not present");
    }

    @Test
    void mmuSpteSetOverAPresentSpteWarnsAndStillStores() {
        mm.assign(sptep, SHADOW_PROTECTED);
        long warnings = bug.warningCount();
        mmu.mmu_spte_set(sptep, WRITABLE);
        assertEquals(warnings + 1, bug.warningCount(), "WARN_ON(is_shadow_present_pte(*sptep)), mmu.c 564");
        assertEquals(WRITABLE, mm.deref(sptep), "the store happens anyway (mmu.c 565)");
    }

    // ---- mmu_spte_update (mmu.c 577-612) ----

    /**
     * (A/D bits, old spte, new spte, return value, kvm_set_pfn_accessed calls, kvm_set_pfn_dirty calls).
     */
    static Stream<Arguments> updateCases() {
        return Stream.of(
                // mmu.c 599-601: old had both software bits, new has W clear
                arguments(false, WRITABLE, WRITABLE & ~W, true, 0, 0, "writable -> read-only"),
                arguments(false, WRITABLE, SHADOW_PROTECTED, true, 0, 0, "writable -> shadow protected"),
                arguments(true, WRITABLE | EPT_A, DIRTY_LOGGED | EPT_A, true, 0, 0, "writable -> read-only, A/D on"),
                // old W already clear by dirty logging, but SPTE_MMU_WRITEABLE says a writable TLB
                // entry may survive: a flush is owed (mmu.h 107-139)
                arguments(false, DIRTY_LOGGED, DIRTY_LOGGED, true, 0, 0, "dirty-logged -> same"),
                arguments(false, DIRTY_LOGGED, SHADOW_PROTECTED, true, 0, 0, "dirty-logged -> shadow protected"),
                arguments(true, DIRTY_LOGGED | EPT_A, SHADOW_PROTECTED | EPT_A, true, 0, 0,
                        "dirty-logged -> shadow protected, A/D on"),
                // old without SPTE_MMU_WRITEABLE (or without HOST_WRITEABLE): no flush, whatever W says
                arguments(false, SHADOW_PROTECTED, SHADOW_PROTECTED, false, 0, 0, "shadow protected -> same"),
                arguments(false, P | W | HOST | PFN_BITS, SHADOW_PROTECTED, false, 0, 0, "W without MMU_WRITEABLE"),
                arguments(false, P | W | MMU | PFN_BITS, P | MMU | PFN_BITS, false, 0, 0, "no HOST_WRITEABLE"),
                // new still writable: nothing owed
                arguments(false, WRITABLE, WRITABLE, false, 0, 0, "writable -> writable"),
                arguments(false, DIRTY_LOGGED, WRITABLE, false, 0, 0, "dirty-logged -> writable (fast path's result)"),
                // mmu.c 603-609: accessed/dirty bits handed to the host page when cleared
                arguments(true, WRITABLE | EPT_A | EPT_D, WRITABLE, false, 1, 1, "A/D on, clear A and D"),
                arguments(true, WRITABLE | EPT_A | EPT_D, WRITABLE | EPT_D, false, 1, 0, "A/D on, clear A"),
                arguments(true, WRITABLE | EPT_A | EPT_D, WRITABLE | EPT_A, false, 0, 1, "A/D on, clear D"),
                arguments(true, WRITABLE | EPT_A | EPT_D, DIRTY_LOGGED, true, 1, 1,
                        "A/D on, clear A, D and W"),
                arguments(true, WRITABLE | EPT_A | EPT_D, WRITABLE | EPT_A | EPT_D, false, 0, 0, "A/D on, keep both"),
                arguments(true, WRITABLE, WRITABLE | EPT_A | EPT_D, false, 0, 0, "A/D on, set both"),
                arguments(true, SHADOW_PROTECTED | EPT_A | EPT_D, SHADOW_PROTECTED, false, 1, 1,
                        "A/D on, clear A and D of a non-volatile spte (fast store)"),
                // without A/D bits the same bit pattern means nothing (mmu.c 603-604)
                arguments(false, WRITABLE | EPT_A | EPT_D, WRITABLE, false, 0, 0, "A/D off, bits 8-9 cleared"));
    }

    @ParameterizedTest(name = "{6}")
    @MethodSource("updateCases")
    void mmuSpteUpdateReturnValueAndAccessedDirty(boolean ad, long old_spte, long new_spte, boolean expected,
                                                  int accessedCalls, int dirtyCalls, String what) {
        useEpt(ad);
        mm.assign(sptep, old_spte);
        long warnings = bug.warningCount();
        long accessed = kvm_main.host_pfn_accessed.get();
        long dirtied = kvm_main.host_pfn_dirtied.get();

        assertEquals(expected, mmu.mmu_spte_update(sptep, new_spte), what + ": return value");

        assertEquals(new_spte, mm.deref(sptep), what + ": stored");
        assertEquals(accessed + accessedCalls, kvm_main.host_pfn_accessed.get(), what + ": kvm_set_pfn_accessed");
        assertEquals(dirtied + dirtyCalls, kvm_main.host_pfn_dirtied.get(), what + ": kvm_set_pfn_dirty");
        assertEquals(warnings, bug.warningCount(), what + ": no warning");
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void mmuSpteUpdateOfANonPresentSpteIsASet(boolean ad) {
        useEpt(ad);
        // mmu.c 584-587: falls back to mmu_spte_set and returns false
        for (long old : new long[] {0L, EPT_MMIO | P | PFN_BITS, W | HOST | MMU | EPT_A | EPT_D | PFN_BITS}) {
            mm.assign(sptep, old);
            long warnings = bug.warningCount();
            long accessed = kvm_main.host_pfn_accessed.get();
            long dirtied = kvm_main.host_pfn_dirtied.get();

            assertFalse(mmu.mmu_spte_update(sptep, SHADOW_PROTECTED), "old " + Long.toHexString(old));
            assertEquals(SHADOW_PROTECTED, mm.deref(sptep));
            assertEquals(warnings, bug.warningCount());
            assertEquals(accessed, kvm_main.host_pfn_accessed.get(), "no A/D tracking for a non-present old spte");
            assertEquals(dirtied, kvm_main.host_pfn_dirtied.get());
        }
    }

    @Test
    void mmuSpteUpdateToANonPresentSpteWarns() {
        // mmu.c 582: the new spte must be an rmap (present) spte
        mm.assign(sptep, SHADOW_PROTECTED);
        long warnings = bug.warningCount();
        mmu.mmu_spte_update(sptep, 0L);
        assertEquals(warnings + 1, bug.warningCount());
    }

    // ---- Clearing ----

    /** (A/D bits, old spte, return, accessed calls, dirty calls). mmu.c 619-646. */
    static Stream<Arguments> clearTrackCases() {
        return Stream.of(
                // without A/D bits both are always reported (mmu.c 641-644: the mask is 0)
                arguments(false, WRITABLE, 1, 1, 1),
                arguments(false, SHADOW_PROTECTED, 1, 1, 1),
                arguments(true, WRITABLE | EPT_A | EPT_D, 1, 1, 1),
                arguments(true, DIRTY_LOGGED | EPT_A, 1, 1, 0),
                arguments(true, SHADOW_PROTECTED | EPT_D, 1, 0, 1),
                arguments(true, WRITABLE, 1, 0, 0),
                // not an rmap spte: nothing tracked, 0 returned (mmu.c 629-630), but still cleared
                arguments(false, 0L, 0, 0, 0),
                arguments(true, 0L, 0, 0, 0),
                arguments(false, EPT_MMIO | P | PFN_BITS, 0, 0, 0),
                arguments(true, EPT_MMIO | PFN_BITS, 0, 0, 0),
                arguments(true, W | HOST | MMU | EPT_A | EPT_D | PFN_BITS, 0, 0, 0),
                arguments(false, HOST | MMU, 0, 0, 0));
    }

    @ParameterizedTest(name = "A/D {0}, old {1} -> {2}")
    @MethodSource("clearTrackCases")
    void mmuSpteClearTrackBits(boolean ad, long old_spte, int expected, int accessedCalls, int dirtyCalls) {
        useEpt(ad);
        mm.assign(sptep, old_spte);
        long accessed = kvm_main.host_pfn_accessed.get();
        long dirtied = kvm_main.host_pfn_dirtied.get();

        assertEquals(expected, mmu.mmu_spte_clear_track_bits(sptep));

        assertEquals(0L, mm.deref(sptep), "word zeroed");
        assertEquals(accessed + accessedCalls, kvm_main.host_pfn_accessed.get(), "kvm_set_pfn_accessed");
        assertEquals(dirtied + dirtyCalls, kvm_main.host_pfn_dirtied.get(), "kvm_set_pfn_dirty");
    }

    @ParameterizedTest(name = "A/D bits = {0}")
    @ValueSource(booleans = {false, true})
    void mmuSpteClearNoTrackZeroesWithoutTracking(boolean ad) {
        useEpt(ad);
        // mmu.c 653-656
        for (long old : new long[] {WRITABLE | EPT_A | EPT_D, SHADOW_PROTECTED, EPT_MMIO | P, 0L, -1L}) {
            mm.assign(sptep, old);
            long accessed = kvm_main.host_pfn_accessed.get();
            long dirtied = kvm_main.host_pfn_dirtied.get();
            long warnings = bug.warningCount();
            mmu.mmu_spte_clear_no_track(sptep);
            assertEquals(0L, mm.deref(sptep));
            assertEquals(accessed, kvm_main.host_pfn_accessed.get());
            assertEquals(dirtied, kvm_main.host_pfn_dirtied.get());
            assertEquals(warnings, bug.warningCount());
        }
    }
}
