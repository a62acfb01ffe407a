// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

/**
 * The commands of {@code mmulab}, and the JVM each one runs in: the CLI ({@link Main}) under the
 * lockdep agent with the options the command needs, the CLI without the agent, the docs module's
 * generator, or the agent jar's self-test. {@link Launch} reads this to build the java command
 * line of an invocation, and a test holds it to the subcommands {@link Main} parses; so this class
 * stays free of everything but the JDK (no picocli: {@code ./mmulab} runs Launch before every
 * command, and it must start fast).
 */
enum Command {
    /** A run repeats its WARNs as often as its racing code runs: folded, once the agent can. */
    /**
     * run and demo repeat the same WARN as often as the racing code runs (no-slots-lock's assert,
     * every harvest), so the agent prints the first in full and counts the rest
     * ({@code [the same WARN N more times]} at exit). explore folds its reports itself.
     */
    RUN("run", Jvm.CLI, "repeats=fold"),
    /** explore and replay need the controlled scheduler's yield points woven in. */
    EXPLORE("explore", Jvm.CLI, "explore=true,tlbtrace=off"),
    REPLAY("replay", Jvm.CLI, "explore=true,tlbtrace=off"),
    /** Reads JSON files and writes a page: nothing for lockdep to watch. */
    PLOT("plot", Jvm.PLAIN, ""),
    LIST("list", Jvm.CLI, ""),
    DEMO("demo", Jvm.CLI, "repeats=fold"),
    /**
     * The port's lib/locking-selftest.c under the agent: once mode (a report turns debug_locks off,
     * which is what each case checks), no TLB-flush summary after the table.
     */
    LOCKDEP_SELFTEST("lockdep-selftest", Jvm.CLI, "mode=once,tlbtrace=off"),
    /** Grading wants lockdep's checks, not the TLB-flush summary after the score table. */
    GRADE("grade", Jvm.CLI, "tlbtrace=off"),
    /** The side-by-side reading site: plain Java, never under the lockdep agent. */
    DOCS("docs", Jvm.DOCS, ""),
    /** Writes a student kit or an autograder zip: files only, nothing for lockdep to watch. */
    COURSE("course", Jvm.PLAIN, ""),
    /** Prints the bash completion script: nothing for lockdep to watch. */
    COMPLETION("completion", Jvm.PLAIN, ""),
    HELP("help", Jvm.PLAIN, "");

    /** Where a command runs. */
    enum Jvm {
        /** {@code java [-javaagent:lockdep-agent.jar[=options]] -jar examples/target/examples.jar ARGS} */
        CLI,
        /** {@code java -jar examples/target/examples.jar ARGS}: help, completion, usage errors */
        PLAIN,
        /** {@code java -jar docs/target/docs.jar ARGS-AFTER-THE-COMMAND} */
        DOCS
    }

    /** The word on the command line. */
    final String word;
    final Jvm jvm;
    /** The agent's options for this command ("" for none); the agent is left out with --no-lockdep. */
    final String agentOptions;

    Command(String word, Jvm jvm, String agentOptions) {
        this.word = word;
        this.jvm = jvm;
        this.agentOptions = agentOptions;
    }

    /** The command {@code word} names ("--help" and "-h" are help), or null for none. */
    static Command of(String word) {
        if (word.equals("--help") || word.equals("-h")) {
            return HELP;
        }
        for (Command c : values()) {
            if (c.word.equals(word)) {
                return c;
            }
        }
        return null;
    }
}
