package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CausalLM#backward(Activations, Tensor, InjectedGradients)}: nothing injected is the plain backward pass;
 * an injected gradient R_X at every activation X is the gradient of CE + sum_X &lt;R_X, X&gt;, checked by finite
 * differences of that loss with respect to every weight (so each injection point is where the pass reaches its
 * activation: a gradient joined too early or too late, or on the skip path, changes the result).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CausalLMInjectedBackwardTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    private record Run(CausalLM lm, Activations a, int[] targets) {
    }

    private Run run(String arch) {
        ModelConfig c = TestModels.tiny(arch, false);
        CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 5, 0.3), be);
        int batch = 2, seqLen = 4;
        int[] ids = new SplittableRandom(2).ints(batch * seqLen, 0, c.vocabSize()).toArray();
        Activations a = lm.allocateActivations(batch, seqLen);
        lm.setInput(a, ids);
        return new Run(lm, a, CausalLM.shiftedTargets(ids, batch, seqLen));
    }

    private Map<String, float[]> gradientsAfter(Run r, InjectedGradients inj, boolean plain) {
        r.lm.forward(r.a);
        r.lm.crossEntropy(r.a, r.targets, r.a.logits);
        r.lm.zeroGradients();
        if (plain) {
            r.lm.backward(r.a, r.a.logits);
        } else {
            r.lm.backward(r.a, r.a.logits, inj);
        }
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        r.lm.gradients().asMap().forEach((k, v) -> out.put(k, be.downloadFloats(v)));
        return out;
    }

    private InjectedGradients filled(ModelConfig c, int n, SplittableRandom rng) {
        InjectedGradients inj = new InjectedGradients(c.numLayers());
        for (int l = 0; l < c.numLayers(); l++) {
            inj.q[l] = random(rng, n, c.qDim());
            inj.k[l] = random(rng, n, c.kvDim());
            inj.v[l] = random(rng, n, c.kvDim());
            inj.gate[l] = random(rng, n, c.intermediateSize());
            inj.up[l] = random(rng, n, c.intermediateSize());
            inj.attentionOutput[l] = random(rng, n, c.hiddenSize());
            inj.mlpOutput[l] = random(rng, n, c.hiddenSize());
        }
        for (int l = 0; l <= c.numLayers(); l++) {
            inj.residual[l] = random(rng, n, c.hiddenSize());
        }
        return inj;
    }

    /** Entries uniform in [-0.05, 0.05), or zeros when rng is null. */
    private Tensor random(SplittableRandom rng, int rows, int cols) {
        Tensor t = be.allocate(rows, cols);
        if (rng != null) {
            float[] v = new float[rows * cols];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.05);
            }
            be.upload(t, v);
        }
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"})
    void nothingInjectedIsThePlainBackwardPass(String arch) {
        Run r = run(arch);
        ModelConfig c = r.lm.config();
        Map<String, float[]> plain = gradientsAfter(r, null, true);
        Map<String, float[]> none = gradientsAfter(r, new InjectedGradients(c.numLayers()), false);
        Map<String, float[]> zeros = gradientsAfter(r, filled(c, 8, null), false);
        for (String name : plain.keySet()) {
            float[] want = plain.get(name), gotNone = none.get(name), gotZeros = zeros.get(name);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(gotNone[i]), name + "[" + i + "], all null");
                assertTrue(want[i] == gotZeros[i], name + "[" + i + "]: " + want[i] + " vs " + gotZeros[i] + " with zeros injected");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"})
    void injectedGradientsAreThoseOfLinearActivationLosses(String arch) {
        Run r = run(arch);
        ModelConfig c = r.lm.config();
        InjectedGradients inj = filled(c, 8, new SplittableRandom(arch.length()));
        Map<String, float[]> analytic = gradientsAfter(r, inj, false);
        Parameters snapshot = new Parameters();
        analytic.forEach((name, g) -> {
            Tensor t = be.allocate(r.lm.parameters().get(name).shape());
            be.upload(t, g);
            snapshot.put(name, t);
        });
        List<String> bad = new ArrayList<>();
        SplittableRandom pick = new SplittableRandom(7);
        for (Map.Entry<String, Tensor> e : r.lm.parameters().asMap().entrySet()) {
            FiniteDifference.check(e.getKey(), be, e.getValue(), snapshot.get(e.getKey()), () -> loss(r, inj), 3, 1e-2f,
                    2e-4, 2e-2, pick, bad);
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    /** CE + sum over the injected tensors R_X of &lt;R_X, X&gt; (block outputs as differences of the stream: a test may). */
    private double loss(Run r, InjectedGradients inj) {
        r.lm.forward(r.a);
        double total = r.lm.crossEntropy(r.a, r.targets, null);
        ModelConfig c = r.lm.config();
        for (int l = 0; l < c.numLayers(); l++) {
            Activations.Layer s = r.a.layers[l];
            total += dot(inj.q[l], be.downloadFloats(s.q)) + dot(inj.k[l], be.downloadFloats(s.k))
                    + dot(inj.v[l], be.downloadFloats(s.v)) + dot(inj.gate[l], be.downloadFloats(s.gate))
                    + dot(inj.up[l], be.downloadFloats(s.up))
                    + dot(inj.attentionOutput[l], difference(s.mid, r.a.residual[l]))
                    + dot(inj.mlpOutput[l], difference(r.a.residual[l + 1], s.mid));
        }
        for (int l = 0; l <= c.numLayers(); l++) {
            total += dot(inj.residual[l], be.downloadFloats(r.a.residual[l]));
        }
        return total;
    }

    private double[] difference(Tensor a, Tensor b) {
        float[] x = be.downloadFloats(a), y = be.downloadFloats(b);
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = (double) x[i] - y[i];
        }
        return d;
    }

    private double dot(Tensor r, float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return dot(r, d);
    }

    private double dot(Tensor r, double[] x) {
        float[] w = be.downloadFloats(r);
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * x[i];
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM"})
    void misshapenInjectionsAreRejected(String arch) {
        Run r = run(arch);
        InjectedGradients inj = new InjectedGradients(r.lm.config().numLayers());
        inj.gate[1] = be.allocate(8, r.lm.config().intermediateSize() - 1);
        r.lm.forward(r.a);
        var e = assertThrows(IllegalArgumentException.class, () -> r.lm.backward(r.a, r.a.logits, inj));
        assertTrue(e.getMessage().contains("gate[1]"), e.getMessage());
    }
}
