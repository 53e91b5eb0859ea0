package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model used at one shape and then another gives what a fresh model (same weights) gives at the second shape:
 * the RoPE tables grow for a longer T, and the backward scratch is reallocated for a new B x T. Also
 * Parameters.zero on both layouts (one flat buffer, separate tensors).
 */
class CausalLMShapeChangeTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static final ModelConfig C = ModelConfig.parse(ConfigJson.decoder("Qwen3ForCausalLM", 16, 2, 4, 2, 4, 24, 31, 32, false));

    private Parameters copy(Parameters p) {
        Parameters q = Parameters.allocateLike(be, p);
        p.asMap().forEach((n, x) -> be.upload(q.get(n), be.downloadFloats(x)));
        return q;
    }

    private static int[] ids(long seed, int n) {
        return new SplittableRandom(seed).ints(n, 0, 31).toArray();
    }

    private float[] logits(CausalLM m, int b, int t, int[] ids) {
        Activations a = m.allocateActivations(b, t);
        m.setInput(a, ids);
        m.forward(a);
        return be.downloadFloats(a.logits);
    }

    /** Gradients of the mean loss on ids, from zero. */
    private java.util.Map<String, float[]> grads(CausalLM m, int b, int t, int[] ids) {
        Activations a = m.allocateActivations(b, t);
        m.setInput(a, ids);
        m.forward(a);
        m.zeroGradients();
        m.crossEntropy(a, CausalLM.shiftedTargets(ids, b, t), a.logits);
        m.backward(a, a.logits);
        java.util.Map<String, float[]> out = new java.util.TreeMap<>();
        m.gradients().asMap().forEach((n, x) -> out.put(n, be.downloadFloats(x)));
        return out;
    }

    @ParameterizedTest(name = "T {0} then 20")
    @ValueSource(ints = {1, 3, 19})
    void ropeTablesGrowForALongerSequence(int first) {
        Parameters p = RandomInit.parameters(be, C, 2, 0.3);
        CausalLM used = new CausalLM(C, p, be);
        logits(used, 1, first, ids(1, first));
        int[] x = ids(2, 2 * 20);
        float[] got = logits(used, 2, 20, x);
        float[] want = logits(new CausalLM(C, copy(p), be), 2, 20, x);
        assertTrue(Fixtures.maxDiff(want, got) <= Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(want),
                "max diff " + Fixtures.maxDiff(want, got));
        // and back to a shorter T: the longer tables serve it
        float[] shortGot = logits(used, 1, 5, ids(3, 5));
        float[] shortWant = logits(new CausalLM(C, copy(p), be), 1, 5, ids(3, 5));
        assertTrue(Fixtures.maxDiff(shortWant, shortGot) <= Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(shortWant));
    }

    @Test
    void backwardScratchFollowsTheShape() {
        Parameters p = RandomInit.parameters(be, C, 4, 0.3);
        CausalLM used = new CausalLM(C, p, be);
        grads(used, 2, 6, ids(5, 12));
        for (int[] bt : List.of(new int[]{1, 9}, new int[]{3, 7}, new int[]{2, 6})) {
            int b = bt[0], t = bt[1];
            int[] x = ids(b * 100 + t, b * t);
            var got = grads(used, b, t, x);
            var want = grads(new CausalLM(C, copy(p), be), b, t, x);
            assertEquals(want.keySet(), got.keySet());
            for (String n : want.keySet()) {
                float[] w = want.get(n), g = got.get(n);
                double tol = 1e-5 * Math.max(1e-3, Fixtures.maxAbs(w));
                assertTrue(Fixtures.maxDiff(w, g) <= tol, n + " at B=" + b + " T=" + t + ": " + Fixtures.maxDiff(w, g));
            }
        }
    }

    @Test
    void zeroClearsBothLayouts() {
        List<ParameterSpec> specs = List.of(new ParameterSpec("m", 2, 3), new ParameterSpec("v", 4), new ParameterSpec("n", 3, 1));
        Parameters flat = Parameters.allocate(be, specs);
        Parameters loose = new Parameters();
        specs.forEach(s -> loose.put(s.name(), be.allocate(s.shape())));
        for (Parameters p : List.of(flat, loose)) {
            p.asMap().forEach((n, x) -> {
                float[] v = new float[(int) x.numel()];
                Arrays.fill(v, 2.5f);
                be.upload(x, v);
            });
            p.zero(be);
            p.asMap().forEach((n, x) -> assertArrayEquals(new float[(int) x.numel()], be.downloadFloats(x), n));
        }
        assertEquals(2, flat.spans().size());
        assertEquals(3, loose.spans().size());
        assertEquals(13, flat.count());
    }
}
