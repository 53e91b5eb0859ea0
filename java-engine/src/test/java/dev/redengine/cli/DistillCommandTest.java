package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code distill} end to end on the tiny HF fixture as teacher: the student it starts from is {@code prune}'s,
 * a run stopped half-way and resumed in a new JVM ends bit-identical to an uninterrupted one, the metrics and
 * plots it writes, and its refusals of bad flags.
 */
class DistillCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path ids(String name, int sequences, int tokens, long seed) throws IOException {
        int[] ids = new SplittableRandom(seed).ints((long) sequences * tokens, 0, 320).toArray();
        Path f = tmp.resolve(name);
        new SafetensorsWriter().addI32("input_ids", ids, sequences, tokens).write(f);
        return f;
    }

    private static final java.util.Set<String> FLAGS = java.util.Set.of("--plot", "--resume", "--skip-nonfinite", "--overwrite");

    /** The test's base arguments; extra options ("--opt", "value" or "--opt=value") replace a base option of the same name. */
    private List<String> args(Path data, Path out, String... extra) {
        java.util.LinkedHashMap<String, String> o = new java.util.LinkedHashMap<>();
        String[] base = {"--teacher", Fixtures.dir("tiny-llama").toString(), "--hidden-size", "32", "--data", data.toString(),
                "--seq-len", "8", "--batch", "2", "--steps", "6", "--lr", "1e-2", "--val-fraction", "0.2",
                "--eval-every", "3", "--erank-every", "3", "--log-every", "2", "--threads", "2", "--out", out.toString()};
        for (int i = 0; i < base.length; i += 2) {
            o.put(base[i], base[i + 1]);
        }
        for (int i = 0; i < extra.length; i++) {
            String e = extra[i];
            if (e.contains("=")) {
                o.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
            } else if (FLAGS.contains(e)) {
                o.put(e, null);
            } else {
                o.put(e, extra[++i]);
            }
        }
        List<String> a = new ArrayList<>(List.of("distill"));
        o.forEach((k, v) -> {
            a.add(k);
            if (v != null) {
                a.add(v);
            }
        });
        return a;
    }

    private static CliTest.Result ok(List<String> args) {
        CliTest.Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    private static List<JsonNode> metrics(Path out) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            rows.add(JSON.readTree(line));
        }
        return rows;
    }

    @ParameterizedTest(name = "--init {0} {1}")
    @CsvSource({"random,", "orthogonal,", "red,--calib", "magnitude,", "minitron,--calib", "red,--calib --trainable=all"})
    void theStudentAtStepZeroIsPrunesOutput(String init, String extra) throws IOException {
        Path data = ids("data.safetensors", 12, 8, 5), calib = ids("calib.safetensors", 4, 8, 9);
        List<String> pruneArgs = new ArrayList<>(List.of("prune", "--model", Fixtures.dir("tiny-llama").toString(),
                "--method", init, "--hidden-size", "32", "--seed", "3", "--out", tmp.resolve("pruned").toString()));
        List<String> more = new ArrayList<>(List.of("--init", init, "--seed", "3", "--steps", "2", "--save-every", "1"));
        if (init.equals("minitron")) {
            pruneArgs.addAll(List.of("--ffn-size", "96", "--heads", "2"));
            more.addAll(List.of("--ffn-size", "96", "--heads", "2"));
        }
        for (String e : extra == null ? new String[0] : extra.split(" ")) {
            if (e.equals("--calib")) {
                pruneArgs.addAll(List.of("--calib", calib.toString()));
                more.addAll(List.of("--calib", calib.toString()));
            } else {
                more.add(e);
            }
        }
        List<String> distillArgs = args(data, tmp.resolve("student"), more.toArray(String[]::new));
        ok(pruneArgs);
        ok(distillArgs);
        Path step0 = tmp.resolve("student/checkpoints/step-0");
        TrainResumeTest.assertSameTensors(tmp.resolve("pruned/model.safetensors"), step0.resolve("model.safetensors"));
        assertEquals(JSON.readTree(tmp.resolve("pruned/config.json").toFile()), JSON.readTree(step0.resolve("config.json").toFile()));
        // and training moved it
        try (SafetensorsFile a = SafetensorsFile.open(step0.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(tmp.resolve("student/model.safetensors"))) {
            assertFalse(java.util.Arrays.equals(a.readFloat32("model.layers.0.mlp.up_proj.weight"),
                    b.readFloat32("model.layers.0.mlp.up_proj.weight")));
        }
    }

    @Test
    void aRunResumedInANewJvmEndsBitIdenticalToAnUninterruptedOne() throws Exception {
        Path data = ids("data.safetensors", 12, 8, 5), whole = tmp.resolve("whole"), split = tmp.resolve("split");
        ok(args(data, whole, "--init", "random", "--save-every", "3", "--grad-accum", "2", "--loss", "kl=1,ce=0.5,rkl=0.25"));
        CliTest.Result first = ok(args(data, split, "--init", "random", "--stop-after", "3", "--grad-accum", "2",
                "--loss", "kl=1,ce=0.5,rkl=0.25"));
        assertTrue(first.err().contains("continue with --resume"), first.err());
        assertFalse(Files.exists(split.resolve("model.safetensors")), "no final model before --steps");
        // the second half in a JVM of its own, as a user's next job would be
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args(data, split, "--init", "random", "--resume", "--save-every", "3", "--grad-accum", "2",
                "--loss", "kl=1,ce=0.5,rkl=0.25"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "forked JVM timed out");
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("resumed from") && log.contains("step-3"), log);
        TrainResumeTest.assertSameTensors(whole.resolve("model.safetensors"), split.resolve("model.safetensors"));
        for (String f : List.of("optimizer.safetensors", "trainable.safetensors")) {
            TrainResumeTest.assertSameTensors(whole.resolve("checkpoints/step-6/" + f), split.resolve("checkpoints/step-6/" + f));
        }
        // the metrics agree too, apart from the measured speed; the resumed log keeps steps 0-3 once
        List<JsonNode> a = metrics(whole), b = metrics(split);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) a.get(i)).remove("tokens_per_s");
            ((com.fasterxml.jackson.databind.node.ObjectNode) b.get(i)).remove("tokens_per_s");
            assertEquals(a.get(i), b.get(i), "metrics row " + i);
        }
    }

    @Test
    void metricsHoldEveryStepEveryTermAndErankAlongTheRun() throws IOException {
        Path data = ids("data.safetensors", 12, 8, 5), out = tmp.resolve("out");
        ok(args(data, out, "--init", "orthogonal", "--loss", "kl=1,ce=0.5", "--temperature", "2", "--plot"));
        List<JsonNode> rows = metrics(out);
        assertEquals(7, rows.size(), "step 0 and steps 1-6");
        for (int s = 0; s <= 6; s++) {
            assertEquals(s, rows.get(s).get("step").asInt());
        }
        JsonNode step0 = rows.getFirst();
        assertEquals(3, step0.get("erank").size(), "L + 1 hidden states of the 2-layer student");
        assertEquals(3, step0.get("teacher_erank").size());
        assertTrue(step0.has("val_ce") && step0.has("val_kl"));
        for (int s = 1; s <= 6; s++) {
            JsonNode r = rows.get(s);
            double total = r.get("kl").asDouble() + 0.5 * r.get("ce").asDouble();
            assertEquals(total, r.get("loss").asDouble(), 1e-9 * Math.abs(total), "weighted total at step " + s);
            assertTrue(r.get("grad_norm").asDouble() > 0 && r.get("lr").asDouble() > 0, r.toString());
            assertEquals(s % 3 == 0, r.has("erank"), "eRank every 3 steps, step " + s);
            assertEquals(s % 3 == 0, r.has("val_ce"), "validation every 3 steps, step " + s);
        }
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        for (String f : List.of("loss.png", "erank.png")) {
            assertArrayEquals(png, java.util.Arrays.copyOf(Files.readAllBytes(out.resolve(f)), 4), f);
        }
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(32, config.get("hidden_size").asInt());
        assertEquals(0, run("info", "--model", out.toString()).code(), "the student is a loadable HF folder");
    }

    @Test
    void aDivergedStepIsSkippedAndLoggedAsNullWithSkipNonFinite() throws IOException {
        Path data = ids("data.safetensors", 12, 8, 5), out = tmp.resolve("out");
        // lr 1e30: the first update blows the projections up, so every later step's loss is infinite
        ok(args(data, out, "--init", "random", "--steps", "4", "--lr", "1e30", "--warmup", "0", "--val-fraction", "0",
                "--erank-every", "0", "--log-every", "1", "--skip-nonfinite"));
        List<JsonNode> rows = metrics(out);   // Jackson refuses NaN and Infinity tokens: every line is plain JSON
        assertEquals(5, rows.size());
        assertFalse(rows.get(1).get("skipped").asBoolean());
        assertTrue(rows.get(1).get("loss").isNumber());
        for (int s = 2; s <= 4; s++) {
            JsonNode r = rows.get(s);
            assertTrue(r.get("skipped").asBoolean(), r.toString());
            assertEquals(s - 1, r.get("skipped_steps").asInt());
            assertTrue(r.get("loss").isNull() && r.get("grad_norm").isNull(), r.toString());
        }
        CliTest.Result failing = run(args(data, tmp.resolve("stops"), "--init", "random", "--steps", "4", "--lr", "1e30",
                "--warmup", "0", "--val-fraction", "0", "--erank-every", "0", "--log-every", "1").toArray(String[]::new));
        assertEquals(2, failing.code(), failing.err());   // a diverged run is reported as a user error (lower the lr)
        assertTrue(failing.err().contains("step 2:") && failing.err().contains("not finite"), failing.err());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--loss=foo=1|unknown loss term 'foo'",
            "--loss=kl=-1|the weight of kl must be a finite number >= 0",
            "--loss=kl=0|every term has weight 0",
            "--loss=kl=1,kl=2|term kl is given twice",
            "--temperature=0|--temperature must be a finite number > 0",
            "--val-fraction=1|--val-fraction must be in [0, 1)",
            "--grad-accum=0|--grad-accum must be >= 1",
            "--schedule=step|--schedule must be linear or cosine",
            "--init=minitron|needs --calib",
            "--heads=2|--ffn-size and --heads apply to minitron only, not to random",
            "--erank-every=-1|--erank-every must be >= 0",
            "--norm-init=teacher|--norm-init teacher needs a channel selection",
            "--loss-span=2|--loss-span needs --loss-after",
            "--loss-span=0|--loss-span must be >= 1, got 0"})
    void badFlagsAreRefusedBeforeAnyWork(String flag, String message) throws IOException {
        Path data = ids("data.safetensors", 12, 8, 5);
        List<String> a = args(data, tmp.resolve("out"), "--init", "random", flag);
        CliTest.Result r = run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(Files.exists(tmp.resolve("out/metrics.jsonl")), "nothing ran");
    }

    @Test
    void projectionsCannotExpressMinitronAndTheTeacherFolderIsNotAnOutput() throws IOException {
        Path data = ids("data.safetensors", 12, 8, 5), calib = ids("calib.safetensors", 4, 8, 9);
        CliTest.Result r = run(args(data, tmp.resolve("out"), "--init", "minitron", "--calib", calib.toString(),
                "--trainable", "projections").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("use --trainable all"), r.err());
        CliTest.Result same = run(args(data, Fixtures.dir("tiny-llama"), "--init", "random").toArray(String[]::new));
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("is also an input"), same.err());
        Path used = tmp.resolve("used");
        Files.createDirectories(used);
        Files.writeString(used.resolve("notes.txt"), "mine");
        CliTest.Result full = run(args(data, used, "--init", "random").toArray(String[]::new));
        assertEquals(2, full.code(), full.err());
        assertTrue(full.err().contains("is not empty; pass --overwrite"), full.err());
        ok(args(data, used, "--init", "random", "--steps", "2", "--overwrite"));
        assertFalse(Files.exists(used.resolve("notes.txt")), "the folder is replaced whole");
        assertTrue(Files.isRegularFile(used.resolve("model.safetensors")) && Files.isRegularFile(used.resolve("metrics.jsonl")));
    }
}
