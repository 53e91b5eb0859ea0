package dev.redengine.compress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * WidthPruner against the definition of Minitron width pruning, with a teacher whose every entry encodes where
 * it came from (tensor, row, column), so that each kept entry of the student names its source exactly. Each
 * layer keeps different neurons and heads, so a plan applied to the wrong layer shows.
 */
class WidthPrunerOracleTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** Entry (r, c) of the tensor with index id: exact in float32 for the sizes used here. */
    private static float code(int id, int r, int c) {
        return id * 16384 + r * 128 + c;
    }

    private static int[] all(int n) {
        return IntStream.range(0, n).toArray();
    }

    private static int[] rowsOfHeads(int[] heads, int dh) {
        return IntStream.range(0, heads.length * dh).map(i -> heads[i / dh] * dh + i % dh).toArray();
    }

    @ParameterizedTest(name = "{0} attention_bias={1} mlp_bias={2} {3}")
    @CsvSource({
            "LlamaForCausalLM, true, true, TEACHER",
            "Qwen2ForCausalLM, false, true, TEACHER",
            "Qwen3ForCausalLM, false, false, ONES",
            "LlamaForCausalLM, false, false, ONES",
    })
    void everyKeptEntryComesFromWhereThePlanSays(String hfClass, boolean attnBias, boolean mlpBias, NormInit init) {
        int d = 12, heads = 4, kv = 2, dh = 4, f = 10, vocab = 9, layers = 3;
        ObjectNode json = ConfigJson.decoder(hfClass, d, layers, heads, kv, dh, f, vocab, 16, false);
        json.put("attention_bias", attnBias);
        json.put("mlp_bias", mlpBias);
        ModelConfig c = ModelConfig.parse(json);
        var specs = ParameterSpec.of(c);
        Parameters teacher = Parameters.allocate(be, specs);
        for (int id = 0; id < specs.size(); id++) {
            ParameterSpec s = specs.get(id);
            int rows = s.shape().length == 2 ? s.shape()[0] : 1, cols = s.shape()[s.shape().length - 1];
            float[] w = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    w[r * cols + k] = code(id, r, k);
                }
            }
            be.upload(teacher.get(s.name()), w);
        }
        int[] channels = {0, 3, 4, 7, 8, 11};
        int[][] neurons = {{1, 2, 5, 9}, {0, 4, 6, 7}, {3, 5, 8, 9}};
        int[][] keptHeads = {{0, 2}, {1, 3}, {1, 2}}; // one per KV group
        WidthPruner.Result res = WidthPruner.prune(c, teacher, new WidthPruner.Plan(channels, neurons, keptHeads), init, be);
        ModelConfig out = res.config();
        assertEquals(6, out.hiddenSize());
        assertEquals(4, out.intermediateSize());
        assertEquals(2, out.numHeads());
        assertEquals(kv, out.numKvHeads());
        assertEquals(dh, out.headDim());
        var outSpecs = ParameterSpec.of(out);
        assertEquals(specs.size(), outSpecs.size());
        for (ParameterSpec s : outSpecs) {
            String n = s.name();
            int id = IntStream.range(0, specs.size()).filter(i -> specs.get(i).name().equals(n)).findFirst().orElseThrow();
            int layer = n.startsWith("model.layers.") ? n.charAt("model.layers.".length()) - '0' : -1;
            int[] rows, cols;
            boolean vector = s.shape().length == 1;
            if (n.equals("model.embed_tokens.weight") || n.equals("lm_head.weight")) {
                rows = all(vocab); cols = channels;
            } else if (n.contains("q_norm") || n.contains("k_norm")) {
                rows = new int[]{0}; cols = all(dh);
            } else if (n.endsWith("norm.weight")) {
                rows = new int[]{0}; cols = channels;
            } else if (n.endsWith("q_proj.weight")) {
                rows = rowsOfHeads(keptHeads[layer], dh); cols = channels;
            } else if (n.endsWith("q_proj.bias")) {
                rows = new int[]{0}; cols = rowsOfHeads(keptHeads[layer], dh);
            } else if (n.endsWith("k_proj.weight") || n.endsWith("v_proj.weight")) {
                rows = all(kv * dh); cols = channels;
            } else if (n.endsWith("k_proj.bias") || n.endsWith("v_proj.bias")) {
                rows = new int[]{0}; cols = all(kv * dh);
            } else if (n.endsWith("o_proj.weight")) {
                rows = channels; cols = rowsOfHeads(keptHeads[layer], dh);
            } else if (n.endsWith("o_proj.bias") || n.endsWith("down_proj.bias")) {
                rows = new int[]{0}; cols = channels;
            } else if (n.endsWith("gate_proj.weight") || n.endsWith("up_proj.weight")) {
                rows = neurons[layer]; cols = channels;
            } else if (n.endsWith("gate_proj.bias") || n.endsWith("up_proj.bias")) {
                rows = new int[]{0}; cols = neurons[layer];
            } else if (n.endsWith("down_proj.weight")) {
                rows = channels; cols = neurons[layer];
            } else {
                throw new AssertionError("unexpected parameter " + n);
            }
            float[] expected = new float[rows.length * cols.length];
            boolean ones = init == NormInit.ONES && n.endsWith("norm.weight") && !n.contains("self_attn.");
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < cols.length; j++) {
                    expected[i * cols.length + j] = ones ? 1f : code(id, rows[i], cols[j]);
                }
            }
            assertArrayEquals(vector ? new int[]{expected.length} : new int[]{rows.length, cols.length}, s.shape(), n);
            assertArrayEquals(expected, be.downloadFloats(res.parameters().get(n)), n);
        }
    }

    @Test
    void channelsOnlyKeepsEveryNeuronAndHeadOfEveryLayer() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 3, 4, 2, 2, 6, 5, 16, false));
        int[] ch = {1, 5};
        WidthPruner.Plan p = WidthPruner.channelsOnly(c, ch);
        assertArrayEquals(ch, p.channels());
        assertEquals(3, p.neurons().length);
        assertEquals(3, p.heads().length);
        for (int l = 0; l < 3; l++) {
            assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5}, p.neurons()[l]);
            assertArrayEquals(new int[]{0, 1, 2, 3}, p.heads()[l]);
        }
    }

    @Test
    void headsByGroupKeepsTheBestOfEachGroup() {
        // groups {0,1,2} and {3,4,5}; keep 2 per group
        double[] imp = {0.5, 0.9, 0.1, 3.0, 2.0, 2.5};
        assertArrayEquals(new int[]{0, 1, 3, 5}, WidthPruner.headsByGroup(imp, 4, 2));
        assertArrayEquals(new int[]{1, 3}, WidthPruner.headsByGroup(imp, 2, 2));
        assertArrayEquals(new int[]{3}, WidthPruner.headsByGroup(imp, 1, 1));
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5}, WidthPruner.headsByGroup(imp, 6, 2));
    }

    @ParameterizedTest(name = "keep {0}")
    @CsvSource({"0", "3", "-2", "8"})
    void headsByGroupRefusesCountsThatDoNotFitTheGroups(int keep) {
        double[] imp = {0.5, 0.9, 0.1, 3.0, 2.0, 2.5};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WidthPruner.headsByGroup(imp, keep, 2));
        assertEquals("--heads " + keep + " must be a positive multiple of num_key_value_heads = 2 and at most 6", e.getMessage());
    }
}
