package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import dev.redengine.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-CI version of tools/kill_test.py: a checkpointing {@code train} in a child JVM is SIGKILLed at a random
 * moment after its first checkpoint; the newest visible checkpoint must load (parameters as an HF model, the
 * optimizer file, the state), and {@code --resume} must end with exactly the parameters of an uninterrupted run.
 * One kill per run (about 10 s on 2 idle cores); the moment is drawn from a seed printed on failure, so a failing draw can be rerun
 * with -Dredengine.killSeed=N. tools/kill_test.py does many kills.
 */
class TrainKillTest {
    private static final int STEPS = 10;

    @TempDir
    Path tmp;

    private List<String> trainArgs(Path data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--model", Fixtures.dir("tiny-llama").toString(), "--from-scratch",
                "--data", data.toString(), "--seq-len", "8", "--batch", "2", "--steps", Integer.toString(STEPS),
                "--lr", "1e-2", "--seed", "3", "--threads", "2", "--save-every", "1", "--keep-checkpoints", "3",
                "--log-every", "5", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void killedAtARandomMomentTheNewestCheckpointLoadsAndResumeEndsAsAnUninterruptedRun() throws Exception {
        long seed = Long.getLong("redengine.killSeed", System.nanoTime());
        String why = "kill seed " + seed + " (rerun with -Dredengine.killSeed=" + seed + ")";
        SplittableRandom random = new SplittableRandom(seed);
        Path data = tmp.resolve("ids.safetensors");
        new SafetensorsWriter().addI32("input_ids", new SplittableRandom(9).ints(24L * 8, 0, 320).toArray(), 24, 8).write(data);

        long t0 = System.nanoTime();
        Path ref = tmp.resolve("ref");
        CliTest.Result r = CliTest.run(trainArgs(data, ref).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());

        long t1 = System.nanoTime();
        Path run = tmp.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(trainArgs(data, run));
        boolean alive;
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            Path first = run.resolve("checkpoints/step-1");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(first) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long t2 = System.nanoTime();
            Thread.sleep(random.nextInt(0, 500));
            System.out.printf("TrainKillTest: reference %.1f s, child to its first checkpoint %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            alive = child.isAlive();
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs in the child
            child.waitFor(30, TimeUnit.SECONDS);
        }

        Optional<Path> newest = Checkpoint.newest(run.resolve("checkpoints"));
        // a draw that lands after the child finished still checks the rest, but says so
        System.out.printf("TrainKillTest: %s, child %s, newest checkpoint %s%n", why,
                alive ? "killed while running" : "had already finished", newest.map(Path::getFileName).orElse(null));
        assertTrue(newest.isPresent(), why + ": no checkpoint; child log:\n" + Files.readString(tmp.resolve("child.log")));
        try (CpuBackend be = new CpuBackend(1);
             SafetensorsFile opt = SafetensorsFile.open(newest.get().resolve("optimizer.safetensors"))) {
            HfModelReader.load(newest.get(), be);
            assertTrue(opt.names().contains("scalars"), why);
            new ObjectMapper().readTree(newest.get().resolve("trainer_state.json").toFile());
        }
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                assertTrue(name.startsWith(".") || Files.exists(p.resolve("trainer_state.json")), why + ": half-visible " + p);
            }
        }

        CliTest.Result resumed = CliTest.run(trainArgs(data, run, "--resume").toArray(String[]::new));
        assertEquals(0, resumed.code(), why + ": " + resumed.err());
        try (SafetensorsFile a = SafetensorsFile.open(ref.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(run.resolve("model.safetensors"))) {
            assertEquals(a.names(), b.names(), why);
            for (String name : a.names()) {
                float[] x = a.readFloat32(name), y = b.readFloat32(name);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), why + ": " + name + "[" + i + "]");
                }
            }
        }
    }
}
