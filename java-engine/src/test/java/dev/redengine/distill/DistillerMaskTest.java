package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.NormInit;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.train.AdamW;
import dev.redengine.train.LmTrainer;
import dev.redengine.model.LossMask;
import dev.redengine.train.LrSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Distiller with a loss mask: CE counts the targets after the marker, KL the rows holding it, validation the
 * same, and the tokens the mask leaves out do not change the update.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistillerMaskTest {
    private static final int MARKER = 5;
    private final CpuBackend be = new CpuBackend(2);
    private final ModelConfig config = TestModels.tiny("LlamaForCausalLM", false);
    private final int seqLen = 8;
    private final int[] corpus = corpus(new SplittableRandom(3));

    @AfterAll
    void close() {
        be.close();
    }

    /** 4 sequences of 8: the marker at positions 1 and 4 of each row, no marker elsewhere. */
    private int[] corpus(SplittableRandom rng) {
        int[] ids = new int[4 * seqLen];
        for (int i = 0; i < ids.length; i++) {
            int t = i % seqLen;
            ids[i] = t == 1 || t == 4 ? MARKER : MARKER + 1 + rng.nextInt(config.vocabSize() - MARKER - 1);
        }
        return ids;
    }

    private CausalLM teacher() {
        CausalLM t = new CausalLM(config, RandomInit.forTraining(be, config, 2), be);
        LmTrainer trainer = new LmTrainer(t, AdamW.Settings.defaults(), new LrSchedule(1e-2, 5, 30, 0.1), 4, seqLen);
        for (int s = 0; s < 30; s++) {
            trainer.step(corpus);
        }
        return t;
    }

    private Student student(CausalLM teacher) {
        return new ProjectionStudent(new LowRankStudent(config, teacher.parameters(), 8, new ProjectionInit.Orthogonal(),
                NormInit.ONES, 7, be));
    }

    private Distiller distiller(CausalLM teacher, Student student, LossMask mask) {
        return new Distiller(teacher, student, new Distiller.Settings(LossWeights.parse("ce=1,kl=2"), 2f, 1, false, mask),
                AdamW.Settings.defaults(), new LrSchedule(1e-2, 0, 5, 0.1), 4, seqLen, 4);
    }

    @Test
    void maskedTermsAreMeansOverTheMarkedPositions() {
        CausalLM teacher = teacher();
        Student student = student(teacher);
        LossMask mask = LossMask.after(MARKER);
        // the terms computed apart: CE over the targets after a marker, KL per row averaged over the marker rows
        TeacherStudentForward f = TeacherStudentForward.of(teacher, student, corpus, 4, seqLen);
        CausalLM m = student.model();
        var a = f.student();
        var ta = f.teacher();
        double ce = m.crossEntropy(a, mask.targets(corpus, 4, seqLen), null);
        double allCe = m.crossEntropy(a, LossMask.ALL.targets(corpus, 4, seqLen), null);
        be.zero(a.lossSum);
        m.accumulateDistillLoss(a, ta.logits, 2f, false, null, a.lossSum);
        float[] rows = be.downloadFloats(a.losses);
        double kl = 0;
        for (int i = 0; i < corpus.length; i++) {
            kl += corpus[i] == MARKER ? rows[i] : 0;
        }
        kl /= 8;   // two marker rows per sequence
        assertNotEquals(ce, allCe, 1e-4);

        Distiller d = distiller(teacher, student, mask);
        Distiller.Validation v = d.validate(List.of(corpus));
        assertEquals(ce, v.ce(), 1e-5 * ce);
        assertEquals(8, v.tokens());
        d.step(corpus);
        Distiller.StepMetrics r = d.read().getFirst();
        assertEquals(ce, r.terms().get(LossTerm.CE), 1e-5 * ce);
        assertEquals(kl, r.terms().get(LossTerm.KL), 1e-5 * kl);
        assertEquals(ce + 2 * kl, r.loss(), 1e-5 * r.loss());
    }

    @Test
    void positionsTheMaskLeavesOutDoNotChangeTheUpdate() {
        CausalLM teacher = teacher();
        Student a = student(teacher), b = student(teacher), c = student(teacher), e = student(teacher);
        int[] other = corpus.clone();
        for (int r = 0; r < 4; r++) {
            int last = r * seqLen + seqLen - 1;   // not a marker, not after one, and no later position reads it
            other[last] = other[last] == MARKER + 1 ? MARKER + 2 : MARKER + 1;
        }
        Distiller da = distiller(teacher, a, LossMask.after(MARKER)), db = distiller(teacher, b, LossMask.after(MARKER));
        Distiller dc = distiller(teacher, c, LossMask.ALL), de = distiller(teacher, e, LossMask.ALL);
        for (int s = 0; s < 3; s++) {
            da.step(corpus);
            db.step(other);
            dc.step(corpus);
            de.step(other);
        }
        for (Distiller d : List.of(da, db, dc, de)) {
            d.read();
        }
        boolean unmaskedDiffers = false;
        for (var t : a.trainable().asMap().entrySet()) {
            assertArrayEquals(be.downloadFloats(t.getValue()), be.downloadFloats(b.trainable().get(t.getKey())), t.getKey());
            unmaskedDiffers |= !java.util.Arrays.equals(be.downloadFloats(c.trainable().get(t.getKey())),
                    be.downloadFloats(e.trainable().get(t.getKey())));
        }
        assertTrue(unmaskedDiffers, "without the mask the last tokens train the student, so the comparison can fail");
    }

    @Test
    void aBatchWithoutTheMarkerIsRefused() {
        CausalLM teacher = teacher();
        Distiller d = distiller(teacher, student(teacher), LossMask.after(config.vocabSize() - 1 + 100));
        var e = assertThrows(IllegalArgumentException.class, () -> d.step(corpus));
        assertTrue(e.getMessage().contains("every target is masked"), e.getMessage());
    }
}
