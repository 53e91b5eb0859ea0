package dev.redengine.compress;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every statistic of ActivationStatistics against a reference computed by the test from the activations of
 * each sequence run alone: the mean over tokens of |x| (of a head's L2 norm for heads), squared, summed over
 * sequences, square-rooted; Minitron channels summed over ln1 and ln2 of every layer and the final norm, RED
 * averaged over the hidden states. Batches that split the set unevenly; exact sequence and token counts.
 */
class MinitronStatisticsOracleTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** Adds (mean over the T tokens of |x[t][c]|)^2 into acc[c]; x [T, C]. */
    private static void addSeq(double[] acc, float[] x, int t) {
        int c = acc.length;
        for (int j = 0; j < c; j++) {
            double m = 0;
            for (int i = 0; i < t; i++) {
                m += Math.abs(x[i * c + j]);
            }
            m /= t;
            acc[j] += m * m;
        }
    }

    private static void sqrtInPlace(double[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.sqrt(a[i]);
        }
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 * Math.abs(want[i]) + 1e-7, what + "[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}, batch {1}")
    @CsvSource({"LlamaForCausalLM, 2", "Qwen3ForCausalLM, 1", "Qwen2ForCausalLM, 3"})
    void everyStatisticMatchesItsDefinition(String hfClass, int batch) {
        int d = 12, layers = 2, heads = 4, kv = 2, dh = 2, f = 10, vocab = 23, s = 3, t = 4;
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder(hfClass, d, layers, heads, kv, dh, f, vocab, 16, false));
        CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 9, 0.4), be);
        SplittableRandom rng = new SplittableRandom(17);
        int[][] seqs = new int[s][];
        for (int i = 0; i < s; i++) {
            seqs[i] = rng.ints(t, 0, vocab).toArray();
        }
        double[][] hidden = new double[layers + 1][d];
        double[][] norms = new double[2 * layers + 1][d];
        double[][] neurons = new double[layers][f];
        double[][] headSq = new double[layers][heads];
        for (int[] q : seqs) {
            Activations a = lm.allocateActivations(1, t);
            lm.setInput(a, q);
            lm.forward(a);
            for (int l = 0; l <= layers; l++) {
                addSeq(hidden[l], be.downloadFloats(a.hidden(l)), t);
            }
            for (int l = 0; l < layers; l++) {
                addSeq(norms[2 * l], be.downloadFloats(a.layers[l].ln1), t);
                addSeq(norms[2 * l + 1], be.downloadFloats(a.layers[l].ln2), t);
                addSeq(neurons[l], be.downloadFloats(a.layers[l].act), t);
                float[] att = be.downloadFloats(a.layers[l].att);  // [T, H * dh]
                float[] headNorms = new float[t * heads];
                for (int i = 0; i < t; i++) {
                    for (int h = 0; h < heads; h++) {
                        double sq = 0;
                        for (int j = 0; j < dh; j++) {
                            double v = att[(i * heads + h) * dh + j];
                            sq += v * v;
                        }
                        headNorms[i * heads + h] = (float) Math.sqrt(sq);
                    }
                }
                addSeq(headSq[l], headNorms, t);
            }
            addSeq(norms[2 * layers], be.downloadFloats(a.finalNorm), t);
        }
        double[] red = new double[d], channels = new double[d];
        for (double[] h : hidden) {
            sqrtInPlace(h);
            for (int j = 0; j < d; j++) {
                red[j] += h[j] / (layers + 1);
            }
        }
        for (double[] n : norms) {
            sqrtInPlace(n);
            for (int j = 0; j < d; j++) {
                channels[j] += n[j];
            }
        }
        ActivationStatistics stats = CalibrationRun.statistics(lm, new CalibrationSet(seqs, "test"), batch);
        assertEquals(s, stats.sequences());
        assertEquals((long) s * t, stats.tokens());
        double[][] perLayer = stats.redPerLayer();
        assertEquals(layers + 1, perLayer.length);
        for (int l = 0; l <= layers; l++) {
            assertClose(hidden[l], perLayer[l], "RED A[" + l + "]");
        }
        assertClose(red, stats.redImportance(), "RED importance");
        assertClose(channels, stats.minitronChannels(), "Minitron channels");
        for (int l = 0; l < layers; l++) {
            sqrtInPlace(neurons[l]);
            sqrtInPlace(headSq[l]);
            assertClose(neurons[l], stats.minitronNeurons()[l], "Minitron neurons layer " + l);
            assertClose(headSq[l], stats.minitronHeads()[l], "Minitron heads layer " + l);
        }
    }
}
