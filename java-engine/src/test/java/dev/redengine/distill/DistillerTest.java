package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.NormInit;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.Tensor;
import dev.redengine.train.AdamW;
import dev.redengine.train.LmTrainer;
import dev.redengine.train.LrSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Distiller}: the loss falls for both kinds of student; gradient accumulation gives the step a larger
 * batch would (up to rounding); the reported terms are the losses computed independently; a non-finite step
 * stops the run by name or, when skipped, leaves the parameters alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistillerTest {
    private final CpuBackend be = new CpuBackend(2);
    private final ModelConfig config = TestModels.tiny("LlamaForCausalLM", false);
    private final int seqLen = 8;
    private final int[] corpus = new SplittableRandom(3).ints(4 * seqLen, 0, config.vocabSize()).toArray();   // 4 sequences

    @AfterAll
    void close() {
        be.close();
    }

    /** A teacher trained on the corpus, so that its distributions are peaked and worth distilling. */
    private CausalLM teacher() {
        CausalLM t = new CausalLM(config, RandomInit.forTraining(be, config, 2), be);
        LmTrainer trainer = new LmTrainer(t, AdamW.Settings.defaults(), new LrSchedule(1e-2, 5, 40, 0.1), 4, seqLen);
        for (int s = 0; s < 40; s++) {
            trainer.step(corpus);
        }
        return t;
    }

    private Student projectionStudent(CausalLM teacher, long seed) {
        return new ProjectionStudent(new LowRankStudent(config, teacher.parameters(), 8, new ProjectionInit.Orthogonal(),
                NormInit.ONES, seed, be));
    }

    private static final int[] CHANNELS = {0, 2, 4, 6, 8, 10, 12, 14};

    private Student fullStudent(CausalLM teacher) {
        int[] channels = CHANNELS;
        LowRankStudent s = new LowRankStudent(config, teacher.parameters(), 8, new ProjectionInit.Selection(channels),
                NormInit.TEACHER, 0, be);
        Parameters p = Parameters.allocate(be, dev.redengine.model.ParameterSpec.of(s.studentConfig()));
        p.asMap().forEach((name, t) -> be.copy(t, s.folded().get(name)));
        return new FullStudent(new CausalLM(s.studentConfig(), p, be), channels);
    }

    private Distiller distiller(CausalLM teacher, Student student, String loss, int batch, int accum, boolean skip, int steps) {
        return new Distiller(teacher, student, new Distiller.Settings(LossWeights.parse(loss), 2f, accum, skip),
                AdamW.Settings.defaults(), new LrSchedule(1e-2, 2, steps, 0.1), batch, seqLen, 4);
    }

    private static double mean(List<Distiller.StepMetrics> rows, LossTerm t) {
        return rows.stream().mapToDouble(r -> r.terms().get(t)).average().orElseThrow();
    }

    @ParameterizedTest(name = "projections={0}")
    @ValueSource(booleans = {true, false})
    void theLossFallsForBothKindsOfStudent(boolean projections) {
        CausalLM teacher = teacher();
        Student student = projections ? projectionStudent(teacher, 1) : fullStudent(teacher);
        Distiller d = distiller(teacher, student, "kl=1,ce=0.5", 4, 1, false, 40);
        List<Distiller.StepMetrics> first = null, rows = null;
        for (int s = 1; s <= 40; s++) {
            d.step(corpus);
            if (s % 4 == 0) {
                rows = d.read();
                if (first == null) {
                    first = rows;
                }
            }
        }
        double klStart = mean(first, LossTerm.KL), klEnd = mean(rows, LossTerm.KL);
        assertTrue(klEnd < 0.5 * klStart, "KL " + klStart + " -> " + klEnd);
        assertTrue(mean(rows, LossTerm.CE) < mean(first, LossTerm.CE));
        assertEquals(40, rows.getLast().step());
        Distiller.Validation v = d.validate(List.of(corpus));
        assertTrue(v.kl() < klStart && v.ce() > 0, v.toString());
        var ta = teacher.allocateActivations(4, seqLen);
        teacher.setInput(ta, corpus);
        teacher.forward(ta);
        double teacherCe = teacher.crossEntropy(ta, CausalLM.shiftedTargets(corpus, 4, seqLen), null);
        assertEquals(teacherCe, v.teacherCe(), 1e-5 * teacherCe);
        assertEquals(corpus.length, v.tokens());
    }

    @Test
    void reportedTermsAreTheLossesOfTheStartingStudent() {
        CausalLM teacher = teacher();
        Student student = projectionStudent(teacher, 4);
        Distiller d = distiller(teacher, student, "ce=1,kl=2,rkl=3", 4, 1, false, 5);
        double[] before = lossesNow(teacher, student);   // the model's own loss functions, before the first update
        double ce = before[0];
        Map<Boolean, Double> kl = Map.of(false, before[1], true, before[2]);
        d.step(corpus);
        Distiller.StepMetrics r = d.read().getFirst();
        assertEquals(ce, r.terms().get(LossTerm.CE), 1e-5 * ce);
        assertEquals(kl.get(false), r.terms().get(LossTerm.KL), 1e-5 * kl.get(false));
        assertEquals(kl.get(true), r.terms().get(LossTerm.REVERSE_KL), 1e-5 * kl.get(true));
        assertEquals(ce + 2 * kl.get(false) + 3 * kl.get(true), r.loss(), 1e-5 * r.loss());
        assertEquals(1, r.step());
    }

    @ParameterizedTest(name = "projections={0}")
    @ValueSource(booleans = {true, false})
    void twoMicroBatchesOfTwoMakeTheStepOfOneBatchOfFour(boolean projections) {
        CausalLM teacher = teacher();
        Student a = projections ? projectionStudent(teacher, 5) : fullStudent(teacher);
        Student b = projections ? projectionStudent(teacher, 5) : fullStudent(teacher);
        String loss = projections ? "kl=1,ce=1,clone=1,hidden_cos=0.5" : "kl=1,ce=1,hidden_mse=1";
        Distiller whole = distiller(teacher, a, loss, 4, 1, false, 3);
        Distiller parts = distiller(teacher, b, loss, 2, 2, false, 3);
        for (int s = 0; s < 3; s++) {
            whole.step(corpus);
            parts.step(corpus);
        }
        Distiller.StepMetrics w = whole.read().getLast(), p = parts.read().getLast();
        assertEquals(w.gradNorm(), p.gradNorm(), 1e-4 * w.gradNorm());
        assertEquals(w.loss(), p.loss(), 1e-5 * w.loss());
        for (Map.Entry<String, Tensor> e : a.trainable().asMap().entrySet()) {
            float[] x = be.downloadFloats(e.getValue()), y = be.downloadFloats(b.trainable().get(e.getKey()));
            double scale = Arrays.stream(toDouble(x)).map(Math::abs).max().orElse(1);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-4 * scale + 1e-6, e.getKey() + "[" + i + "]");
            }
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    @ParameterizedTest(name = "projections={0}")
    @ValueSource(booleans = {true, false})
    void activationTermsAloneAreReportedAsComputedIndependentlyAndFall(boolean projections) {
        CausalLM teacher = teacher();
        Student student = projections ? projectionStudent(teacher, 6) : fullStudent(teacher);
        String loss = projections ? "clone=1,hidden_mse=2" : "hidden_mse=2,hidden_cos=1";
        // the terms at step 0, computed by ActivationLosses directly
        TeacherStudentForward f = TeacherStudentForward.of(teacher, student, corpus, 4, seqLen);
        var ta = f.teacher();
        var sa = f.student();
        Map<LossTerm, Float> w = new java.util.EnumMap<>(LossTerm.class);
        LossWeights parsed = LossWeights.parse(loss);
        parsed.terms().forEach(t -> w.put(t, (float) parsed.weight(t)));
        ActivationLosses direct = projections
                ? ActivationLosses.lowRank(teacher, ((ProjectionStudent) student).projected(), w, 4, seqLen)
                : ActivationLosses.pruned(teacher, student.model(), CHANNELS, w, 4, seqLen);
        direct.accumulate(ta, sa, 1f);
        Map<LossTerm, Float> expected = direct.readLossSums();
        student.zeroGradients();   // accumulate added target-path gradients; the distiller starts from zero anyway

        Distiller d = distiller(teacher, student, loss, 4, 1, false, 30);
        d.step(corpus);
        Distiller.StepMetrics first = d.read().getFirst();
        double total = 0;
        for (LossTerm t : parsed.terms()) {
            double want = expected.get(t);
            assertEquals(want, first.terms().get(t), 1e-6 * want + 1e-9, t.key());
            total += parsed.weight(t) * want;
        }
        assertEquals(total, first.loss(), 1e-6 * total);
        Distiller.StepMetrics last = first;
        for (int s = 2; s <= 30; s++) {
            d.step(corpus);
            if (s % 4 == 0 || s == 30) {
                last = d.read().getLast();
            }
        }
        assertTrue(last.loss() < 0.5 * first.loss(), first.loss() + " -> " + last.loss());
    }

    @Test
    void hiddenTermsNeedAMapAndCloneNeedsProjections() {
        CausalLM teacher = teacher();
        LowRankStudent s = new LowRankStudent(config, teacher.parameters(), 8, new ProjectionInit.Orthogonal(), NormInit.ONES, 1, be);
        Student unmapped = new FullStudent(new CausalLM(s.studentConfig(), s.folded(), be));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> distiller(teacher, unmapped, "kl=1,hidden_mse=1", 4, 1, false, 5));
        assertTrue(e.getMessage().contains("no map"), e.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> distiller(teacher, fullStudent(teacher), "clone=1", 4, 1, false, 5));
        assertTrue(c.getMessage().contains("clone"), c.getMessage());
    }

    /** Mean CE and forward / reverse T = 2 KL of the student's current weights on the corpus, computed directly. */
    private double[] lossesNow(CausalLM teacher, Student student) {
        TeacherStudentForward f = TeacherStudentForward.of(teacher, student, corpus, 4, seqLen);
        CausalLM m = student.model();
        var a = f.student();
        var ta = f.teacher();
        double[] out = new double[3];
        out[0] = m.crossEntropy(a, CausalLM.shiftedTargets(corpus, 4, seqLen), null);
        for (int r = 0; r < 2; r++) {
            be.zero(a.lossSum);
            int n = m.accumulateDistillLoss(a, ta.logits, 2f, r == 1, null, a.lossSum);
            out[1 + r] = be.downloadFloats(a.lossSum)[0] / (double) n;
        }
        return out;
    }

    private double gradientNorm(Student student) {
        double sum = 0;
        for (Tensor g : student.trainableGradients().asMap().values()) {
            for (float x : be.downloadFloats(g)) {
                sum += (double) x * x;
            }
        }
        return Math.sqrt(sum);
    }

    @Test
    void everyReadReportsTheLossesLrAndNormOfItsOwnSteps() {
        CausalLM teacher = teacher();
        Student student = projectionStudent(teacher, 7);
        LrSchedule schedule = new LrSchedule(1e-2, 2, 6, 0.1);
        Distiller d = new Distiller(teacher, student, new Distiller.Settings(LossWeights.parse("ce=1,kl=1"), 2f, 1, false),
                AdamW.Settings.defaults(), schedule, 4, seqLen, 4);
        for (int s = 1; s <= 6; s++) {
            double[] before = lossesNow(teacher, student);
            d.step(corpus);
            double norm = gradientNorm(student);   // AdamW leaves the gradients as they were
            if (s % 3 == 0) {
                continue;                          // steps 3 and 6 are read together with the next or previous
            }
            List<Distiller.StepMetrics> rows = d.read();
            Distiller.StepMetrics r = rows.getLast();
            assertEquals(s, r.step());
            assertEquals(s == 4 ? 2 : 1, rows.size());
            assertEquals(before[0], r.terms().get(LossTerm.CE), 1e-5 * before[0], "ce at step " + s);
            assertEquals(before[1], r.terms().get(LossTerm.KL), 1e-5 * before[1], "kl at step " + s);
            assertEquals(schedule.at(s), r.lr(), 0f, "lr at step " + s);
            assertEquals(norm, r.gradNorm(), 1e-5 * norm, "gradient norm at step " + s);
        }
        List<Distiller.StepMetrics> last = d.read();
        assertEquals(List.of(6), last.stream().map(Distiller.StepMetrics::step).toList());
    }

    @Test
    void theGradientsOfSeveralLogitTermsAddUp() {
        CausalLM teacher = teacher();
        String[] parts = {"ce=1", "kl=2", "rkl=3"};
        Map<String, double[]> sum = new java.util.HashMap<>();
        for (String part : parts) {
            Student s = projectionStudent(teacher, 8);
            distiller(teacher, s, part, 4, 1, false, 3).step(corpus);
            s.trainableGradients().asMap().forEach((name, g) -> {
                double[] acc = sum.computeIfAbsent(name, k -> new double[(int) g.numel()]);
                float[] x = be.downloadFloats(g);
                for (int i = 0; i < x.length; i++) {
                    acc[i] += x[i];
                }
            });
        }
        Student all = projectionStudent(teacher, 8);
        distiller(teacher, all, "ce=1,kl=2,rkl=3", 4, 1, false, 3).step(corpus);
        all.trainableGradients().asMap().forEach((name, g) -> {
            float[] x = be.downloadFloats(g);
            double[] want = sum.get(name);
            double scale = Arrays.stream(want).map(Math::abs).max().orElse(0) + 1e-12;
            for (int i = 0; i < x.length; i++) {
                assertEquals(want[i], x[i], 1e-5 * scale, name + "[" + i + "]");
            }
        });
    }

    @Test
    void validationAndErankAreTheModelsOwn() {
        CausalLM teacher = teacher();
        Student student = projectionStudent(teacher, 9);
        Distiller d = distiller(teacher, student, "kl=1", 4, 1, false, 3);
        d.step(corpus);
        d.read();
        double[] now = lossesNow(teacher, student);
        var a = student.model().allocateActivations(4, seqLen);
        student.model().setInput(a, corpus);
        student.model().forward(a);
        var ta = teacher.allocateActivations(4, seqLen);
        teacher.setInput(ta, corpus);
        teacher.forward(ta);
        be.zero(a.lossSum);
        student.model().accumulateDistillLoss(a, ta.logits, 1f, false, null, a.lossSum);
        double klAtOne = be.downloadFloats(a.lossSum)[0] / (double) corpus.length;
        Distiller.Validation v = d.validate(List.of(corpus, corpus));   // two batches: means, not sums
        assertEquals(now[0], v.ce(), 1e-5 * now[0]);
        assertEquals(klAtOne, v.kl(), 1e-5 * klAtOne);
        assertEquals(2L * corpus.length, v.tokens());

        dev.redengine.eval.EffectiveRank er = dev.redengine.eval.EffectiveRank.cpu();
        double[] studentRanks = d.studentErank(corpus, er), teacherRanks = d.teacherErank(corpus, er);
        assertEquals(config.numLayers() + 1, studentRanks.length);
        for (int i = 0; i <= config.numLayers(); i++) {
            var sm = new dev.redengine.eval.Matrix(be.downloadFloats(a.hidden(i)), corpus.length, 8);
            var tm = new dev.redengine.eval.Matrix(be.downloadFloats(ta.hidden(i)), corpus.length, config.hiddenSize());
            assertEquals(er.compute(sm, dev.redengine.eval.EffectiveRank.Definition.RED), studentRanks[i], 1e-9, "student " + i);
            assertEquals(er.compute(tm, dev.redengine.eval.EffectiveRank.Definition.RED), teacherRanks[i], 1e-9, "teacher " + i);
        }
        assertEquals(4 * seqLen, d.tokensPerStep());
        assertEquals(student, d.student());
    }

    /** A teacher whose LM head holds a NaN: every KL is NaN, and so is every gradient. */
    private CausalLM poisonedTeacher() {
        CausalLM t = teacher();
        Tensor head = t.parameters().get("lm_head.weight");
        float[] w = be.downloadFloats(head);
        w[5] = Float.NaN;
        be.upload(head, w);
        return t;
    }

    @Test
    void aNonFiniteStepStopsTheRunNamingTheStepAndTheTensor() {
        CausalLM teacher = poisonedTeacher();
        Student student = projectionStudent(teacher, 1);
        Distiller d = distiller(teacher, student, "kl=1", 4, 1, false, 5);
        d.step(corpus);
        ArithmeticException e = assertThrows(ArithmeticException.class, d::read);
        assertTrue(e.getMessage().startsWith("step 1:") && e.getMessage().contains("gradient of"), e.getMessage());
    }

    @Test
    void skippedStepsLeaveTheParametersAloneAndAreCounted() {
        CausalLM teacher = poisonedTeacher();
        Student student = projectionStudent(teacher, 1);
        Distiller d = distiller(teacher, student, "ce=1,kl=1", 4, 1, true, 5);
        Map<String, float[]> before = new java.util.HashMap<>();
        student.trainable().asMap().forEach((n, t) -> before.put(n, be.downloadFloats(t)));
        d.step(corpus);
        d.step(corpus);
        List<Distiller.StepMetrics> rows = d.read();
        assertEquals(List.of(true, true), rows.stream().map(Distiller.StepMetrics::skipped).toList());
        assertEquals(List.of(1, 2), rows.stream().map(Distiller.StepMetrics::skippedSoFar).toList());
        student.trainable().asMap().forEach((n, t) -> assertArrayEquals(before.get(n), be.downloadFloats(t), n));
    }

    @Test
    void aSkipDoesNotStickToTheStepsAfterIt() {
        CausalLM teacher = teacher();
        Student student = projectionStudent(teacher, 1);
        Distiller d = distiller(teacher, student, "kl=1", 4, 1, true, 5);
        d.step(corpus);
        d.optimizer().slot(dev.redengine.backend.OptimizerScalars.NON_FINITE);
        float[] flag = {1f};
        be.upload(d.optimizer().slot(dev.redengine.backend.OptimizerScalars.NON_FINITE), flag);   // as if step 1 had failed
        Map<String, float[]> before = new java.util.HashMap<>();
        student.trainable().asMap().forEach((n, t) -> before.put(n, be.downloadFloats(t)));
        d.step(corpus);   // skipped: the flag was set
        d.step(corpus);   // runs: the skip cleared it
        List<Distiller.StepMetrics> rows = d.read();
        assertEquals(List.of(false, true, false), rows.stream().map(Distiller.StepMetrics::skipped).toList());
        boolean moved = student.trainable().asMap().entrySet().stream()
                .anyMatch(e -> !Arrays.equals(before.get(e.getKey()), be.downloadFloats(e.getValue())));
        assertTrue(moved, "the step after a skip updates the parameters");
    }

    @Test
    void mismatchedVocabulariesAndWrongShapesAreRefused() {
        CausalLM teacher = teacher();
        ModelConfig other = ModelConfig.parse(TestModels.json("LlamaForCausalLM", 16, 2, 4, 2, 6, 24, 48, false));
        Student wrongVocab = new FullStudent(new CausalLM(other, RandomInit.forTraining(be, other, 1), be));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> distiller(teacher, wrongVocab, "kl=1", 4, 1, false, 5));
        assertTrue(e.getMessage().contains("vocabularies differ"), e.getMessage());
        Distiller d = distiller(teacher, projectionStudent(teacher, 1), "kl=1", 4, 1, false, 5);
        int[] tooShort = Arrays.copyOf(corpus, corpus.length - 1);
        assertThrows(IllegalArgumentException.class, () -> d.step(tooShort));
        assertFalse(d.terms().isEmpty());
    }
}
