package dev.redengine.cli;

import dev.redengine.io.SafetensorsFile;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded jar run exactly as the README says, {@code java -jar red-engine.jar ...} with no extra JVM flags:
 * this proves the relaunch that adds the Vector API module, and the shipped example model.
 */
class JarIT {
    @TempDir
    Path tmp;

    private record Proc(int code, String out) {
    }

    private static Proc java(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("redengine.jar")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out");
        return new Proc(p.exitValue(), out);
    }

    private static Path models() {
        return Path.of(System.getProperty("redengine.models", "../models"));
    }

    @Test
    void infoOnTheShippedModel() throws Exception {
        Proc p = java("info", "--model", models().resolve("tiny-llama").toString());
        assertEquals(0, p.code, p.out);
        assertTrue(p.out.contains("LlamaForCausalLM") && p.out.contains("CPU path: Vector API"), p.out);
    }

    @Test
    void forwardOnTheShippedModel() throws Exception {
        Path out = tmp.resolve("out.safetensors");
        Path model = models().resolve("tiny-llama");
        Proc p = java("forward", "--model", model.toString(), "--input", model.resolve("example-input.safetensors").toString(),
                "--out", out.toString(), "--grads");
        assertEquals(0, p.code, p.out);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(List.of(2L, 16L, 320L), java.util.Arrays.stream(f.info("logits").shape()).boxed().toList());
            float loss = f.readFloat32("loss")[0];
            assertTrue(loss > 4 && loss < 8, "loss " + loss);
            assertTrue(f.names().contains("grad.lm_head.weight"));
        }
    }

    @Test
    void forwardThroughTheJarMatchesHf() throws Exception {
        Path dir = Fixtures.dir("tiny-qwen3");
        Path golden = dir.resolve("golden.safetensors");
        Path out = tmp.resolve("q3.safetensors");
        Proc p = java("forward", "--model", dir.toString(), "--input", golden.toString(), "--out", out.toString(), "--grads");
        assertEquals(0, p.code, p.out);
        try (SafetensorsFile ref = SafetensorsFile.open(golden); SafetensorsFile got = SafetensorsFile.open(out)) {
            float[] want = ref.readFloat32("logits");
            assertTrue(Fixtures.maxDiff(want, got.readFloat32("logits")) <= 1e-4 * Fixtures.maxAbs(want));
            float[] g = ref.readFloat32("grad.model.layers.1.self_attn.q_norm.weight");
            assertTrue(Fixtures.maxDiff(g, got.readFloat32("grad.model.layers.1.self_attn.q_norm.weight")) <= 1e-3 * Fixtures.maxAbs(g));
        }
    }

    /**
     * Starts a long train through the jar (so through the relaunch) and waits until it prints its first step;
     * returns the parent process and the relaunched JVM under it.
     */
    private ProcessHandle[] startLongTrain(Process[] parent) throws Exception {
        Path model = models().resolve("tiny-llama");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("redengine.jar"), "train", "--model", model.toString(), "--data",
                model.resolve("example-input.safetensors").toString(), "--seq-len", "16", "--batch", "1",
                "--steps", "100000000", "--log-every", "1", "--threads", "1", "--out", tmp.resolve("never").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        parent[0] = p;
        CountDownLatch stepping = new CountDownLatch(1);
        StringBuffer seen = new StringBuffer();
        Thread.ofPlatform().daemon().start(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (seen.length() < 4000) {
                        seen.append(line).append('\n');
                    }
                    if (line.startsWith("step")) {
                        stepping.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the pipe closes when the processes are gone
            }
        });
        assertTrue(stepping.await(60, TimeUnit.SECONDS), "train never printed a step: " + seen);
        List<ProcessHandle> children = p.toHandle().descendants().toList();
        assertEquals(1, children.size(), "one relaunched JVM expected: " + children);
        return new ProcessHandle[]{p.toHandle(), children.getFirst()};
    }

    private void assertStoppingTheParentStopsTheChild(boolean sigkill) throws Exception {
        Process[] parent = new Process[1];
        ProcessHandle child = null;
        try {
            child = startLongTrain(parent)[1];
            if (sigkill) {
                parent[0].destroyForcibly();
            } else {
                parent[0].destroy();
            }
            assertTrue(parent[0].waitFor(15, TimeUnit.SECONDS), "the parent did not stop");
            ProcessHandle c = child;
            assertTrue(waitUntil(() -> !c.isAlive(), 10_000),
                    "the relaunched JVM " + child.pid() + " is still running after the parent was stopped");
        } finally {
            if (parent[0] != null) {
                parent[0].destroyForcibly();
            }
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier done, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Test
    void sigkillOfTheParentStopsTheRelaunchedJvm() throws Exception {
        assertStoppingTheParentStopsTheChild(true);
    }

    @Test
    void sigtermOfTheParentStopsTheRelaunchedJvm() throws Exception {
        assertStoppingTheParentStopsTheChild(false);
    }

    /** The major version of a java binary from its -version line ("1.8.0_x" is 8, "17.0.15" is 17), -1 if unknown. */
    private static int majorVersion(Path bin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(bin.toString(), "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        var m = java.util.regex.Pattern.compile("version \"(\\d+)(?:\\.(\\d+))?").matcher(out);
        if (!m.find()) {
            return -1;
        }
        int major = Integer.parseInt(m.group(1));
        return major == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : major;
    }

    @Test
    void anOlderJavaGetsAClearMessage() throws Exception {
        Path old = null;
        int version = -1;
        for (String candidate : List.of("/usr/bin/java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "/usr/lib/jvm/java-21-openjdk-amd64/bin/java", "/usr/lib/jvm/java-11-openjdk-amd64/bin/java")) {
            Path p = Path.of(candidate);
            if (java.nio.file.Files.isExecutable(p) && (version = majorVersion(p)) > 0 && version < 25) {
                old = p;
                break;
            }
        }
        assumeTrue(old != null, "no java older than 25 on this machine (looked at /usr/bin/java and /usr/lib/jvm/java-{17,21,11}-openjdk-amd64)");
        Process p = new ProcessBuilder(old.toString(), "-jar", System.getProperty("redengine.jar"), "info", "--model",
                models().resolve("tiny-llama").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out");
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.startsWith("error: red-engine needs Java 25 or newer (this is Java " + version + "): "), out);
    }

    @Test
    void badInputExitsWithAMessage() throws Exception {
        Proc p = java("forward", "--model", models().resolve("tiny-llama").toString(), "--input", tmp.resolve("nope.safetensors").toString(),
                "--out", tmp.resolve("x").toString());
        assertEquals(2, p.code, p.out);
        assertTrue(p.out.contains("error: --input: no such file: " + tmp.resolve("nope.safetensors")), p.out);
    }
}
