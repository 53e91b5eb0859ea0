package dev.redengine.train;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every LmTrainer step starts from zero gradients: after two steps the trainer's gradients are those of the
 * second batch alone, as a fresh model with the same weights (gradients allocated zero) computes them.
 */
class GradientZeroingTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void theSecondStepsGradientIsItsOwn() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 16, 2, 4, 2, 4, 24, 29, 16, false));
        CausalLM model = new CausalLM(c, RandomInit.parameters(be, c, 3, 0.2), be);
        int b = 2, t = 5;
        LmTrainer trainer = new LmTrainer(model, AdamW.Settings.defaults(), new LrSchedule(1e-3, 0, 2, 0.1), b, t);
        SplittableRandom rng = new SplittableRandom(5);
        int[] first = rng.ints(b * t, 0, 29).toArray(), second = rng.ints(b * t, 0, 29).toArray();
        trainer.step(first);
        // the weights the second step's gradient is taken at
        Parameters fresh = Parameters.allocateLike(be, model.parameters());
        model.parameters().asMap().forEach((n, x) -> be.upload(fresh.get(n), be.downloadFloats(x)));
        CausalLM ref = new CausalLM(c, fresh, be);
        Activations a = ref.allocateActivations(b, t);
        ref.setInput(a, second);
        ref.forward(a);
        ref.crossEntropy(a, CausalLM.shiftedTargets(second, b, t), a.logits);
        ref.backward(a, a.logits);
        trainer.step(second);
        double largest = 0;
        for (var e : ref.gradients().asMap().entrySet()) {
            float[] want = be.downloadFloats(e.getValue());
            float[] got = be.downloadFloats(model.gradients().get(e.getKey()));
            for (int i = 0; i < want.length; i++) {
                largest = Math.max(largest, Math.abs(want[i]));
                assertEquals(want[i], got[i], 1e-5 * Math.max(1e-3, Math.abs(want[i])), e.getKey() + "[" + i + "]");
            }
        }
        assertTrue(largest > 1e-3, "gradients too small to tell accumulation apart: " + largest);
    }

    @Test
    void zeroGradientsClearsEveryGradient() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("Qwen3ForCausalLM", 8, 1, 2, 1, 4, 12, 11, 16, true));
        CausalLM model = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.2), be);
        Parameters g = model.gradients();
        g.asMap().forEach((n, x) -> {
            float[] ones = new float[(int) x.numel()];
            java.util.Arrays.fill(ones, 1f);
            be.upload(x, ones);
        });
        model.zeroGradients();
        g.asMap().forEach((n, x) -> assertArrayEquals(new float[(int) x.numel()], be.downloadFloats(x), n));
    }
}
