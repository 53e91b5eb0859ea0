package dev.redengine.compress;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming statistics against straightforward recomputation from the HF golden hidden states. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivationStatisticsTest {
    private final CpuBackend be = new CpuBackend(2);   // per instance (one instance per class: PER_CLASS)

    @AfterAll
    void close() {
        be.close();
    }

    /** RED importance written out as RED-METHOD section 3 states it, from HF's own hidden states. */
    private double[] redImportanceFromGolden(SafetensorsFile golden, int layers, int batch, int seqLen, int d) throws Exception {
        double[] imp = new double[d];
        for (int l = 0; l <= layers; l++) {
            float[] h = golden.readFloat32("hidden." + l);
            for (int c = 0; c < d; c++) {
                double sumSq = 0;
                for (int s = 0; s < batch; s++) {
                    double mean = 0;
                    for (int t = 0; t < seqLen; t++) {
                        mean += Math.abs(h[(s * seqLen + t) * d + c]);
                    }
                    mean /= seqLen;
                    sumSq += mean * mean;
                }
                imp[c] += Math.sqrt(sumSq) / (layers + 1);
            }
        }
        return imp;
    }

    @Test
    void redImportanceMatchesADirectComputationOnHfHiddenStates() throws Exception {
        for (String name : Fixtures.ALL) {
            try (SafetensorsFile golden = SafetensorsFile.open(Fixtures.dir(name).resolve("golden.safetensors"))) {
                CausalLM lm = HfModelReader.load(Fixtures.dir(name), be);
                ModelConfig c = lm.config();
                long[] shape = golden.info("input_ids").shape();
                int batch = (int) shape[0], seqLen = (int) shape[1];
                int[] ids = golden.readInt32("input_ids");
                ActivationStatistics stats = new ActivationStatistics(c);
                // one sequence per forward pass: streaming must give what one pass over all gives
                for (int s = 0; s < batch; s++) {
                    Activations a = lm.allocateActivations(1, seqLen);
                    lm.setInput(a, java.util.Arrays.copyOfRange(ids, s * seqLen, (s + 1) * seqLen));
                    lm.forward(a);
                    stats.accept(be, a);
                }
                double[] want = redImportanceFromGolden(golden, c.numLayers(), batch, seqLen, c.hiddenSize());
                double[] got = stats.redImportance();
                for (int ch = 0; ch < want.length; ch++) {
                    assertEquals(want[ch], got[ch], 1e-4 * Math.abs(want[ch]) + 1e-6, name + " channel " + ch);
                }
                assertArrayEquals(ChannelSelection.topK(want, 32), ChannelSelection.topK(got, 32), name);
                assertEquals(batch, stats.sequences());
            }
        }
    }

    @Test
    void minitronStatisticsFollowTheirDefinitions() throws Exception {
        CausalLM lm = HfModelReader.load(Fixtures.dir("tiny-llama"), be);
        ModelConfig c = lm.config();
        int seqLen = 9;
        int[] ids = new java.util.SplittableRandom(1).ints(2 * seqLen, 0, c.vocabSize()).toArray();
        Activations a = lm.allocateActivations(2, seqLen);
        lm.setInput(a, ids);
        lm.forward(a);
        ActivationStatistics stats = new ActivationStatistics(c);
        stats.accept(be, a);
        // FFN neuron 17 of layer 1: L2 over sequences of the mean |input of down_proj|
        float[] act = be.downloadFloats(a.layers[1].act);
        int f = c.intermediateSize();
        double sq = 0;
        for (int s = 0; s < 2; s++) {
            double m = 0;
            for (int t = 0; t < seqLen; t++) {
                m += Math.abs(act[(s * seqLen + t) * f + 17]);
            }
            sq += Math.pow(m / seqLen, 2);
        }
        assertEquals(Math.sqrt(sq), stats.minitronNeurons()[1][17], 1e-5);
        // head 2 of layer 0: the same over the per-token L2 norm of its slice of the o_proj input
        float[] att = be.downloadFloats(a.layers[0].att);
        int dh = c.headDim(), qd = c.qDim();
        sq = 0;
        for (int s = 0; s < 2; s++) {
            double m = 0;
            for (int t = 0; t < seqLen; t++) {
                double n = 0;
                for (int j = 0; j < dh; j++) {
                    n += Math.pow(att[(s * seqLen + t) * qd + 2 * dh + j], 2);
                }
                m += Math.sqrt(n);
            }
            sq += Math.pow(m / seqLen, 2);
        }
        assertEquals(Math.sqrt(sq), stats.minitronHeads()[0][2], 1e-5);
        assertTrue(stats.minitronChannels()[3] > 0);
    }

    @Test
    void noDataIsAClearError() {
        ActivationStatistics stats = new ActivationStatistics(dev.redengine.model.TestModels.tiny("LlamaForCausalLM", false));
        assertThrows(IllegalStateException.class, stats::redImportance);
    }

    @Test
    void headsAreKeptPerKvGroup() {
        int[] kept = WidthPruner.headsByGroup(new double[]{1, 5, 3, 9, 2, 8}, 4, 2);
        assertArrayEquals(new int[]{1, 2, 3, 5}, kept);
        assertThrows(IllegalArgumentException.class, () -> WidthPruner.headsByGroup(new double[]{1, 2, 3, 4}, 3, 2));
    }
}
