package dev.redengine.eval;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Perplexity at the shortest sequences it takes: T = 2 predicts one token per sequence; T = 1 predicts none. */
class PerplexityShortSequenceTest {

    @Test
    void twoTokensPerSequenceGiveOnePredictionEachAndOneTokenIsRefused() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 32, 2, 4, 2, 8, 48, 50, 64, false));
        try (CpuBackend be = new CpuBackend(2)) {
            CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 5, 0.02), be);
            Perplexity.Result r = Perplexity.of(lm, new CalibrationSet(new int[][]{{1, 2}, {3, 4}, {5, 6}}, "t2"), 2);
            assertEquals(3, r.tokens());
            assertTrue(r.meanLoss() > 0 && Double.isFinite(r.meanLoss()), "mean loss " + r.meanLoss());
            assertEquals(Math.exp(r.meanLoss()), r.perplexity(), 1e-12 * r.perplexity());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Perplexity.of(lm, new CalibrationSet(new int[][]{{1}, {2}}, "t1"), 2));
            assertEquals("perplexity needs sequences of at least 2 tokens, got T = 1", e.getMessage());
        }
    }
}
