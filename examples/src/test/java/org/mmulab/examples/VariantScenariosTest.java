// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mmulab.examples.variants.VariantLoader;

/**
 * Every scenario holds every invariant on v3.16 and v3.15, also when the racing flush is held
 * open by the woven hook; each broken variant breaks its invariant under that same forced
 * schedule. The variants are whole methods swapped in at class-load time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VariantScenariosTest {

    record Run(int rc, String out) {}

    static Run mmulab(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(rc, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} on {1}, hold {2} ms")
    @CsvSource({
        "migrate, v3.16, 0", "migrate, v3.15, 0",
        "enable-logging-race, v3.16, 0", "enable-logging-race, v3.15, 0",
        "enable-logging-race, v3.16, 15", "enable-logging-race, v3.15, 15",
        "shadow-protect, v3.16, 0", "shadow-protect, v3.15, 0",
        "shadow-protect, v3.16, 20", "shadow-protect, v3.15, 20"})
    void correctVariantsHoldEveryInvariant(String scenario, String variant, int hold) {
        String memory = scenario.equals("migrate") ? "4M" : "1M";
        String rounds = scenario.equals("migrate") ? "10" : scenario.equals("shadow-protect") ? "32" : "15";
        Run r = hold == 0
                ? mmulab("run", scenario, "--variant", variant, "--memory", memory, "--rounds", rounds)
                : mmulab("run", scenario, "--variant", variant, "--memory", memory, "--rounds", rounds, "--hold-flush",
                        Integer.toString(hold));
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("invariants held"), r.out());
    }

    @Test
    void noSlotsLockLosesAFlushInTheEnableLoggingRace() {
        Run r = mmulab("run", "enable-logging-race", "--variant", "no-slots-lock", "--memory", "1M", "--rounds", "15",
                "--hold-flush", "15");
        assertEquals(1, r.rc(), r.out());
        assertTrue(r.out().contains("VIOLATION dirty-log completeness"), r.out());
        assertTrue(r.out().contains("writable TLB entry for a write-protected page that the dirty log shows clean"), r.out());
    }

    @Test
    void ptWritableSkipsTheFlushAShadowWriteProtectOwes() {
        Run last = null;
        for (int seed = 1; seed <= 3; seed++) {
            last = mmulab("run", "shadow-protect", "--variant", "pt-writable", "--memory", "1M", "--rounds", "32",
                    "--hold-flush", "30", "--seed", Integer.toString(seed));
            if (last.rc() == 1) {
                break;
            }
        }
        assertEquals(1, last.rc(), last.out());
        assertTrue(last.out().contains("VIOLATION shadow write-protection"), last.out());
    }

    @Test
    void theLoaderSwapsExactlyTheVariantsMethods() throws Exception {
        Map<String, List<String>> expected = Map.of(
                "v3.16", List.of(),
                "v3.15", List.of("org/mmulab/kernel/arch/x86/kvm/mmu.kvm_mmu_slot_remove_write_access",
                        "org/mmulab/kernel/arch/x86/kvm/x86.kvm_vm_ioctl_get_dirty_log"),
                "no-slots-lock", List.of("org/mmulab/kernel/arch/x86/kvm/x86.kvm_vm_ioctl_get_dirty_log"),
                "pt-writable", List.of("org/mmulab/kernel/arch/x86/kvm/mmu.mmu_spte_update"));
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            VariantLoader l = new VariantLoader(e.getKey(), getClass().getClassLoader(), List.of());
            Class<?> mmu = l.loadClass("org.mmulab.kernel.arch.x86.kvm.mmu");
            l.loadClass("org.mmulab.kernel.arch.x86.kvm.x86");
            assertTrue(mmu.getClassLoader() == l, "the port is loaded afresh by the variant loader");
            assertEquals(e.getValue(), List.copyOf(l.applied().keySet()), e.getKey());
        }
        assertThrows(IllegalArgumentException.class, () -> new VariantLoader("v9", getClass().getClassLoader(), List.of()));
    }
}
