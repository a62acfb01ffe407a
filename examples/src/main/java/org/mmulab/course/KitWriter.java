// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.course;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.mmulab.exercises.Exercise;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Writes a student kit from the teacher's tree: a standalone Maven project (the port and the
 * examples, sources only) in which every region of the exercises handed out is replaced by its
 * kit lines, with the sheets of those exercises, their visible graders, {@code ./grade} and
 * {@code ./mmulab}, and the lockdep agent in an in-project Maven repository ({@code repo/}), so
 * the kit builds with nothing but Java 17, Maven and Maven Central. No reference
 * ({@code exN/Reference.java}), no hidden grader ({@code exN/hidden/}) and no test of the
 * teacher's tree goes in. With {@code hidden}, the same tree plus the hidden graders of the
 * exercises handed out: the source of an autograder.
 */
public final class KitWriter {
    /** Where a kit keeps the agent: a Maven repository layout under the kit's root. */
    public static final String REPO = "repo";
    static final Pattern REFERENCE = Pattern.compile("org/mmulab/exercises/ex(\\d+)/Reference\\.java$");
    static final Pattern HIDDEN = Pattern.compile("org/mmulab/exercises/ex(\\d+)/hidden/");

    private final Path root;
    private final Path out;
    private final Set<Integer> exercises;
    private final boolean hidden;
    private int files;
    private int regionsCut;

    /** What was written. */
    public record Summary(Path out, Set<Integer> exercises, int files, int regionsCut, String agentVersion) {}

    private KitWriter(Path root, Path out, Set<Integer> exercises, boolean hidden) {
        this.root = root;
        this.out = out;
        this.exercises = exercises;
        this.hidden = hidden;
    }

    /**
     * Writes the kit of {@code exercises} from the teacher's tree at {@code root} into
     * {@code out} (absent or empty). Throws IllegalArgumentException, having written nothing,
     * when {@code out} is not empty or the tree is not built.
     */
    public static Summary write(Path root, Path out, Set<Integer> exercises, boolean hidden) throws IOException {
        Path agent = root.resolve("lockdep-agent/target/lockdep-agent.jar");
        if (!Files.isRegularFile(root.resolve("kernel-port/pom.xml")) || !Files.isRegularFile(root.resolve("examples/pom.xml"))) {
            throw new IllegalArgumentException(root + " is not the mmulab tree (no kernel-port/pom.xml or examples/pom.xml)");
        }
        if (!Files.isRegularFile(agent)) {
            throw new IllegalArgumentException("the kit carries the lockdep agent, and " + agent
                    + " is not built: build first (./mmulab builds; or mvn -B -DskipTests package)");
        }
        checkEmpty(out);
        for (int n : exercises) {
            if (Exercise.byNumber(n).isEmpty()) {
                throw new IllegalArgumentException("no exercise " + n + " (there are 1-" + Exercise.ALL.size() + ")");
            }
        }
        KitWriter w = new KitWriter(root, out, exercises, hidden);
        String version = w.copy();
        return new Summary(out, exercises, w.files, w.regionsCut, version);
    }

    /** Refuses a directory that exists and is not empty (or is a file), before anything is written. */
    public static void checkEmpty(Path out) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new IllegalArgumentException(out + " exists and is not a directory");
            }
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(out + " is not empty: export into a new or empty directory");
                }
            }
        }
    }

    private String copy() throws IOException {
        Files.createDirectories(out);
        copySources("kernel-port/src/main");
        copySources("examples/src/main");
        for (int n : exercises) {
            Exercise e = Exercise.byNumber(n).orElseThrow();
            copyFile(e.sheet());
        }
        copyFile("LICENSE");
        String version = projectVersion().replace("-SNAPSHOT", "") + "-kit";
        writePoms(version);
        writeRepository(version);
        writeKitFiles();
        return version;
    }

    private void copySources(String dir) throws IOException {
        Path from = root.resolve(dir);
        List<Path> all;
        try (Stream<Path> s = Files.walk(from)) {
            all = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : all) {
            String rel = from.relativize(f).toString().replace('\\', '/');
            Matcher ref = REFERENCE.matcher(rel);
            if (ref.find()) {
                continue; // a bug fix's reference: never in a kit
            }
            Matcher h = HIDDEN.matcher(rel);
            if (h.find() && !(hidden && exercises.contains(Integer.parseInt(h.group(1))))) {
                continue; // hidden graders: only the autograder's, and only of the exercises handed out
            }
            Path to = out.resolve(dir).resolve(rel);
            Files.createDirectories(to.getParent());
            if (rel.endsWith(".java")) {
                List<String> lines = Regions.read(f);
                List<String> cut = Regions.cut(lines, exercises);
                regionsCut += (int) Regions.scan(from, from.relativize(f)).stream()
                        .filter(r -> exercises.contains(r.exercise()) && !r.keep()).count();
                Files.write(to, cut, StandardCharsets.UTF_8);
            } else {
                Files.copy(f, to);
            }
            files++;
        }
    }

    private void copyFile(String rel) throws IOException {
        Path f = root.resolve(rel);
        if (!Files.isRegularFile(f)) {
            return;
        }
        Path to = out.resolve(rel);
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
        files++;
    }

    private String projectVersion() throws IOException {
        Document d = parse(root.resolve("pom.xml"));
        return child(d.getDocumentElement(), "version").getTextContent().trim();
    }

    /** The teacher's poms, cut to the kit: two modules, the agent from {@code repo/}, no test jars. */
    private void writePoms(String agentVersion) throws IOException {
        Document parent = parse(root.resolve("pom.xml"));
        Element p = parent.getDocumentElement();
        Element modules = child(p, "modules");
        while (modules.getFirstChild() != null) {
            modules.removeChild(modules.getFirstChild());
        }
        for (String m : List.of("kernel-port", "examples")) {
            modules.appendChild(text(parent, "\n    "));
            modules.appendChild(element(parent, "module", m));
        }
        modules.appendChild(text(parent, "\n  "));
        child(p, "description").setTextContent("A student kit of mmulab's coursework (mmulab course export): the v3.16 KVM MMU port"
                + " with the exercises' regions to write, their graders, and the lockdep agent in repo/.");
        Element repos = parent.createElement("repositories");
        repos.appendChild(parent.createComment(" the lockdep agent travels in the kit: an in-project Maven repository "));
        Element repo = parent.createElement("repository");
        repo.appendChild(element(parent, "id", "mmulab-kit"));
        repo.appendChild(element(parent, "name", "the kit's own jars"));
        repo.appendChild(element(parent, "url", "file://${maven.multiModuleProjectDirectory}/" + REPO));
        Element snapshots = parent.createElement("snapshots");
        snapshots.appendChild(element(parent, "enabled", "false"));
        repo.appendChild(snapshots);
        repos.appendChild(repo);
        p.insertBefore(repos, child(p, "dependencyManagement"));
        dropProfiles(p); // the teacher's mutation testing needs sources a kit does not have
        save(parent, out.resolve("pom.xml"));
        Files.createDirectories(out.resolve(".mvn"));
        // .mvn marks the kit's root, which sets maven.multiModuleProjectDirectory for the repository's URL
        // file: the kit's own repo/ stays reachable when Maven runs offline (-o)
        Files.writeString(out.resolve(".mvn/maven.config"), "--no-transfer-progress\n-Daether.offline.protocols=file\n", StandardCharsets.UTF_8);

        Document kp = parse(root.resolve("kernel-port/pom.xml"));
        Element build = child(kp.getDocumentElement(), "build");
        if (build != null) {
            kp.getDocumentElement().removeChild(build); // no tests in a kit: no test jar
        }
        save(kp, out.resolve("kernel-port/pom.xml"));

        Document ex = parse(root.resolve("examples/pom.xml"));
        Element deps = child(ex.getDocumentElement(), "dependencies");
        for (Element d : children(deps, "dependency")) {
            String artifact = child(d, "artifactId").getTextContent().trim();
            Element type = child(d, "type");
            if (type != null && type.getTextContent().trim().equals("test-jar")) {
                deps.removeChild(d);
            } else if (artifact.equals("lockdep-agent")) {
                child(d, "version").setTextContent(agentVersion);
            }
        }
        dropProfiles(ex.getDocumentElement());
        save(ex, out.resolve("examples/pom.xml"));
        files += 3;
    }

    /** The agent jar and a POM for it in Maven's repository layout, with the checksums Maven checks. */
    private void writeRepository(String version) throws IOException {
        Path dir = out.resolve(REPO).resolve("org/mmulab/lockdep-agent").resolve(version);
        Files.createDirectories(dir);
        Path jar = dir.resolve("lockdep-agent-" + version + ".jar");
        Files.copy(root.resolve("lockdep-agent/target/lockdep-agent.jar"), jar);
        String pom = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- SPDX-License-Identifier: GPL-2.0-only -->
                <project xmlns="http://maven.apache.org/POM/4.0.0"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>org.mmulab</groupId>
                  <artifactId>lockdep-agent</artifactId>
                  <version>%s</version>
                  <name>mmulab lockdep-agent</name>
                  <description>The lockdep agent as this kit was exported with it (Byte Buddy and ASM shaded in).</description>
                  <licenses>
                    <license>
                      <name>GPL-2.0-only</name>
                    </license>
                  </licenses>
                </project>
                """.formatted(version);
        Path pomFile = dir.resolve("lockdep-agent-" + version + ".pom");
        Files.writeString(pomFile, pom, StandardCharsets.UTF_8);
        for (Path f : List.of(jar, pomFile)) {
            Files.writeString(f.resolveSibling(f.getFileName() + ".sha1"), sha1(Files.readAllBytes(f)), StandardCharsets.US_ASCII);
        }
        files += 4;
    }

    private void writeKitFiles() throws IOException {
        String list = exercises.stream().map(String::valueOf).collect(Collectors.joining(","));
        Path props = out.resolve("examples/src/main/resources").resolve(Kit.RESOURCE);
        Files.createDirectories(props.getParent());
        Files.writeString(props, "# written by mmulab course export: this build is a student kit\n"
                + "exercises=" + list + "\n" + "autograder=" + hidden + "\n", StandardCharsets.UTF_8);
        script("kit-mmulab.sh", "mmulab");
        script("kit-grade.sh", "grade");
        Files.writeString(out.resolve(".gitignore"), "target/\n", StandardCharsets.UTF_8);
        StringBuilder table = new StringBuilder();
        for (int n : exercises) {
            Exercise e = Exercise.byNumber(n).orElseThrow();
            table.append(String.format("| %d | [%s](%s) | `%s` | %d |%n", n, e.title(), e.sheet(), e.edits(), e.points()));
        }
        Files.writeString(out.resolve("README.md"), resource("kit-README.md").replace("@EXERCISES@", table.toString().strip())
                .replace("@FIRST@", String.valueOf(exercises.iterator().next())), StandardCharsets.UTF_8);
        files += 5;
    }

    private void script(String resource, String name) throws IOException {
        Path f = out.resolve(name);
        Files.writeString(f, resource(resource), StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(f, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
        } catch (UnsupportedOperationException e) {
            f.toFile().setExecutable(true, false);
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = KitWriter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource org/mmulab/course/" + name + " in this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String sha1(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Document parse(Path f) throws IOException {
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(false);
            return dbf.newDocumentBuilder().parse(f.toFile());
        } catch (Exception e) {
            throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static void save(Document d, Path f) throws IOException {
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(d), new StreamResult(w));
            String xml = w.toString().replaceFirst("^<\\?xml[^>]*\\?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            Files.createDirectories(f.getParent());
            Files.writeString(f, xml.endsWith("\n") ? xml : xml + "\n", StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    private static void dropProfiles(Element project) {
        Element profiles = child(project, "profiles");
        if (profiles != null) {
            project.removeChild(profiles);
        }
    }

    private static Element child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static List<Element> children(Element e, String name) {
        List<Element> out = new ArrayList<>();
        NodeList l = e.getChildNodes();
        for (int i = 0; i < l.getLength(); i++) {
            if (l.item(i) instanceof Element c && c.getTagName().equals(name)) {
                out.add(c);
            }
        }
        return out;
    }

    private static Element element(Document d, String name, String text) {
        Element e = d.createElement(name);
        e.setTextContent(text);
        return e;
    }

    private static Node text(Document d, String s) {
        return d.createTextNode(s);
    }
}
