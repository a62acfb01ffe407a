// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's snippet ("Using the agent from your own Maven project") is the one the invoker's
 * outside project (src/it/outside-project) builds with, with the versions of this build; so the
 * snippet a user copies is the one `mvn verify` has run.
 */
class ReadmeSnippetTest {
    static final String SECTION = "## Using the agent from your own Maven project\n";

    private static String squash(String xml) {
        return xml.replaceAll("\\s+", " ").replace("> <", "><").trim();
    }

    /** The text between {@code <!-- README snippet, part N -->} and its end marker in the outside project's POM. */
    private static String part(String pom, int n) {
        Matcher m = Pattern.compile("<!-- README snippet, part " + n + " -->\n(.*?)\n\\s*<!-- end of README snippet, part " + n
                + " -->", Pattern.DOTALL).matcher(pom);
        assertTrue(m.find(), "part " + n + " in the outside project's pom.xml");
        return m.group(1);
    }

    @Test
    void theReadmesSnippetIsTheOneTheOutsideProjectBuildsWith() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int at = readme.indexOf(SECTION);
        assertTrue(at >= 0, "README.md has the section " + SECTION);
        int open = readme.indexOf("```xml\n", at);
        int close = readme.indexOf("\n```\n", open);
        assertTrue(open > at && close > open, "the section has an xml block");
        String snippet = readme.substring(open + "```xml\n".length(), close);

        String pom = Files.readString(Path.of("src", "it", "outside-project", "pom.xml"), StandardCharsets.UTF_8)
                .replace("@project.version@", System.getProperty("mmulab.version"))
                .replace("@dependency.plugin.version@", System.getProperty("mmulab.dependency.plugin.version"))
                .replace("@surefire.plugin.version@", System.getProperty("mmulab.surefire.plugin.version"));
        assertEquals(squash(part(pom, 1) + "\n" + part(pom, 2)), squash(snippet));
    }
}
