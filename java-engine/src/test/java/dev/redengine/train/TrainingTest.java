package dev.redengine.train;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.HostTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingTest {
    private final CpuBackend be = new CpuBackend(2);   // per instance (one instance per class: PER_CLASS)

    @AfterAll
    void close() {
        be.close();
    }

    private Tensor tensor(int[] shape, float... v) {
        Tensor t = be.allocate(shape);
        be.upload(t, v);
        return t;
    }

    /** One named tensor "w" and its gradient, as loose parameters. */
    private Parameters[] single(Tensor p, Tensor g) {
        Parameters params = new Parameters(), grads = new Parameters();
        params.put("w", p);
        grads.put("w", g);
        return new Parameters[]{params, grads};
    }

    private LrSchedule constant(double lr, int steps) {
        return new LrSchedule(lr, 0, steps, 1.0);
    }

    @Test
    void adamwMatchesTheFormulaStepByStep() {
        float[] p0 = {0.5f, -1f, 2f, 0f, 3f, -0.25f, 1.5f, 7f, -3f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
        float[] g = {0.1f, -0.2f, 0.3f, 0f, 1f, -2f, 0.5f, 0.25f, 4f, -0.1f, 0.2f, -0.3f, 0.4f, -0.5f, 0.6f, -0.7f, 0.8f};
        Tensor p = tensor(new int[]{1, p0.length}, p0), grad = tensor(new int[]{1, g.length}, g);
        Parameters[] pg = single(p, grad);
        LrSchedule schedule = new LrSchedule(0.01, 2, 3, 0.5);   // a different learning rate at each step
        AdamW adam = new AdamW(be, new AdamW.Settings(0.9f, 0.99f, 1e-8f, 0.1f, 0f), pg[0], pg[1], schedule);
        double[] m = new double[p0.length], v = new double[p0.length], ref = new double[p0.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = p0[i];
        }
        for (int t = 1; t <= 3; t++) {
            adam.step();
            double lr = schedule.at(t);
            for (int i = 0; i < ref.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.99, t));
                ref[i] -= lr * (mh / (Math.sqrt(vh) + 1e-8) + 0.1 * ref[i]);
            }
            assertEquals(t, adam.read().step());
            assertEquals(lr, adam.read().lr(), 1e-9);
        }
        float[] got = be.downloadFloats(p);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], 1e-5, "element " + i);
        }
    }

    @Test
    void weightDecaySkipsVectors() {
        Parameters params = Parameters.allocate(be, List.of(new ParameterSpec("m", 1, 2), new ParameterSpec("b", 2)));
        Parameters grads = Parameters.allocateLike(be, params);
        be.upload(params.flat(), new float[]{1f, 1f, 1f, 1f});
        // zero gradients: the whole update is the decay, lr * wd * p on the matrix, nothing on the vector
        AdamW adam = new AdamW(be, new AdamW.Settings(0.9f, 0.99f, 1e-8f, 0.5f, 0f), params, grads, constant(0.1, 1));
        adam.step();
        assertArrayEquals(new float[]{0.95f, 0.95f}, be.downloadFloats(params.get("m")), 1e-6f);
        assertArrayEquals(new float[]{1f, 1f}, be.downloadFloats(params.get("b")));
    }

    @Test
    void clippingScalesTheGradientToTheNorm() {
        Tensor p = tensor(new int[]{2}, 0f, 0f), g = tensor(new int[]{2}, 3f, 4f);
        Parameters[] pg = single(p, g);
        // beta1 = beta2 = 0 and eps = 1: the update is lr * s g / (|s g| + 1), which depends on the scale s
        AdamW adam = new AdamW(be, new AdamW.Settings(0f, 0f, 1f, 0f, 1f), pg[0], pg[1], constant(1, 1));
        adam.step();
        AdamW.State st = adam.read();
        assertEquals(5.0, st.gradNorm(), 1e-6);
        assertEquals(0.2, st.clipScale(), 1e-7);
        float[] got = be.downloadFloats(p);
        assertEquals(-0.6 / 1.6, got[0], 1e-6);
        assertEquals(-0.8 / 1.8, got[1], 1e-6);
    }

    @Test
    void nonFiniteGradientStopsUpdatesAndIsFoundByName() {
        Parameters params = new Parameters(), grads = new Parameters();
        params.put("layer.a", tensor(new int[]{1}, 1f));
        params.put("layer.b", tensor(new int[]{1}, 2f));
        grads.put("layer.a", tensor(new int[]{1}, 0.5f));
        grads.put("layer.b", tensor(new int[]{1}, Float.NaN));
        AdamW adam = new AdamW(be, AdamW.Settings.defaults(), params, grads, constant(1e-3, 5));
        adam.step();
        adam.step();
        assertEquals(1, adam.read().nonFiniteStep(), "the first step that saw it");
        assertEquals("layer.b", adam.firstNonFiniteGradient());
        assertEquals(1f, be.downloadFloats(params.get("layer.a"))[0], "nothing updated, not even the finite tensor");
        assertEquals(2f, be.downloadFloats(params.get("layer.b"))[0]);
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
        CausalLM lm = new CausalLM(c, RandomInit.forTraining(be, c, 1), be);
        LmTrainer trainer = new LmTrainer(lm, AdamW.Settings.defaults(), new LrSchedule(1e-2, 5, 60, 0.1), 2, 8);
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
        CausalLM lm = new CausalLM(c, RandomInit.forTraining(be, c, 1), be);
        LmTrainer trainer = new LmTrainer(lm, AdamW.Settings.defaults(), new LrSchedule(1e-3, 0, 10, 0.1), 1, 4);
        trainer.step(new int[]{1, 2, 3, 4});
        assertTrue(Float.isFinite(trainer.read().loss()));
        HostTensors.set(be, lm.parameters().get("model.norm.weight"), 0, Float.NaN);
        trainer.step(new int[]{1, 2, 3, 4});
        trainer.step(new int[]{1, 2, 3, 4});
        var e = assertThrows(ArithmeticException.class, trainer::read);
        assertTrue(e.getMessage().contains("step 2"), e.getMessage());
        assertTrue(e.getMessage().contains("gradient of model."), e.getMessage());
    }

    @Test
    void aTrainingStepAllocatesNothingAndReadsNothingBack() {
        Map<String, Integer> calls = new java.util.concurrent.ConcurrentHashMap<>();
        Backend spy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, m, args) -> {
                    calls.merge(m.getName(), 1, Integer::sum);
                    try {
                        return m.invoke(be, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        CausalLM lm = new CausalLM(c, RandomInit.forTraining(spy, c, 1), spy);
        LmTrainer trainer = new LmTrainer(lm, AdamW.Settings.defaults(), new LrSchedule(1e-3, 0, 10, 0.1), 2, 4);
        int[] ids = new SplittableRandom(1).ints(8, 0, c.vocabSize()).toArray();
        calls.clear();
        for (int s = 0; s < 3; s++) {
            trainer.step(ids);
        }
        for (String name : List.of("allocate", "arena", "openArena", "download", "downloadFloats", "downloadInts")) {
            assertEquals(null, calls.get(name), name + " called during training steps: " + calls);
        }
        assertTrue(calls.get("adamw") > 0 && calls.get("crossEntropy") == 3, calls.toString());
        calls.clear();
        LmTrainer.Metrics metrics = trainer.read();
        assertEquals(3, metrics.step());
        assertEquals(1, calls.get("downloadFloats"), "one read of the optimizer scalars: " + calls);
    }
}
