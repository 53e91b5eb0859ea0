package dev.redengine.compress;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * MagnitudeImportance and ChannelSelection.topK against oracles of their own: a hand-made model where each
 * channel's norm is known in closed form, a plain per-matrix reference, and a selection by repeated
 * maximum search.
 */
class MagnitudeAndTopKOracleTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** Every matrix entry of channel c is (c + 1), norm gains and biases 100: importance = (c + 1) sqrt(count). */
    @Test
    void closedForm() {
        int d = 6, heads = 2, kv = 1, dh = 2, f = 5, vocab = 7, layers = 2;
        var json = ConfigJson.decoder("LlamaForCausalLM", d, layers, heads, kv, dh, f, vocab, 16, false);
        json.put("attention_bias", true);
        ModelConfig c = ModelConfig.parse(json);
        Parameters p = Parameters.allocate(be, ParameterSpec.of(c));
        for (ParameterSpec s : ParameterSpec.of(c)) {
            float[] w = new float[(int) s.numel()];
            boolean out = s.name().endsWith("o_proj.weight") || s.name().endsWith("down_proj.weight");
            for (int i = 0; i < w.length; i++) {
                if (s.shape().length == 1) {
                    w[i] = 100;
                } else {
                    int cols = s.shape()[1];
                    w[i] = out ? i / cols + 1 : i % cols + 1;
                }
            }
            be.upload(p.get(s.name()), w);
        }
        // entries per channel: embed + lm_head (vocab each), per layer q (heads dh), k, v (kv dh each),
        // gate, up (f each) read it; o (heads dh) and down (f) write it
        int perChannel = 2 * vocab + layers * (heads * dh + 2 * kv * dh + 2 * f + heads * dh + f);
        double[] imp = MagnitudeImportance.of(c, p, be);
        assertEquals(d, imp.length);
        for (int ch = 0; ch < d; ch++) {
            assertEquals((ch + 1) * Math.sqrt(perChannel), imp[ch], 1e-9 * (ch + 1) * Math.sqrt(perChannel), "channel " + ch);
        }
    }

    /** A plain reference: per channel, the sum of squares over the named matrices' columns or rows. */
    @ParameterizedTest(name = "{0} tied={1} seed={2}")
    @CsvSource({"LlamaForCausalLM, false, 1", "LlamaForCausalLM, true, 2", "Qwen3ForCausalLM, false, 3", "Qwen2ForCausalLM, true, 4"})
    void matchesAReference(String hfClass, boolean tied, long seed) {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder(hfClass, 8, 2, 4, 2, 4, 12, 11, 16, tied));
        Parameters p = RandomInit.parameters(be, c, seed, 0.5);
        double[] ref = new double[8];
        for (ParameterSpec s : ParameterSpec.of(c)) {
            String n = s.name();
            if (s.shape().length != 2) {
                continue;
            }
            float[] w = be.downloadFloats(p.get(n));
            int rows = s.shape()[0], cols = s.shape()[1];
            boolean writes = n.contains("o_proj") || n.contains("down_proj");
            for (int ch = 0; ch < 8; ch++) {
                int len = writes ? cols : rows;
                for (int k = 0; k < len; k++) {
                    double v = writes ? w[ch * cols + k] : w[k * cols + ch];
                    ref[ch] += v * v;
                }
            }
        }
        double[] imp = MagnitudeImportance.of(c, p, be);
        for (int ch = 0; ch < 8; ch++) {
            assertEquals(Math.sqrt(ref[ch]), imp[ch], 1e-9 * Math.sqrt(ref[ch]), "channel " + ch);
        }
    }

    /** Reference selection: k times, the largest score not yet taken (first index on ties); then ascending. */
    private static int[] byRepeatedMax(double[] s, int k) {
        boolean[] taken = new boolean[s.length];
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int i = 0; i < s.length; i++) {
                if (!taken[i] && (best < 0 || s[i] > s[best])) {
                    best = i;
                }
            }
            taken[best] = true;
        }
        int[] out = new int[k];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (taken[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void topKMatchesRepeatedMaximum(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 1 + rng.nextInt(40);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            // few distinct values so that ties are common; negatives and infinities too
            int kind = rng.nextInt(10);
            s[i] = kind == 0 ? Double.NEGATIVE_INFINITY : kind == 1 ? Double.POSITIVE_INFINITY : rng.nextInt(7) - 3;
        }
        for (int k = 1; k <= n; k++) {
            assertArrayEquals(byRepeatedMax(s, k), ChannelSelection.topK(s, k), "k = " + k);
        }
    }

    @Test
    void topKByHand() {
        assertArrayEquals(new int[]{1, 3}, ChannelSelection.topK(new double[]{0.1, 5, -2, 3, 0.2}, 2));
        assertArrayEquals(new int[]{0, 2}, ChannelSelection.topK(new double[]{1, 0, 1, 1}, 2));
        assertArrayEquals(new int[]{0}, ChannelSelection.topK(new double[]{-1, -2}, 1));
    }

    @ParameterizedTest(name = "NaN at {0}")
    @ValueSource(ints = {0, 1, 4})
    void topKRefusesNaNAnywhere(int at) {
        double[] s = {1, 2, 3, 4, 5};
        s[at] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelSelection.topK(s, 2));
        assertEquals("importance of channel " + at + " is NaN", e.getMessage());
    }

    @ParameterizedTest(name = "k {0}")
    @ValueSource(ints = {0, -1, 4})
    void topKRefusesCountsOutsideOneToN(int k) {
        double[] s = {1, 2, 3};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelSelection.topK(s, k));
        assertEquals("cannot keep " + k + " of 3 channels", e.getMessage());
    }

    @Test
    void overlapByHand() {
        assertEquals(0.5, ChannelSelection.overlap(new int[]{1, 2, 3, 4}, new int[]{9, 4, 0, 2}));
        assertEquals(1.0, ChannelSelection.overlap(new int[]{5}, new int[]{7, 5}));
        assertEquals(0.0, ChannelSelection.overlap(new int[]{5, 6}, new int[]{7}));
    }
}
