package dev.redengine.eval;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HiddenStateAnalysis gathers every calibration batch into one [N, d] matrix per layer. Reference: each
 * sequence run on its own (batch 1) and stacked in order by the test, then the per-layer figures computed from
 * that stack (RMS by hand). Batch sizes that split the set unevenly put later batches at non-zero offsets.
 */
class HiddenStateGatherTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private CausalLM model() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 16, 2, 4, 2, 4, 24, 37, 32, false));
        return new CausalLM(c, RandomInit.parameters(be, c, 7, 0.3), be);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 2, 3, 5})
    void everyBatchLandsAtItsOwnRows(int batch) {
        CausalLM lm = model();
        int s = 5, t = 6, d = 16, layers = 2;
        SplittableRandom rng = new SplittableRandom(11);
        int[][] seqs = new int[s][t];
        for (int[] q : seqs) {
            for (int i = 0; i < t; i++) {
                q[i] = rng.nextInt(37);
            }
        }
        float[][] stacked = new float[layers + 1][s * t * d];
        for (int q = 0; q < s; q++) {
            Activations a = lm.allocateActivations(1, t);
            lm.setInput(a, seqs[q]);
            lm.forward(a);
            for (int l = 0; l <= layers; l++) {
                System.arraycopy(be.downloadFloats(a.hidden(l)), 0, stacked[l], q * t * d, t * d);
            }
        }
        HiddenStateAnalysis.Result r = HiddenStateAnalysis.run(lm, new CalibrationSet(seqs, "test"), batch, EffectiveRank.cpu());
        assertEquals(s * t, r.tokens());
        assertEquals(layers + 1, r.layers().size());
        for (int l = 0; l <= layers; l++) {
            double sq = 0;
            for (float v : stacked[l]) {
                sq += (double) v * v;
            }
            double rms = Math.sqrt(sq / stacked[l].length);
            Matrix m = new Matrix(stacked[l], s * t, d);
            HiddenStateAnalysis.Layer got = r.layers().get(l);
            assertEquals(l, got.layer());
            assertEquals(rms, got.rms(), 1e-5 * rms, "rms of hidden." + l);
            double red = EffectiveRank.cpu().compute(m, EffectiveRank.Definition.RED);
            double rv = EffectiveRank.cpu().compute(m, EffectiveRank.Definition.ROY_VETTERLI);
            assertEquals(red, got.erankRed(), 1e-4 * red, "RED eRank of hidden." + l);
            assertEquals(rv, got.erankRv(), 1e-4 * rv, "Roy-Vetterli eRank of hidden." + l);
            double cos = TokenDistinguishability.meanPairwiseCosine(m);
            assertEquals(cos, got.distinguishability(), 1e-4, "distinguishability of hidden." + l);
        }
    }

    /** The guard: 4 bytes x tokens x d x (L + 1) against half the heap, in whole sequences of two tokens. */
    @Test
    void refusesSetsOverHalfTheHeap() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 4096, 1, 1, 1, 2, 2, 3, 8, false));
        CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.02), be);
        long budget = Runtime.getRuntime().maxMemory() / 2;
        long perSequence = 4L * 2 * 4096 * 2;   // 4 bytes x T = 2 tokens x d x (L + 1) hidden states
        int fits = Math.toIntExact(budget / perSequence);
        CalibrationSet ok = new CalibrationSet(new int[fits][2], "fits");
        HiddenStateAnalysis.requireFits(lm, ok); // no exception
        CalibrationSet over = new CalibrationSet(new int[fits + 1][2], "over");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HiddenStateAnalysis.requireFits(lm, over));
        assertTrue(e.getMessage().startsWith("the hidden states of " + (fits + 1) + " x 2 calibration tokens need "
                + ((perSequence * (fits + 1)) >> 20) + " MiB, over half the heap (" + (budget >> 20) + " MiB)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HiddenStateAnalysis.run(lm, over, 1, EffectiveRank.cpu()));
    }
}
