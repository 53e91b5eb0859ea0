package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.cuda.CudaSimBackendProvider;
import dev.redengine.backend.cuda.SimSupport;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --device cuda-sim} end to end on the shipped models: forward, analyze, train and distill give the CPU
 * backend's numbers (forward at the HF goldens' tolerances: 1e-4 of max |ref| for logits and hidden states, 1e-3
 * for gradients, 1e-5 for the loss). The thread order is the system property the provider reads.
 */
class CudaSimCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeEach
    void needsTheSimulator() {
        SimSupport.library(); // skips, saying why, where the simulator cannot be built
    }

    private static Path model(String name) {
        return Path.of(System.getProperty("redengine.models", "../models")).resolve(name);
    }

    private Path ids(String name, int sequences, int tokens, long seed) throws IOException {
        int[] ids = new SplittableRandom(seed).ints((long) sequences * tokens, 0, 320).toArray();
        Path f = tmp.resolve(name);
        new SafetensorsWriter().addI32("input_ids", ids, sequences, tokens).write(f);
        return f;
    }

    /** Runs {@code args} on cuda-sim with the threads in {@code order}, expecting success. */
    private static CliTest.Result onSim(String order, List<String> args) {
        String before = System.getProperty(CudaSimBackendProvider.ORDER_PROPERTY);
        System.setProperty(CudaSimBackendProvider.ORDER_PROPERTY, order);
        try {
            List<String> a = new ArrayList<>(args);
            a.addAll(List.of("--device", "cuda-sim"));
            CliTest.Result r = run(a.toArray(String[]::new));
            assertEquals(0, r.code(), "cuda-sim " + order + ": " + r.err());
            return r;
        } finally {
            if (before == null) {
                System.clearProperty(CudaSimBackendProvider.ORDER_PROPERTY);
            } else {
                System.setProperty(CudaSimBackendProvider.ORDER_PROPERTY, before);
            }
        }
    }

    private static CliTest.Result onCpu(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of("--device", "cpu", "--threads", "2"));
        CliTest.Result r = run(a.toArray(String[]::new));
        assertEquals(0, r.code(), "cpu: " + r.err());
        return r;
    }

    @Test
    void infoNamesTheSimulatorAndItsThreadOrder() {
        CliTest.Result r = onSim("reversed", List.of("info", "--model", model("tiny-llama").toString()));
        assertTrue(r.out().contains("CUDA simulator") && r.out().contains("threads reversed")
                && r.out().contains("libredengine_cudasim"), r.out());
    }

    @ParameterizedTest(name = "tiny-llama, threads {0}")
    @ValueSource(strings = {"forward", "reversed", "shuffled"})
    void forwardWithGradientsGivesTheCpuResults(String order) throws IOException {
        Path dir = model("tiny-llama");
        Path in = dir.resolve("example-input.safetensors");
        Path cpu = tmp.resolve("cpu.safetensors"), sim = tmp.resolve("sim.safetensors");
        List<String> args = List.of("forward", "--model", dir.toString(), "--input", in.toString(), "--grads");
        onCpu(concat(args, "--out", cpu.toString()));
        onSim(order, concat(args, "--out", sim.toString()));
        assertSameTensors(cpu, sim, 4);
    }

    @Test
    void forwardOnTinyArithGivesTheCpuResults() throws IOException {
        Path dir = model("tiny-arith");
        Path in = ids("in.safetensors", 2, 16, 11);
        Path cpu = tmp.resolve("cpu.safetensors"), sim = tmp.resolve("sim.safetensors");
        List<String> args = List.of("forward", "--model", dir.toString(), "--input", in.toString());
        onCpu(concat(args, "--out", cpu.toString()));
        onSim("shuffled", concat(args, "--out", sim.toString()));
        assertSameTensors(cpu, sim, 6);
    }

    /** Every tensor of {@code cpu} is in {@code sim} with its shape, at the goldens' tolerances. */
    private static void assertSameTensors(Path cpu, Path sim, int atLeast) throws IOException {
        try (SafetensorsFile want = SafetensorsFile.open(cpu); SafetensorsFile have = SafetensorsFile.open(sim)) {
            assertEquals(want.names(), have.names());
            int compared = 0;
            for (String key : want.names()) {
                assertTrue(java.util.Arrays.equals(want.info(key).shape(), have.info(key).shape()), key + " shape");
                float[] w = want.readFloat32(key), h = have.readFloat32(key);
                double tol = key.equals("loss") ? 1e-5 : (key.startsWith("grad.") ? 1e-3 : 1e-4) * Fixtures.maxAbs(w);
                double diff = Fixtures.maxDiff(w, h);
                assertTrue(diff <= tol, key + ": cuda-sim differs from cpu by " + diff + " > " + tol);
                compared++;
            }
            assertTrue(compared >= atLeast, "compared " + compared + " tensors");
        }
    }

    @Test
    void analyzeGivesTheCpuReport() throws IOException {
        Path cpu = tmp.resolve("cpu.json"), sim = tmp.resolve("sim.json");
        List<String> args = List.of("analyze", "--model", model("tiny-arith").toString(),
                "--calib", model("tiny-arith").resolve("arith-calib.jsonl").toString(), "--samples", "3", "--seq-len", "32");
        onCpu(concat(args, "--out", cpu.toString()));
        onSim("reversed", concat(args, "--out", sim.toString()));
        JsonNode want = JSON.readTree(cpu.toFile()).get("models").get(0), have = JSON.readTree(sim.toFile()).get("models").get(0);
        assertEquals(want.get("tokens").asInt(), have.get("tokens").asInt());
        assertEquals(5, want.get("layers").size());
        int compared = assertClose(want.get("layers"), have.get("layers"), 1e-4, "layers");
        assertEquals(5 * 5, compared, "every number of every layer");
    }

    @Test
    void trainGivesTheCpuLosses() throws IOException {
        Path data = ids("data.safetensors", 8, 8, 5);
        List<String> args = List.of("train", "--model", model("tiny-llama").toString(), "--data", data.toString(),
                "--seq-len", "8", "--batch", "2", "--steps", "3", "--log-every", "1", "--seed", "7");
        onCpu(concat(args, "--out", tmp.resolve("cpu").toString()));
        onSim("shuffled", concat(args, "--out", tmp.resolve("sim").toString()));
        JsonNode want = JSON.readTree(tmp.resolve("cpu/trainer_state.json").toFile()).get("log");
        JsonNode have = JSON.readTree(tmp.resolve("sim/trainer_state.json").toFile()).get("log");
        assertEquals(3, want.size());
        int compared = assertClose(want, have, 1e-4, "log");
        assertTrue(compared >= 3 * 3, "compared " + compared);
    }

    @Test
    void distillGivesTheCpuMetrics() throws IOException {
        Path data = ids("data.safetensors", 10, 8, 5);
        List<String> args = List.of("distill", "--teacher", model("tiny-llama").toString(), "--hidden-size", "32", "--init", "random",
                "--data", data.toString(), "--seq-len", "8", "--batch", "2", "--steps", "2", "--lr", "1e-2",
                "--val-fraction", "0.2", "--eval-every", "2", "--erank-every", "2", "--log-every", "1", "--seed", "3");
        onCpu(concat(args, "--out", tmp.resolve("cpu").toString()));
        onSim("forward", concat(args, "--out", tmp.resolve("sim").toString()));
        List<String> want = Files.readAllLines(tmp.resolve("cpu/metrics.jsonl")), have = Files.readAllLines(tmp.resolve("sim/metrics.jsonl"));
        assertEquals(want.size(), have.size());
        assertTrue(want.size() >= 2, want.toString());
        int compared = 0;
        for (int i = 0; i < want.size(); i++) {
            compared += assertClose(JSON.readTree(want.get(i)), JSON.readTree(have.get(i)), 1e-4, "metrics row " + i);
        }
        assertTrue(compared >= 2 * 3, "compared " + compared);
    }

    /**
     * The same JSON structure with numbers within {@code rel} of the larger magnitude (1e-6 absolute at least),
     * except throughput, which is timing; returns how many numbers were compared.
     */
    private static int assertClose(JsonNode want, JsonNode have, double rel, String where) {
        assertEquals(want.getNodeType(), have.getNodeType(), where);
        int n = 0;
        if (want.isNumber()) {
            double a = want.asDouble(), b = have.asDouble();
            assertTrue(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-6,
                    where + ": cpu " + a + ", cuda-sim " + b);
            return 1;
        }
        if (want.isArray()) {
            assertEquals(want.size(), have.size(), where);
            for (int i = 0; i < want.size(); i++) {
                n += assertClose(want.get(i), have.get(i), rel, where + "[" + i + "]");
            }
        } else if (want.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("tokens_per_s")) {
                    continue;
                }
                assertTrue(have.has(e.getKey()), where + " has no " + e.getKey());
                n += assertClose(e.getValue(), have.get(e.getKey()), rel, where + "." + e.getKey());
            }
        } else {
            assertEquals(want, have, where);
        }
        return n;
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(more));
        return all;
    }
}
