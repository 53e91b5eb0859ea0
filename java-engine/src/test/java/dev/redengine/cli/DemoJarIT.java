package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar red-engine.jar demo} without --teacher, run from another folder: it finds models/chain-teacher
 * beside the jar, as in a fresh clone where the jar is built into java-engine/target/.
 */
class DemoJarIT {
    @TempDir
    Path tmp;

    @Test
    void theDemoFindsTheTeacherBesideTheJar() throws Exception {
        Path repo = tmp.resolve("repo"), jar = repo.resolve("java-engine/target/red-engine.jar"), elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(jar.getParent());
        Files.createDirectories(repo.resolve("models"));
        Files.createDirectories(elsewhere);
        Path built = Path.of(System.getProperty("redengine.jar"));
        try {
            Files.createLink(jar, built);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(built, jar);
        }
        Files.move(DemoCommandTest.tinyTeacher(tmp.resolve("make")), repo.resolve("models/chain-teacher"));
        Path out = tmp.resolve("report");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "demo", "--steps", "1", "--batch", "2", "--seq-len", "32", "--n", "3",
                "--depths", "1-2", "--widths", "0.5", "--inits", "red", "--threads", "2", "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).directory(elsewhere.toFile()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out");
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("demo: teacher ") && text.contains("repo/models/chain-teacher"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("red-0.5") && l.contains("->")), text);
        assertEquals(2, new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("models").size());
    }
}
