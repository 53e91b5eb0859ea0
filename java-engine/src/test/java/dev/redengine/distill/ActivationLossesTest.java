package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.NormInit;
import dev.redengine.compress.WidthPruner;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import dev.redengine.train.AdamW;
import dev.redengine.train.LrSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ActivationLosses}: the gradient of CE + sum_t w_t term_t, through the injected activation gradients,
 * the model's backward pass, the student's projection backward and the target paths, against finite differences
 * of that total with respect to every trainable tensor (LRC: projections and gains; pruned: every weight); the
 * terms' values against a host recomputation of their definitions; a short distillation in which a term falls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivationLossesTest {
    private static final int BATCH = 2, SEQ = 4;
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    static Map<LossTerm, Float> weights(String spec) {
        Map<LossTerm, Float> w = new EnumMap<>(LossTerm.class);
        for (String part : spec.split(",")) {
            String[] kv = part.split("=");
            w.put(LossTerm.parse(kv[0]), Float.parseFloat(kv[1]));
        }
        return w;
    }

    static Stream<Arguments> lowRankCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String arch : new String[]{"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "tied"}) {
            for (String terms : new String[]{"clone=3", "hidden_mse=3", "hidden_cos=3", "clone=2,hidden_mse=1.5,hidden_cos=0.5"}) {
                cases.add(Arguments.of(arch, terms));
            }
        }
        return cases.stream();
    }

    /** A frozen teacher with its activations on fixed ids, already computed. */
    private record Teacher(CausalLM model, Activations acts, int[] ids, int[] targets) {
    }

    private Teacher teacher(ModelConfig c) {
        CausalLM t = new CausalLM(c, RandomInit.parameters(be, c, 3, 0.3), be);
        int[] ids = new SplittableRandom(2).ints(BATCH * SEQ, 0, c.vocabSize()).toArray();
        Activations a = t.allocateActivations(BATCH, SEQ);
        t.setInput(a, ids);
        t.forward(a);
        return new Teacher(t, a, ids, CausalLM.shiftedTargets(ids, BATCH, SEQ));
    }

    private static ModelConfig config(String arch) {
        return TestModels.tiny(arch.equals("tied") ? "LlamaForCausalLM" : arch, arch.equals("tied"));
    }

    /** CE + sum_t w_t term_t of the student's current weights (refolded when LRC), read back. */
    private double total(LowRankStudent lrc, CausalLM student, Activations a, Teacher t, ActivationLosses losses) {
        if (lrc != null) {
            lrc.fold();
        }
        student.forward(a);
        double ce = student.crossEntropy(a, t.targets, null);
        losses.zeroLosses();
        losses.accumulate(t.acts, a, 1f);
        double sum = ce;
        for (Map.Entry<LossTerm, Float> e : losses.readLossSums().entrySet()) {
            sum += e.getValue() * losses.weights().get(e.getKey());
        }
        return sum;
    }

    /** One step's gradients: CE's through dlogits plus the activation terms', model and (LRC) projections. */
    private void gradients(LowRankStudent lrc, CausalLM student, Activations a, Teacher t, ActivationLosses losses) {
        if (lrc != null) {
            lrc.fold();
            lrc.zeroGradients();
        }
        student.zeroGradients();
        student.forward(a);
        student.crossEntropy(a, t.targets, a.logits);
        losses.accumulate(t.acts, a, 1f);
        student.backward(a, a.logits, losses.injected());
        if (lrc != null) {
            lrc.backward(student.gradients());
        }
    }

    /** A copy of a gradient: computing the loss again adds target-path gradients into the live ones. */
    private Tensor copy(Tensor g) {
        Tensor c = be.allocate(g.shape());
        be.copy(c, g);
        return c;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lowRankCases")
    void lowRankGradientsMatchFiniteDifferences(String arch, String terms) {
        ModelConfig c = config(arch);
        Teacher t = teacher(c);
        LowRankStudent s = new LowRankStudent(c, t.model.parameters(), 10, new ProjectionInit.Random(0.3), NormInit.ONES, 9, be);
        CausalLM lm = new CausalLM(s.studentConfig(), s.folded(), be);
        Activations a = lm.allocateActivations(BATCH, SEQ);
        lm.setInput(a, t.ids);
        ActivationLosses losses = ActivationLosses.lowRank(t.model, s, weights(terms), BATCH, SEQ);
        gradients(s, lm, a, t, losses);

        Map<String, Tensor[]> trainable = new LinkedHashMap<>();   // name -> {parameter, its gradient (a copy)}
        s.projections().forEach((name, p) -> trainable.put(name, new Tensor[]{p, copy(s.projectionGradients().get(name))}));
        s.gains().asMap().forEach((name, g) -> trainable.put(name, new Tensor[]{g, copy(lm.gradients().get(name))}));
        List<String> bad = new ArrayList<>();
        SplittableRandom pick = new SplittableRandom(4);
        for (Map.Entry<String, Tensor[]> e : trainable.entrySet()) {
            FiniteDifference.check(e.getKey(), be, e.getValue()[0], e.getValue()[1], () -> total(s, lm, a, t, losses),
                    3, 1e-2f, 2e-4, 2e-2, pick, bad);
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"})
    void prunedStudentGradientsMatchFiniteDifferences(String arch) {
        ModelConfig c = config(arch);
        Teacher t = teacher(c);
        int[] kept = {0, 2, 3, 5, 7, 8, 11, 12, 14, 15};
        WidthPruner.Result pruned = WidthPruner.prune(c, t.model.parameters(), WidthPruner.channelsOnly(c, kept), NormInit.TEACHER, be);
        CausalLM lm = new CausalLM(pruned.config(), pruned.parameters(), be);
        Activations a = lm.allocateActivations(BATCH, SEQ);
        lm.setInput(a, t.ids);
        ActivationLosses losses = ActivationLosses.pruned(t.model, lm, kept, weights("hidden_mse=3,hidden_cos=2"), BATCH, SEQ);
        gradients(null, lm, a, t, losses);
        Parameters snapshot = new Parameters();
        lm.gradients().asMap().forEach((name, g) -> snapshot.put(name, copy(g)));
        List<String> bad = new ArrayList<>();
        SplittableRandom pick = new SplittableRandom(5);
        for (Map.Entry<String, Tensor> e : lm.parameters().asMap().entrySet()) {
            FiniteDifference.check(e.getKey(), be, e.getValue(), snapshot.get(e.getKey()), () -> total(null, lm, a, t, losses),
                    3, 1e-2f, 2e-4, 2e-2, pick, bad);
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    /** The slots against the definitions, recomputed on the host in double from the two models' activations. */
    @Test
    void termValuesFollowTheirDefinitions() {
        ModelConfig c = config("Qwen2ForCausalLM");
        Teacher t = teacher(c);
        LowRankStudent s = new LowRankStudent(c, t.model.parameters(), 10, new ProjectionInit.Random(0.3), NormInit.ONES, 9, be);
        CausalLM lm = new CausalLM(s.studentConfig(), s.folded(), be);
        Activations a = lm.allocateActivations(BATCH, SEQ);
        lm.setInput(a, t.ids);
        lm.forward(a);
        ActivationLosses losses = ActivationLosses.lowRank(t.model, s, weights("clone=1,hidden_mse=1,hidden_cos=1"), BATCH, SEQ);
        losses.accumulate(t.acts, a, 1f);
        losses.accumulate(t.acts, a, 1f);                      // slots add up over calls
        Map<LossTerm, Float> got = losses.readLossSums();

        int n = BATCH * SEQ, d = 16, ds = 10, layers = c.numLayers();
        double[] embed = toDouble(s.projections().get(LowRankStudent.EMBEDDING));
        double clone = 0, mse = 0, cos = 0;
        for (int l = 0; l < layers; l++) {
            Activations.Layer tl = t.acts.layers[l], sl = a.layers[l];
            clone += mse(toDouble(sl.q), toDouble(tl.q), n) + mse(toDouble(sl.k), toDouble(tl.k), n)
                    + mse(toDouble(sl.v), toDouble(tl.v), n) + mse(toDouble(sl.gate), toDouble(tl.gate), n)
                    + mse(toDouble(sl.up), toDouble(tl.up), n);
            // block outputs from the stream (a test may take the difference), the teacher's mapped by W^p
            double[] ta = minus(toDouble(tl.mid), toDouble(t.acts.residual[l])), sa = minus(toDouble(sl.mid), toDouble(a.residual[l]));
            double[] tm = minus(toDouble(t.acts.residual[l + 1]), toDouble(tl.mid)), sm = minus(toDouble(a.residual[l + 1]), toDouble(sl.mid));
            String p = "model.layers." + l + ".";
            clone += mse(sa, times(ta, toDouble(s.projections().get(p + "self_attn.o_proj")), n, d, ds), n);
            clone += mse(sm, times(tm, toDouble(s.projections().get(p + "mlp.down_proj")), n, d, ds), n);
        }
        for (int l = 0; l <= layers; l++) {
            double[] hs = toDouble(a.residual[l]), ht = times(toDouble(t.acts.residual[l]), embed, n, d, ds);
            mse += mse(hs, ht, n);
            for (int r = 0; r < n; r++) {
                double xx = 0, yy = 0, xy = 0;
                for (int j = 0; j < ds; j++) {
                    xx += hs[r * ds + j] * hs[r * ds + j];
                    yy += ht[r * ds + j] * ht[r * ds + j];
                    xy += hs[r * ds + j] * ht[r * ds + j];
                }
                cos += (1 - xy / Math.sqrt(xx * yy)) / n;
            }
        }
        assertEquals(2 * clone / (7 * layers), got.get(LossTerm.CLONE), 1e-4 * clone);
        assertEquals(2 * mse / (layers + 1), got.get(LossTerm.HIDDEN_MSE), 1e-4 * mse);
        assertEquals(2 * cos / (layers + 1), got.get(LossTerm.HIDDEN_COS), 1e-4);
        assertTrue(clone > 0.01 && mse > 0.01 && cos > 0.01, clone + " " + mse + " " + cos);
    }

    private double[] toDouble(Tensor t) {
        float[] f = be.downloadFloats(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** x [n, k] times m [k, c]. */
    private static double[] times(double[] x, double[] m, int n, int k, int c) {
        double[] y = new double[n * c];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < c; j++) {
                    y[r * c + j] += x[r * k + i] * m[i * c + j];
                }
            }
        }
        return y;
    }

    /** (1/N) sum_n (1/C) ||a_n - b_n||^2. */
    private static double mse(double[] a, double[] b, int n) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s / a.length;
    }

    /**
     * Two calls at gradScale 1/2 (two micro-batches of the same data) give the projection gradients of one call at 1
     * (+=; exactly for o_proj, whose one product per call halves exactly), while the injected gradients are
     * refilled, exactly half of one call's.
     */
    @Test
    void projectionGradientsAccumulateAcrossCallsAndInjectedOnesAreRefilled() {
        ModelConfig c = config("LlamaForCausalLM");
        Teacher t = teacher(c);
        LowRankStudent s = new LowRankStudent(c, t.model.parameters(), 10, new ProjectionInit.Random(0.3), NormInit.ONES, 9, be);
        CausalLM lm = new CausalLM(s.studentConfig(), s.folded(), be);
        Activations a = lm.allocateActivations(BATCH, SEQ);
        lm.setInput(a, t.ids);
        lm.forward(a);
        ActivationLosses losses = ActivationLosses.lowRank(t.model, s, weights("clone=1,hidden_mse=1,hidden_cos=1"), BATCH, SEQ);
        String o = "model.layers.1.self_attn.o_proj";
        s.zeroGradients();
        losses.accumulate(t.acts, a, 1f);
        float[] once = be.downloadFloats(s.projectionGradients().get(o));
        float[] onceEmbed = be.downloadFloats(s.projectionGradients().get(LowRankStudent.EMBEDDING));
        float[] onceQ = be.downloadFloats(losses.injected().q[0]), onceH = be.downloadFloats(losses.injected().residual[2]);
        s.zeroGradients();
        losses.accumulate(t.acts, a, 0.5f);
        losses.accumulate(t.acts, a, 0.5f);
        float[] twice = be.downloadFloats(s.projectionGradients().get(o));
        float[] twiceEmbed = be.downloadFloats(s.projectionGradients().get(LowRankStudent.EMBEDDING));
        float[] halfQ = be.downloadFloats(losses.injected().q[0]), halfH = be.downloadFloats(losses.injected().residual[2]);
        assertTrue(java.util.Arrays.equals(once, twice), "o_proj projection gradient");
        for (int i = 0; i < onceEmbed.length; i++) {   // a sum over the L + 1 hidden states: added in another order
            assertEquals(onceEmbed[i], twiceEmbed[i], 1e-5 * Math.abs(onceEmbed[i]) + 1e-7, "embedding projection gradient [" + i + "]");
        }
        for (int i = 0; i < onceQ.length; i++) {
            assertEquals(onceQ[i] / 2, halfQ[i], "injected q[0][" + i + "]");
        }
        for (int i = 0; i < onceH.length; i++) {
            assertEquals(onceH[i] / 2, halfH[i], "injected residual[2][" + i + "]");
        }
        assertTrue(java.util.Arrays.stream(toDouble(s.projectionGradients().get(o))).anyMatch(v -> v != 0));
        Map<LossTerm, Float> sums = losses.readLossSums();   // three calls since construction, unweighted values
        losses.zeroLosses();
        losses.accumulate(t.acts, a, 0.25f);
        Map<LossTerm, Float> one = losses.readLossSums();
        assertEquals(java.util.Set.of(LossTerm.CLONE, LossTerm.HIDDEN_MSE, LossTerm.HIDDEN_COS), one.keySet());
        for (LossTerm term : one.keySet()) {
            assertEquals(3 * one.get(term), sums.get(term), 1e-5 * sums.get(term), term.key());
        }
    }

    @Test
    void cloneNeedsALowRankStudent() {
        ModelConfig c = config("LlamaForCausalLM");
        Teacher t = teacher(c);
        int[] kept = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        WidthPruner.Result pruned = WidthPruner.prune(c, t.model.parameters(), WidthPruner.channelsOnly(c, kept), NormInit.TEACHER, be);
        CausalLM lm = new CausalLM(pruned.config(), pruned.parameters(), be);
        var e = assertThrows(IllegalArgumentException.class,
                () -> ActivationLosses.pruned(t.model, lm, kept, weights("clone=1"), BATCH, SEQ));
        assertTrue(e.getMessage().contains("clone") && e.getMessage().contains("LowRankStudent"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ActivationLosses.pruned(t.model, lm, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 8}, weights("hidden_mse=1"), BATCH, SEQ));
        var logits = assertThrows(IllegalArgumentException.class,
                () -> ActivationLosses.pruned(t.model, lm, kept, weights("kl=1"), BATCH, SEQ));
        assertTrue(logits.getMessage().contains("kl is computed from the logits"), logits.getMessage());
    }

    /**
     * A short LRC distillation on the activation terms alone (AdamW on projections and gains): the term being
     * trained falls to well under half its start.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"clone", "hidden_mse"})
    void distillingOnATermLowersIt(String term) {
        ModelConfig c = config("Qwen3ForCausalLM");
        Teacher t = teacher(c);
        LowRankStudent s = new LowRankStudent(c, t.model.parameters(), 10, ProjectionInit.Random.LRC, NormInit.ONES, 9, be);
        CausalLM lm = new CausalLM(s.studentConfig(), s.folded(), be);
        Activations a = lm.allocateActivations(BATCH, SEQ);
        lm.setInput(a, t.ids);
        lm.prepareBackward(a);
        ActivationLosses losses = ActivationLosses.lowRank(t.model, s, weights(term + "=1"), BATCH, SEQ);
        Parameters params = new Parameters(), grads = new Parameters();
        s.projections().forEach((name, p) -> {
            params.put(name, p);
            grads.put(name, s.projectionGradients().get(name));
        });
        s.gains().asMap().forEach((name, g) -> {
            params.put(name, g);
            grads.put(name, lm.gradients().get(name));
        });
        int steps = 40;
        AdamW adam = new AdamW(be, AdamW.Settings.defaults(), params, grads, new LrSchedule(1e-2, 2, steps, 0.1));
        Tensor dlogits = be.allocate(a.logits.shape());            // no logit loss: zero
        LossTerm which = LossTerm.parse(term);
        float first = 0;
        for (int step = 0; step <= steps; step++) {
            s.fold();
            lm.zeroGradients();
            s.zeroGradients();
            lm.forward(a);
            losses.zeroLosses();
            losses.accumulate(t.acts, a, 1f);
            if (step == 0) {
                first = losses.readLossSums().get(which);
            }
            if (step == steps) {
                break;
            }
            lm.backward(a, dlogits, losses.injected());
            s.backward(lm.gradients());
            adam.step();
        }
        float last = losses.readLossSums().get(which);
        assertTrue(first > 0.01f && last < 0.4f * first, term + " " + first + " -> " + last);
    }
}
