package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.compress.WidthPruner;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.HfModelWriter;
import dev.redengine.io.ShardedCheckpoint;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LowRankStudentTest {
    static final List<String> TEACHERS = Fixtures.WITH_GRADIENTS;
    private final CpuBackend be = new CpuBackend(2);   // per instance (one instance per class: PER_CLASS)

    @TempDir
    Path tmp;

    @AfterAll
    void close() {
        be.close();
    }

    private float[] logits(ModelConfig c, Parameters p, int[] ids, int batch, int seqLen) {
        CausalLM lm = new CausalLM(c, p, be);
        Activations a = lm.allocateActivations(batch, seqLen);
        lm.setInput(a, ids);
        lm.forward(a);
        return be.downloadFloats(a.logits);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TEACHERS")
    void redStudentAtStepZeroIsTheTeacherHardPrunedToG(String name) throws Exception {
        ModelConfig c = ModelConfig.load(Fixtures.dir(name));
        Parameters teacher;
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(Fixtures.dir(name))) {
            teacher = HfModelReader.read(ck, c, be);
        }
        int[] g = ChannelSelection.topK(MagnitudeImportance.of(c, teacher, be), 40);
        LowRankStudent student = new LowRankStudent(c, teacher, 40, new ProjectionInit.Selection(g), NormInit.TEACHER, 1, be);
        WidthPruner.Result pruned = WidthPruner.prune(c, teacher, WidthPruner.channelsOnly(c, g), NormInit.TEACHER, be);

        // the pruned model, checked entry by entry against direct indexing of the teacher
        float[] e = be.downloadFloats(teacher.get("model.embed_tokens.weight"));
        float[] es = be.downloadFloats(pruned.parameters().get("model.embed_tokens.weight"));
        float[] o = be.downloadFloats(teacher.get("model.layers.1.self_attn.o_proj.weight"));
        float[] os = be.downloadFloats(pruned.parameters().get("model.layers.1.self_attn.o_proj.weight"));
        float[] n = be.downloadFloats(teacher.get("model.norm.weight"));
        float[] ns = be.downloadFloats(pruned.parameters().get("model.norm.weight"));
        for (int k = 0; k < g.length; k++) {
            assertEquals(e[7 * 64 + g[k]], es[7 * 40 + k]);
            assertEquals(o[g[k] * c.qDim() + 5], os[k * c.qDim() + 5]);
            assertEquals(n[g[k]], ns[k]);
        }
        // the student's folded weights are exactly the pruned ones, so the forward passes agree
        for (Map.Entry<String, Tensor> w : pruned.parameters().asMap().entrySet()) {
            float[] want = be.downloadFloats(w.getValue()), got = be.downloadFloats(student.folded().get(w.getKey()));
            assertEquals(0.0, Fixtures.maxDiff(want, got), w.getKey());
        }
        int[] ids = new SplittableRandom(5).ints(2 * 12, 0, c.vocabSize()).toArray();
        float[] a = logits(student.studentConfig(), student.folded(), ids, 2, 12);
        float[] b = logits(pruned.config(), pruned.parameters(), ids, 2, 12);
        assertEquals(0.0, Fixtures.maxDiff(a, b), Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(a));
        assertEquals(40, pruned.config().hiddenSize());
        assertEquals(c.headDim(), pruned.config().headDim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "tied"})
    void projectionAndGainGradientsMatchFiniteDifferences(String arch) {
        boolean tied = arch.equals("tied");
        ModelConfig c = TestModels.tiny(tied ? "LlamaForCausalLM" : arch, tied);
        Parameters teacher = RandomInit.parameters(be, c, 3, 0.3);
        LowRankStudent s = new LowRankStudent(c, teacher, 10, new ProjectionInit.Random(0.3), NormInit.ONES, 9, be);
        CausalLM lm = new CausalLM(s.studentConfig(), s.folded(), be);
        int batch = 2, seqLen = 4;
        int[] ids = new SplittableRandom(2).ints(batch * seqLen, 0, c.vocabSize()).toArray();
        int[] targets = CausalLM.shiftedTargets(ids, batch, seqLen);
        Activations a = lm.allocateActivations(batch, seqLen);
        lm.setInput(a, ids);
        lm.forward(a);
        lm.crossEntropy(a, targets, a.logits);
        lm.backward(a, a.logits);
        s.zeroGradients();
        s.backward(lm.gradients());

        List<String> bad = new ArrayList<>();
        SplittableRandom pick = new SplittableRandom(4);
        Map<String, Tensor> trainable = new java.util.LinkedHashMap<>(s.projections());
        s.gains().asMap().forEach(trainable::put);
        for (Map.Entry<String, Tensor> e : trainable.entrySet()) {
            Tensor w = e.getValue();
            Tensor g = s.projectionGradients().containsKey(e.getKey()) ? s.projectionGradients().get(e.getKey())
                    : lm.gradients().get(e.getKey());
            FiniteDifference.check(e.getKey(), be, w, g, () -> loss(s, lm, a, targets), 8, 1e-2f, 2e-4, 2e-2, pick, bad);
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertEquals(tied, !s.projections().containsKey(LowRankStudent.LM_HEAD));
    }

    private double loss(LowRankStudent s, CausalLM lm, Activations a, int[] targets) {
        s.fold();
        lm.forward(a);
        return lm.crossEntropy(a, targets, null);
    }

    @Test
    void foldedStudentRoundTripsThroughAnHfFolder() throws Exception {
        ModelConfig c = ModelConfig.load(Fixtures.dir("tiny-qwen2"));
        Parameters teacher;
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(Fixtures.dir("tiny-qwen2"))) {
            teacher = HfModelReader.read(ck, c, be);
        }
        LowRankStudent s = new LowRankStudent(c, teacher, 48, new ProjectionInit.Orthogonal(), NormInit.ONES, 3, be);
        Path out = tmp.resolve("student");
        HfModelWriter.write(out, s.studentConfig(), s.folded(), be, Fixtures.dir("tiny-qwen2"));
        CausalLM back = HfModelReader.load(out, be);
        assertEquals(48, back.config().hiddenSize());
        assertEquals(16, back.config().headDim());
        Fixtures.assertSameParameters(be, s.folded(), back.parameters());
        int[] ids = new SplittableRandom(8).ints(10, 0, c.vocabSize()).toArray();
        float[] want = logits(s.studentConfig(), s.folded(), ids, 1, 10);
        assertEquals(0.0, Fixtures.maxDiff(want, logits(back.config(), back.parameters(), ids, 1, 10)),
                Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(want));
    }

    @Test
    void orthogonalProjectionsHaveOrthonormalColumns() {
        int d = 20, k = 7;
        float[] p = new float[d * k];
        new ProjectionInit.Orthogonal().fill(p, d, k, new SplittableRandom(1));
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) p[i * k + a] * p[i * k + b];
                }
                assertEquals(a == b ? 1.0 : 0.0, dot, 1e-5);
            }
        }
    }

    @Test
    void teacherGainsNeedASelection() {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        Parameters teacher = RandomInit.parameters(be, c, 3, 0.02);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LowRankStudent(c, teacher, 8, ProjectionInit.Random.LRC, NormInit.TEACHER, 1, be));
        assertTrue(e.getMessage().contains("ones"), e.getMessage());
    }
}
