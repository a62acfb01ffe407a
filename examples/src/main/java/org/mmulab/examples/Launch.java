// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The launcher's other half: {@code ./mmulab} builds what is missing or stale, then runs
 * {@code java -cp examples.jar org.mmulab.examples.Launch ROOT ARGS...}, which prints the java
 * command line of this invocation as NUL-separated words, and {@code exec}s that. Which JVM a
 * command gets, under the agent or not, with which agent options, is decided here from
 * {@link Command}; {@code --no-lockdep} anywhere leaves the agent out, and so does a request for
 * help or the version. Only the JDK is used (the CLI's parsing, picocli, is left to the JVM that
 * runs the command), so this starts fast.
 */
public final class Launch {
    private Launch() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: java -cp examples.jar org.mmulab.examples.Launch ROOT [mmulab arguments]");
            System.exit(2);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String word : command(java, Path.of(args[0]), Arrays.asList(args).subList(1, args.length))) {
            out.write(word.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        System.out.write(out.toByteArray());
        System.out.flush();
    }

    /** Words that ask a command for its help or the version: nothing runs that lockdep could check. */
    static final List<String> HELP_WORDS = List.of("-h", "--help", "-V", "--version");

    /**
     * The lockdep agent's jar: where the build leaves it, or, in a student's kit (which has no
     * agent module), in the kit's in-project Maven repository ({@code repo/org/mmulab/lockdep-agent/V/}).
     */
    public static Path agentJar(Path root) {
        Path built = root.resolve("lockdep-agent/target/lockdep-agent.jar");
        if (Files.isRegularFile(built)) {
            return built;
        }
        Path kit = root.resolve("repo/org/mmulab/lockdep-agent");
        if (Files.isDirectory(kit)) {
            try (java.util.stream.Stream<Path> s = Files.walk(kit, 2)) {
                java.util.Optional<Path> jar = s.filter(p -> p.getFileName().toString().matches("lockdep-agent-.*\\.jar")).sorted().findFirst();
                if (jar.isPresent()) {
                    return jar.get();
                }
            } catch (java.io.IOException e) {
                return built;
            }
        }
        return built;
    }

    /** The java command line that runs {@code mmulab ARGS} from the repository at {@code root}. */
    static List<String> command(String java, Path root, List<String> args) {
        boolean lockdep = true;
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--no-lockdep")) {
                lockdep = false;
            } else {
                rest.add(a);
            }
        }
        Command c = rest.isEmpty() ? Command.HELP : Command.of(rest.get(0));
        // an unknown command, a word that is no command (--version): the CLI answers, without the agent
        Command.Jvm jvm = c == null ? Command.Jvm.PLAIN : c.jvm;
        if (jvm == Command.Jvm.CLI && rest.stream().anyMatch(HELP_WORDS::contains)) {
            jvm = Command.Jvm.PLAIN;
        }
        Path agent = agentJar(root);
        List<String> cmd = new ArrayList<>(List.of(java));
        switch (jvm) {
            case DOCS:
                cmd.addAll(List.of("-jar", root.resolve("docs/target/docs.jar").toString()));
                cmd.addAll(rest.subList(1, rest.size()));
                return cmd;
            case CLI:
                // the lockdep agent is on by default, as in a CONFIG_PROVE_LOCKING kernel
                if (lockdep && Files.isRegularFile(agent)) {
                    String options = c.agentOptions;
                    if (c == Command.EXPLORE && rest.contains("--reduction")) {
                        options += ",footprints=on"; // the reduction needs every step's footprint woven in
                    }
                    cmd.add("-javaagent:" + agent + (options.isEmpty() ? "" : "=" + options));
                }
                break;
            default:
                break;
        }
        cmd.addAll(List.of("-jar", root.resolve("examples/target/examples.jar").toString()));
        cmd.addAll(rest);
        return cmd;
    }
}
