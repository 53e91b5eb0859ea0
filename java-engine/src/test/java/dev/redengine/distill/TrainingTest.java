package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTest {
    private static final CpuBackend BE = new CpuBackend(2);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static Tensor tensor(float... v) {
        Tensor t = BE.allocate(v.length);
        BE.copyFromHost(t, MemorySegment.ofArray(v));
        return t;
    }

    @Test
    void adamwMatchesTheFormulaStepByStep() {
        float[] p0 = {0.5f, -1f, 2f, 0f, 3f, -0.25f, 1.5f, 7f, -3f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
        float[] g = {0.1f, -0.2f, 0.3f, 0f, 1f, -2f, 0.5f, 0.25f, 4f, -0.1f, 0.2f, -0.3f, 0.4f, -0.5f, 0.6f, -0.7f, 0.8f};
        Tensor p = BE.allocate(1, p0.length);
        BE.copyFromHost(p, MemorySegment.ofArray(p0));
        Tensor grad = BE.allocate(1, g.length);
        BE.copyFromHost(grad, MemorySegment.ofArray(g));
        AdamW adam = new AdamW(BE, new AdamW.Settings(0.9f, 0.99f, 1e-8f, 0.1f, 0f));
        double[] m = new double[p0.length], v = new double[p0.length], ref = new double[p0.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = p0[i];
        }
        for (int t = 1; t <= 3; t++) {
            adam.update(Map.of("w", p), Map.of("w", grad), 0.01f);
            for (int i = 0; i < ref.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.99, t));
                ref[i] -= 0.01 * (mh / (Math.sqrt(vh) + 1e-8) + 0.1 * ref[i]);
            }
        }
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], p.getFloat(i), 1e-5, "element " + i);
        }
    }

    @Test
    void clippingScalesTheGradientToTheNorm() {
        Tensor p = tensor(0f, 0f), g = tensor(3f, 4f);
        AdamW adam = new AdamW(BE, new AdamW.Settings(0f, 0f, 0f, 0f, 1f));
        double norm = adam.update(Map.of("w", p), Map.of("w", g), 1f);
        assertEquals(5.0, norm, 1e-6);
        // beta1 = beta2 = 0: the update is lr * g / |g| elementwise = sign(g), whatever the clipping scale
        assertEquals(-1f, p.getFloat(0), 1e-6);
        assertEquals(-1f, p.getFloat(1), 1e-6);
    }

    @Test
    void nonFiniteGradientIsAClearError() {
        Tensor p = tensor(1f), g = tensor(Float.NaN);
        AdamW adam = new AdamW(BE, AdamW.Settings.defaults());
        var e = assertThrows(ArithmeticException.class, () -> adam.update(Map.of("layer.w", p), Map.of("layer.w", g), 1e-3f));
        assertTrue(e.getMessage().contains("layer.w"), e.getMessage());
        assertEquals(1f, p.getFloat(0), "nothing updated");
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LrSchedule s = new LrSchedule(1e-3, 10, 110, 0.1);
        assertEquals(1e-4, s.at(1), 1e-9);
        assertEquals(1e-3, s.at(10), 1e-9);
        assertEquals(0.55e-3, s.at(60), 1e-9);
        assertEquals(1e-4, s.at(110), 1e-9);
    }

    @Test
    void trainingMemorisesABatch() {
        ModelConfig c = TestModels.tiny("Qwen2ForCausalLM", false);
        CausalLM lm = new CausalLM(c, RandomInit.forTraining(BE, c, 1), BE);
        LmTrainer trainer = new LmTrainer(lm, new AdamW(BE, AdamW.Settings.defaults()), new LrSchedule(1e-2, 5, 60, 0.1), 2, 8);
        int[] ids = new SplittableRandom(3).ints(16, 0, c.vocabSize()).toArray();
        float first = trainer.evaluate(ids);
        for (int s = 0; s < 60; s++) {
            trainer.step(ids);
        }
        float last = trainer.evaluate(ids);
        assertTrue(last < 0.25 * first, "loss " + first + " -> " + last);
    }

    @Test
    void divergenceNamesTheStep() {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        CausalLM lm = new CausalLM(c, RandomInit.forTraining(BE, c, 1), BE);
        lm.parameters().get("model.norm.weight").setFloat(0, Float.NaN);
        LmTrainer trainer = new LmTrainer(lm, new AdamW(BE, AdamW.Settings.defaults()), new LrSchedule(1e-3, 0, 10, 0.1), 1, 4);
        var e = assertThrows(ArithmeticException.class, () -> trainer.step(new int[]{1, 2, 3, 4}));
        assertTrue(e.getMessage().contains("step 1"), e.getMessage());
    }
}
