package dev.redengine.eval;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Perplexity against a cross-entropy computed here in double from the model's logits, one sequence at a time. */
class PerplexityTest {

    @Test
    void perplexityIsExpOfTheMeanNextTokenCrossEntropy() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 32, 2, 4, 2, 8, 48, 50, 64, false));
        try (CpuBackend be = new CpuBackend(2)) {
            CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 5, 0.02), be);
            SplittableRandom rng = new SplittableRandom(1);
            int[][] seqs = new int[5][12];
            for (int[] s : seqs) {
                for (int i = 0; i < s.length; i++) {
                    s[i] = rng.nextInt(50);
                }
            }
            double sum = 0;
            int count = 0, v = c.vocabSize();
            for (int[] s : seqs) {
                Activations a = lm.allocateActivations(1, s.length);
                lm.setInput(a, s);
                lm.forward(a);
                float[] logits = be.downloadFloats(a.logits);
                for (int t = 0; t + 1 < s.length; t++) {
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int j = 0; j < v; j++) {
                        max = Math.max(max, logits[t * v + j]);
                    }
                    for (int j = 0; j < v; j++) {
                        z += Math.exp(logits[t * v + j] - max);
                    }
                    sum += max + Math.log(z) - logits[t * v + s[t + 1]];
                    count++;
                }
            }
            double want = Math.exp(sum / count);
            CalibrationSet data = new CalibrationSet(seqs, "test");
            for (int batch : new int[]{1, 2, 5, 8}) {
                Perplexity.Result r = Perplexity.of(lm, data, batch);
                assertEquals(5 * 11, r.tokens());
                assertEquals(want, r.perplexity(), 1e-5 * want, "batch " + batch);
            }
            // weights of std 0.02 give logits near 0, a near-uniform guess over 50 tokens: perplexity near 50
            assertEquals(50, want, 5);
        }
    }
}
