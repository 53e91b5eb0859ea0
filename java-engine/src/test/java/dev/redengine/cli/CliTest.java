package dev.redengine.cli;

import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI in-process: the forward contract against every HF fixture, info, and clear errors. */
class CliTest {
    static final List<String> ALL = Fixtures.ALL;

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = RedEngineCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("ALL")
    void forwardMatchesHfGolden(String name) throws IOException {
        Path dir = Fixtures.dir(name);
        Path golden = dir.resolve("golden.safetensors");
        Path out = tmp.resolve("out.safetensors");
        boolean withGrads = Fixtures.WITH_GRADIENTS.contains(name);
        Result r = withGrads
                ? run("forward", "--model", dir.toString(), "--input", golden.toString(), "--out", out.toString(), "--grads", "--threads", "2")
                : run("forward", "--model", dir.toString(), "--input", golden.toString(), "--out", out.toString());
        assertEquals(0, r.code, r.err);
        try (SafetensorsFile ref = SafetensorsFile.open(golden); SafetensorsFile got = SafetensorsFile.open(out)) {
            int compared = 0;
            for (String key : ref.names()) {
                if (key.equals("input_ids")) {
                    continue;
                }
                assertTrue(java.util.Arrays.equals(ref.info(key).shape(), got.info(key).shape()), key + " shape");
                float[] want = ref.readFloat32(key), have = got.readFloat32(key);
                double rel = key.equals("loss") ? 1e-5 / Fixtures.maxAbs(want) : key.startsWith("grad.") ? 1e-3 : 1e-4;
                double diff = Fixtures.maxDiff(want, have);
                assertTrue(diff <= rel * Fixtures.maxAbs(want), name + " " + key + ": max diff " + diff);
                compared++;
            }
            assertTrue(compared >= 4, "compared " + compared + " tensors");
            long outGrads = got.names().stream().filter(k -> k.startsWith("grad.")).count();
            long refGrads = ref.names().stream().filter(k -> k.startsWith("grad.")).count();
            assertEquals(refGrads, outGrads, "gradient count");
        }
    }

    @Test
    void infoDescribesTheModel() {
        Result r = run("info", "--model", Fixtures.dir("tiny-qwen3").toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("Qwen3ForCausalLM"), r.out);
        assertTrue(r.out.contains("q/k norm yes"), r.out);
        assertTrue(r.out.contains("CPU path: Vector API"), r.out);
        Result bf16 = run("info", "--model", Fixtures.dir("tiny-llama3-bf16-sharded").toString());
        assertTrue(bf16.out.contains("BF16") && bf16.out.contains("2 file(s)") && bf16.out.contains("llama3"), bf16.out);
    }

    @Test
    void infoSizesAConfigOnlyFolder() throws IOException {
        Path m = tmp.resolve("config-only");
        Files.createDirectories(m);
        Files.copy(Fixtures.dir("tiny-llama").resolve("config.json"), m.resolve("config.json"));
        Result r = run("info", "--model", m.toString(), "--seq-len", "32", "--batch", "2");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("no weights (config.json only)") && r.out.contains("inference at B=2, T=32"), r.out);
    }

    @Test
    void helpNamesTheCpuPath() {
        Result r = run("--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("CPU path: Vector API"), r.out);
    }

    @Test
    void infoNamesTheDeviceItWouldUse() {
        String model = Fixtures.dir("tiny-llama").toString();
        Result auto = run("info", "--model", model);
        assertEquals(0, auto.code, auto.err);
        assertTrue(auto.out.contains("device        cpu (--device auto)"), auto.out);
        Result cpu = run("info", "--model", model, "--device", "CPU", "--threads", "1");
        assertEquals(0, cpu.code, cpu.err);
        assertTrue(cpu.out.contains("device        cpu (--device CPU, --threads 1)") && cpu.out.contains("CPU path: Vector API"), cpu.out);
    }

    @Test
    void helpListsTheDevices() {
        Result root = run("--help");
        assertTrue(root.out.contains("Devices (--device") && root.out.contains("cuda: ") && root.out.contains("cuda-sim: "), root.out);
        for (String command : List.of("info", "forward", "analyze", "prune", "train")) {
            Result r = run(command, "--help");
            assertEquals(0, r.code, command);
            assertTrue(r.out.contains("--device=DEVICE") && r.out.contains("cpu, cuda, cuda-sim or auto"), command + ": " + r.out);
        }
    }

    /** The device is refused with exit code 2 and one line naming it, why, and what this machine offers. */
    private static void assertDeviceRefused(Result r, String device, String why) {
        assertEquals(2, r.code, r.err);
        String err = r.err.strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: ") && err.contains("\"" + device + "\"") && err.contains(why)
                && err.contains("choose one of: auto, cpu"), err);
    }

    @Test
    void cudaWithoutAGpuIsAClearError() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.redengine.backend.Backends.installed().choices().contains("cuda"),
                "this machine has a usable GPU: the no-GPU error cannot happen here");
        Path in = input(new int[]{1, 2, 3}, 1, 3);
        String model = Fixtures.dir("tiny-llama").toString();
        assertDeviceRefused(run("forward", "--model", model, "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString(),
                "--device", "cuda"), "cuda", "is not available");
        assertDeviceRefused(run("train", "--model", model, "--data", in.toString(), "--seq-len", "3", "--steps", "1", "--batch", "1",
                "--out", tmp.resolve("trained").toString(), "--device", "cuda"), "cuda", "is not available");
        assertDeviceRefused(run("forward", "--model", model, "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString(),
                "--device", "tpu"), "tpu", "unknown device");
        assertTrue(Files.notExists(tmp.resolve("o.safetensors")) && Files.notExists(tmp.resolve("trained")));
    }

    @Test
    void forwardOnTheNamedCpuDevice() throws IOException {
        Path dir = Fixtures.dir("tiny-llama");
        Path out = tmp.resolve("cpu.safetensors");
        Result r = run("forward", "--model", dir.toString(), "--input", dir.resolve("golden.safetensors").toString(),
                "--out", out.toString(), "--device", "cpu", "--threads", "1");
        assertEquals(0, r.code, r.err);
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("golden.safetensors")); SafetensorsFile got = SafetensorsFile.open(out)) {
            float[] want = ref.readFloat32("logits"), have = got.readFloat32("logits");
            assertTrue(Fixtures.maxDiff(want, have) <= 1e-4 * Fixtures.maxAbs(want));
        }
    }

    private Path input(int[] ids, long... shape) throws IOException {
        Path p = tmp.resolve("in-" + System.nanoTime() + ".safetensors");
        new SafetensorsWriter().addI32("input_ids", ids, shape).write(p);
        return p;
    }

    private Result forward(Path model, Path in) {
        return run("forward", "--model", model.toString(), "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString());
    }

    @Test
    void tokenIdOutOfRange() throws IOException {
        Result r = forward(Fixtures.dir("tiny-llama"), input(new int[]{1, 2, 320}, 1, 3));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("token id 320") && r.err.contains("[0, 320)"), r.err);
    }

    @Test
    void sequenceLongerThanPositions() throws IOException {
        Result r = forward(Fixtures.dir("tiny-llama"), input(new int[129], 1, 129));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("exceeds max_position_embeddings = 128"), r.err);
    }

    @Test
    void emptyInput() throws IOException {
        Result r = forward(Fixtures.dir("tiny-llama"), input(new int[0], 1, 0));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("empty"), r.err);
    }

    @Test
    void missingInputIds() throws IOException {
        Path p = tmp.resolve("noids.safetensors");
        new SafetensorsWriter().addI32("tokens", new int[]{1}, 1, 1).write(p);
        Result r = forward(Fixtures.dir("tiny-llama"), p);
        assertEquals(2, r.code);
        assertTrue(r.err.contains("input_ids"), r.err);
    }

    private Path copyModel(String name) throws IOException {
        Path dst = tmp.resolve("model-" + System.nanoTime());
        Files.createDirectories(dst);
        try (var files = Files.list(Fixtures.dir(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    @Test
    void unsupportedArchitectureNamesKeyAndValue() throws IOException {
        Path m = copyModel("tiny-llama");
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("LlamaForCausalLM", "MistralForCausalLM"));
        Result r = run("info", "--model", m.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("architectures[0] = \"MistralForCausalLM\""), r.err);
    }

    @Test
    void unsupportedRopeTypeNamesKeyAndValue() throws IOException {
        Path m = copyModel("tiny-llama");
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"default\"", "\"yarn\""));
        Result r = forward(m, Fixtures.dir("tiny-llama").resolve("golden.safetensors"));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("rope_parameters.rope_type = \"yarn\""), r.err);
    }

    @Test
    void shapeThatDisagreesWithConfig() throws IOException {
        Path m = copyModel("tiny-llama");
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"intermediate_size\": 176", "\"intermediate_size\": 128"));
        Result r = forward(m, Fixtures.dir("tiny-llama").resolve("golden.safetensors"));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("model.layers.0.mlp.gate_proj.weight") && r.err.contains("config.json implies [128, 64]"), r.err);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path m = copyModel("tiny-llama-tied");
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        Result r = forward(m, Fixtures.dir("tiny-llama").resolve("golden.safetensors"));
        assertEquals(2, r.code);
        assertTrue(r.err.contains("lm_head.weight"), r.err);
    }

    /** Refused before any work: exit code 2 and exactly one line, "error: ..." containing every fragment. */
    private static void assertRefused(Result r, String... fragments) {
        assertEquals(2, r.code, r.out + r.err);
        String err = r.err.strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: "), err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "missing \"" + f + "\" in: " + err);
        }
    }

    private Result train(Path data, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", Fixtures.dir("tiny-llama").toString(),
                "--data", data.toString(), "--steps", "2", "--batch", "1", "--out", tmp.resolve("trained").toString()));
        args.addAll(List.of(extra));
        if (!args.contains("--seq-len")) {
            args.addAll(List.of("--seq-len", "3"));
        }
        return run(args.toArray(String[]::new));
    }

    @Test
    void trainRefusesBadNumbersBeforeAnyWork() throws IOException {
        Path data = input(new int[]{1, 2, 3, 4, 5, 6}, 2, 3);
        assertRefused(train(data, "--log-every", "0"), "--log-every", "0");
        for (String lr : List.of("NaN", "Infinity", "0", "-1e-3")) {
            assertRefused(train(data, "--lr", lr), "--lr", "finite");
        }
        for (String w : List.of("-0.1", "1.5", "NaN")) {
            assertRefused(train(data, "--warmup", w), "--warmup", "[0, 1]");
        }
        assertRefused(train(data, "--clip", "-1"), "--clip", ">= 0");
        assertRefused(train(data, "--clip", "NaN"), "--clip", ">= 0");
        for (String wd : List.of("-0.01", "NaN", "Infinity")) {
            assertRefused(train(data, "--weight-decay", wd), "--weight-decay", ">= 0");
        }
        assertRefused(train(data, "--steps", "0"), "--steps");
        assertRefused(train(data, "--samples", "0"), "--samples");
        assertRefused(train(data, "--seq-len", "0"), "--seq-len must be >= 1, got 0");
        assertRefused(train(data, "--seq-len", "129"), "--seq-len 129", "max_position_embeddings = 128");
        assertRefused(train(tmp.resolve("missing.safetensors")), "--data", "no such file");
        assertRefused(train(data, "--lr", "abc"), "--lr", "abc");
        assertTrue(Files.notExists(tmp.resolve("trained")));
        // the edges that are allowed still train
        assertEquals(0, train(data, "--warmup", "1", "--clip", "0", "--weight-decay", "0", "--log-every", "1").code);
    }

    @Test
    void trainRefusesAnOutputThatIsAFile() throws IOException {
        Path data = input(new int[]{1, 2, 3}, 1, 3);
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertRefused(run("train", "--model", Fixtures.dir("tiny-llama").toString(), "--data", data.toString(), "--seq-len", "3",
                "--steps", "1", "--batch", "1", "--out", file.toString()), "--out", "is a file");
    }

    @Test
    void infoRefusesSizesThatMeanNothing() {
        String model = Fixtures.dir("tiny-llama").toString();
        assertRefused(run("info", "--model", model, "--batch", "-1"), "--batch", "-1");
        assertRefused(run("info", "--model", model, "--batch", "0"), "--batch");
        assertRefused(run("info", "--model", model, "--seq-len", "0"), "--seq-len must be >= 1, got 0");
        assertRefused(run("info", "--model", model, "--seq-len", "129"), "--seq-len 129", "max_position_embeddings = 128");
        assertEquals(0, run("info", "--model", model, "--seq-len", "128").code);
    }

    @Test
    void analyzeChecksItsOutputsBeforeAnyWork() throws IOException {
        String model = Fixtures.dir("tiny-llama").toString();
        String calib = Fixtures.dir("tiny-llama").resolve("golden.safetensors").toString();
        Path out = tmp.resolve("report.json");
        assertRefused(run("analyze", "--model", model, "--calib", calib, "--out", out.toString(), "--plot", tmp.resolve("e.jpg").toString()),
                "--plot", ".png");
        assertRefused(run("analyze", "--model", model, "--calib", calib, "--out", out.toString(),
                "--plot", tmp.resolve("no/such/e.png").toString()), "--plot", "does not exist");
        assertRefused(run("analyze", "--model", model, "--calib", calib, "--out", tmp.resolve("no/such/r.json").toString()),
                "--out", "does not exist");
        assertRefused(run("analyze", "--model", model, "--calib", calib, "--out", tmp.toString()), "--out", "is a folder");
        assertRefused(run("analyze", "--model", model, "--calib", tmp.resolve("none.jsonl").toString(), "--out", out.toString()),
                "--calib", "no such file");
        assertRefused(run("analyze", "--model", model, "--calib", calib, "--batch", "0", "--out", out.toString()), "--batch");
        assertTrue(Files.notExists(out));
    }

    @Test
    void pruneChecksItsOptionsBeforeAnyWork() throws IOException {
        String model = Fixtures.dir("tiny-llama").toString();
        String calib = Fixtures.dir("tiny-llama").resolve("golden.safetensors").toString();
        Path out = tmp.resolve("student");
        assertRefused(run("prune", "--model", model, "--method", "magnitude", "--hidden-size", "32",
                "--calib", tmp.resolve("none.jsonl").toString(), "--out", out.toString()), "--calib", "magnitude");
        assertRefused(run("prune", "--model", model, "--method", "random", "--hidden-size", "32",
                "--calib", calib, "--out", out.toString()), "--calib", "random");
        assertRefused(run("prune", "--model", model, "--method", "red", "--hidden-size", "32",
                "--calib", tmp.resolve("none.jsonl").toString(), "--out", out.toString()), "--calib", "no such file");
        assertRefused(run("prune", "--model", model, "--method", "magnitude", "--hidden-size", "0", "--out", out.toString()),
                "--hidden-size");
        assertRefused(run("prune", "--model", model, "--method", "minitron", "--hidden-size", "32", "--ffn-size", "0",
                "--calib", calib, "--out", out.toString()), "--ffn-size");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertRefused(run("prune", "--model", model, "--method", "magnitude", "--hidden-size", "32", "--out", file.toString()),
                "--out", "is a file");
        assertTrue(Files.notExists(out));
    }

    @Test
    void forwardChecksItsOutputBeforeRunning() throws IOException {
        Path in = input(new int[]{1, 2, 3}, 1, 3);
        assertRefused(run("forward", "--model", Fixtures.dir("tiny-llama").toString(), "--input", in.toString(),
                "--out", tmp.resolve("no/such/o.safetensors").toString()), "--out", "does not exist");
    }

    @Test
    void unparsableOptionIsOneLine() {
        assertRefused(run("info", "--model", Fixtures.dir("tiny-llama").toString(), "--batch", "two"), "--batch", "two");
        assertRefused(run("info"), "--model");
    }
}
