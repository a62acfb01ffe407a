// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mmulab.lockdep.LockdepConfig;

/** The agent's option grammar: key=value,...; a bad key or value is one line naming it and the choices. */
class AgentOptionsTest {

    @Test
    void defaultsAreWarnToStderrOnTheKernelPackagesWithTheFlushSummary() {
        AgentOptions o = AgentOptions.parse(null);
        assertEquals(LockdepConfig.Mode.WARN, o.mode);
        assertEquals("stderr", o.out);
        assertEquals(List.of("org.mmulab.kernel."), o.packages);
        assertEquals("summary", o.tlbtrace);
        assertFalse(o.verbose);
        assertEquals(LockdepConfig.Repeats.ALL, o.repeats, "every report printed, as the kernel prints every WARN");
    }

    @Test
    void everyKeyIsParsed() {
        AgentOptions o = AgentOptions.parse("mode=fail,out=stdout,packages=a.b.:c.d.,verbose=true,tlbtrace=lines,dump=/tmp/x");
        assertEquals("/tmp/x", o.dump);
        assertEquals(LockdepConfig.Mode.FAIL, o.mode);
        assertEquals("stdout", o.out);
        assertEquals(List.of("a.b.", "c.d."), o.packages);
        assertTrue(o.verbose);
        assertEquals("lines", o.tlbtrace);
        assertEquals(LockdepConfig.Mode.ONCE, AgentOptions.parse("mode=once").mode);
        assertEquals(LockdepConfig.Repeats.FOLD, AgentOptions.parse("repeats=fold").repeats);
        assertEquals(LockdepConfig.Repeats.ALL, AgentOptions.parse("repeats=all").repeats);
    }

    @Test
    void repeatsHasHelpTextThatSaysWhatFoldDoes() {
        String help = AgentOptions.KEYS.get("repeats");
        assertTrue(help.startsWith("all (print every report"), help);
        assertTrue(help.contains("fold (print the first report from a site in full"), help);
        assertTrue(help.contains("[the same WARN N more times]"), help);
    }

    @Test
    void lockStatIsOnWithDumpUnlessSaidOff() {
        assertFalse(AgentOptions.parse("").lockStatOn());
        assertTrue(AgentOptions.parse("dump=/tmp/x").lockStatOn());
        assertFalse(AgentOptions.parse("dump=/tmp/x,lockstat=off").lockStatOn());
        assertTrue(AgentOptions.parse("lockstat=on").lockStatOn());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "colour=red|unknown option 'colour'; valid keys: [mode, out, packages, verbose, dump, print, explore, footprints, tlbtrace, repeats, lockstat, cache]",
        "lockstat=yes|bad value 'yes' for lockstat; valid: on or off",
        "repeats=once|bad value 'once' for repeats; valid: all (print every report",
        "explore=yes|bad value 'yes' for explore; valid: true or false",
        "mode=loud|bad value 'loud' for mode; valid: warn",
        "verbose=yes|bad value 'yes' for verbose",
        "tlbtrace=on|bad value 'on' for tlbtrace; valid: off, summary",
        "mode|option 'mode' is not key=value",
        "out=|bad value '' for out",
        "dump=|bad value '' for dump",
        "cache=|bad value '' for cache; valid: off, or a directory",
        "print=x86|bad value 'x86' for print; valid: pkg.Class#method"})
    void badOptionsNameTheKeyAndTheChoices(String args, String message) {
        AgentOptions.BadOption e = assertThrows(AgentOptions.BadOption.class, () -> AgentOptions.parse(args));
        assertTrue(e.getMessage().startsWith("lockdep-agent: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void packagesThatWeaveNothingSaySoInOneLine() {
        java.util.Set<String> hooked = java.util.Set.of("org.mmulab.kernel.linux.spinlock_t", "org.mmulab.kernel.linux.mutex");
        for (String opts : List.of("packages=:", "packages=java.", "packages=com.example.", "packages=java.:jdk.")) {
            String line = LockdepAgent.weavesNothing(AgentOptions.parse(opts).packages, hooked);
            assertTrue(line != null && line.startsWith("lockdep-agent: packages=") && line.contains(" weaves nothing ")
                    && !line.contains("\n"), opts + ": " + line);
        }
        assertEquals(null, LockdepAgent.weavesNothing(AgentOptions.parse(null).packages, hooked));
        assertEquals(null, LockdepAgent.weavesNothing(AgentOptions.parse("packages=org.mmulab.:java.").packages, hooked));
    }
}
