package dev.redengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Edges of the model package that larger tests pass over: input checks of CausalLM at their boundaries,
 * MemoryEstimate's weight count and totals (hand-counted), its human-readable sizes, the span layout of
 * Parameters, and the distributions RandomInit draws from (sample moments over many draws).
 */
class ModelEdgesTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static final ModelConfig C = TestModels.tiny("LlamaForCausalLM", false); // d 16, L 2, H 4, KV 2, D 6, F 24, V 40, 64 positions

    @Test
    void allocateActivationsBoundaries() {
        CausalLM m = new CausalLM(C, Parameters.allocate(be, ParameterSpec.of(C)), be);
        assertEquals("empty input: B = 0, T = 3", assertThrows(IllegalArgumentException.class, () -> m.allocateActivations(0, 3)).getMessage());
        assertEquals("empty input: B = 2, T = 0", assertThrows(IllegalArgumentException.class, () -> m.allocateActivations(2, 0)).getMessage());
        assertEquals("sequence length T = 65 exceeds max_position_embeddings = 64",
                assertThrows(IllegalArgumentException.class, () -> m.allocateActivations(1, 65)).getMessage());
        Activations a = m.allocateActivations(1, 64);   // exactly the maximum
        assertEquals(64, a.seqLen);
        assertEquals(C.numLayers() + 1, a.hiddenCount());
        Activations one = m.allocateActivations(1, 1);
        assertEquals(1, one.batch);
    }

    @Test
    void setInputRangeChecks() {
        CausalLM m = new CausalLM(C, Parameters.allocate(be, ParameterSpec.of(C)), be);
        Activations a = m.allocateActivations(2, 3);
        int[] high = {0, 1, 2, 3, 40, 5};
        assertEquals("token id 40 at [1, 1] is out of range [0, 40)",
                assertThrows(IllegalArgumentException.class, () -> m.setInput(a, high)).getMessage());
        int[] negative = {0, 1, -1, 3, 4, 5};
        assertEquals("token id -1 at [0, 2] is out of range [0, 40)",
                assertThrows(IllegalArgumentException.class, () -> m.setInput(a, negative)).getMessage());
        int[] shortIds = {0, 1, 2};
        assertEquals("expected 2 x 3 token ids, got 3",
                assertThrows(IllegalArgumentException.class, () -> m.setInput(a, shortIds)).getMessage());
        int[] edges = {0, 39, 0, 39, 1, 38};
        m.setInput(a, edges);
        assertEquals(List.of(0, 39, 0, 39, 1, 38), java.util.Arrays.stream(be.downloadInts(a.ids)).boxed().toList());
    }

    /** Hand count for the tiny Llama: embed 40x16, lm_head 40x16, final norm 16, per layer 2 x 16 + q 24x16 +
     * k, v 12x16 + o 16x24 + gate, up, down 24x16. */
    @Test
    void memoryEstimateWeightsAndTotals() {
        long perLayer = 2 * 16 + 24 * 16 + 2 * 12 * 16 + 16 * 24 + 3 * 24 * 16;
        long params = 2 * 40 * 16 + 16 + 2 * perLayer;
        MemoryEstimate m = MemoryEstimate.of(C, 2, 9);
        assertEquals(params, m.parameters());
        assertEquals(4 * params, m.weightBytes());
        assertEquals(m.weightBytes() + m.activationBytes(), m.inferenceBytes());
        assertEquals(4 * m.weightBytes() + m.activationBytes() + m.backwardScratchBytes(), m.trainingBytes());
        MemoryEstimate byHand = new MemoryEstimate(10, 40, 100, 7);
        assertEquals(140, byHand.inferenceBytes());
        assertEquals(267, byHand.trainingBytes());
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"0, 0 B", "1, 1 B", "1023, 1023 B"})
    void humanBytes(long bytes, String expected) {
        assertEquals(expected, MemoryEstimate.human(bytes));
    }

    @Test
    void humanUnits() {
        assertEquals(String.format("%.1f KiB", 1.0), MemoryEstimate.human(1024));
        assertEquals(String.format("%.1f KiB", 1.5), MemoryEstimate.human(1536));
        assertEquals(String.format("%.1f KiB", 1023.0), MemoryEstimate.human(1023 * 1024));
        assertEquals(String.format("%.1f MiB", 1.0), MemoryEstimate.human(1 << 20));
        assertEquals(String.format("%.1f GiB", 5.0), MemoryEstimate.human(5L << 30));
        assertEquals(String.format("%.1f TiB", 2.0), MemoryEstimate.human(2L << 40));
        assertEquals(String.format("%.1f TiB", 1024.0), MemoryEstimate.human(1L << 50)); // no unit past TiB
    }

    @Test
    void spansOfFlatParameters() {
        Parameters vectors = Parameters.allocate(be, List.of(new ParameterSpec("a", 3), new ParameterSpec("b", 2)));
        assertEquals(1, vectors.spans().size());
        assertEquals(false, vectors.spans().get(0).decayed());
        assertEquals(5, vectors.spans().get(0).tensor().numel());
        Parameters matrices = Parameters.allocate(be, List.of(new ParameterSpec("a", 3, 2), new ParameterSpec("b", 2, 2)));
        assertEquals(1, matrices.spans().size());
        assertEquals(true, matrices.spans().get(0).decayed());
        assertEquals(10, matrices.spans().get(0).tensor().numel());
        Parameters mixed = Parameters.allocate(be, List.of(new ParameterSpec("v", 4), new ParameterSpec("m", 2, 3)));
        assertEquals(2, mixed.spans().size());
        assertEquals(6, mixed.spans().get(0).tensor().numel());
        assertEquals(4, mixed.spans().get(1).tensor().numel());
        assertNotNull(mixed.flat());
        // matrices first in the flat buffer, then the vectors
        be.upload(mixed.get("m"), new float[]{1, 2, 3, 4, 5, 6});
        be.upload(mixed.get("v"), new float[]{7, 8, 9, 10});
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, be.downloadFloats(mixed.flat()));
        Parameters loose = new Parameters();
        loose.put("m", be.allocate(2, 3));
        loose.put("v", be.allocate(4));
        assertNull(loose.flat());
        assertEquals(List.of(true, false), loose.spans().stream().map(Parameters.Span::decayed).toList());
        Parameters like = Parameters.allocateLike(be, loose);
        assertNull(like.flat());
        assertEquals(10, like.count());
        assertThrows(IllegalStateException.class, () -> mixed.put("x", be.allocate(1)));
        assertEquals("w[3, 2]", new ParameterSpec("w", 3, 2).toString());
    }

    /** Sample mean and standard deviation of the values of every tensor whose name ends with suffix. */
    private double[] moments(Parameters p, String suffix, boolean matrices) {
        double s = 0, s2 = 0;
        long n = 0;
        for (var e : p.asMap().entrySet()) {
            boolean matrix = e.getValue().rank() > 1;
            if (matrix != matrices || !e.getKey().endsWith(suffix)) {
                continue;
            }
            for (float v : be.downloadFloats(e.getValue())) {
                s += v;
                s2 += (double) v * v;
                n++;
            }
        }
        double mean = s / n;
        return new double[]{mean, Math.sqrt(s2 / n - mean * mean), n};
    }

    @Test
    void randomInitDistributions() {
        ObjectNode json = ConfigJson.decoder("Qwen2ForCausalLM", 256, 2, 4, 2, 64, 512, 64, 64, false);
        json.put("initializer_range", 0.05);
        json.put("mlp_bias", true);
        ModelConfig c = ModelConfig.parse(json);
        Parameters p = RandomInit.parameters(be, c, 1, 0.3);
        double[] w = moments(p, "weight", true), g = moments(p, "norm.weight", false), b = moments(p, ".bias", false);
        assertEquals(0, w[0], 0.01);
        assertEquals(0.3, w[1], 0.01);
        assertEquals(1, g[0], 0.02);
        assertEquals(0.1, g[1], 0.01);
        assertEquals(0, b[0], 0.01);
        assertEquals(0.05, b[1], 0.005);
        Parameters t = RandomInit.forTraining(be, c, 2);
        double[] tw = moments(t, "weight", true), tg = moments(t, "norm.weight", false), tb = moments(t, ".bias", false);
        assertEquals(0.05, tw[1], 0.002);
        assertEquals(1, tg[0], 0.0);
        assertEquals(0, tg[1], 0.0);
        assertEquals(0, tb[0], 0.0);
        assertEquals(0, tb[1], 0.0);
        SplittableRandom rng = new SplittableRandom(3);
        double s = 0, s2 = 0, s4 = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double z = RandomInit.gaussian(rng);
            s += z;
            s2 += z * z;
            s4 += z * z * z * z;
        }
        assertEquals(0, s / n, 0.01);
        assertEquals(1, s2 / n, 0.01);
        assertEquals(3, s4 / n, 0.05); // normal kurtosis
    }

    @Test
    void architectureNames() {
        assertEquals("LlamaForCausalLM", Architecture.LLAMA.hfClass());
        assertEquals("qwen2", Architecture.QWEN2.modelType());
        assertEquals(Architecture.QWEN3, Architecture.fromModelType("qwen3"));
        assertEquals(Architecture.QWEN2, Architecture.fromHfClass("Qwen2ForCausalLM"));
        assertEquals("unsupported model_type = \"gpt2\" (supported: llama, qwen2, qwen3)",
                assertThrows(ConfigException.class, () -> Architecture.fromModelType("gpt2")).getMessage());
        assertEquals("unsupported architecture: architectures[0] = \"X\" (supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)",
                assertThrows(ConfigException.class, () -> Architecture.fromHfClass("X")).getMessage());
    }
}
