package dev.redengine.model;

import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import dev.redengine.train.AdamW;
import dev.redengine.train.LmTrainer;
import dev.redengine.train.LrSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CausalLM#accumulateDistillLoss}: a tiny student distilled toward a tiny teacher's logits with AdamW
 * sees the KL fall. The teacher is first trained on the batch, so that its distributions are peaked and far
 * from the student's near-uniform start (two freshly initialised models differ by almost nothing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CausalLMDistillTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    /** The mean per-token T^2 KL of the student on the ids in {@code a}, after a forward pass. */
    private float meanKl(CausalLM student, Activations a, Tensor teacherLogits, boolean reverse) {
        student.forward(a);
        be.zero(a.lossSum);
        int n = student.accumulateDistillLoss(a, teacherLogits, 2f, reverse, null, a.lossSum);
        return be.downloadFloats(a.lossSum)[0] / n;
    }

    @ParameterizedTest(name = "reverse={0}")
    @ValueSource(booleans = {false, true})
    void distillingTowardATeacherLowersTheKl(boolean reverse) {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        int batch = 2, seqLen = 8;
        int[] ids = new SplittableRandom(3).ints(batch * seqLen, 0, c.vocabSize()).toArray();

        CausalLM teacher = new CausalLM(c, RandomInit.forTraining(be, c, 2), be);
        LmTrainer teacherTrainer = new LmTrainer(teacher, AdamW.Settings.defaults(), new LrSchedule(1e-2, 5, 40, 0.1), batch, seqLen);
        for (int s = 0; s < 40; s++) {
            teacherTrainer.step(ids);
        }
        Activations ta = teacher.allocateActivations(batch, seqLen);
        teacher.setInput(ta, ids);
        teacher.forward(ta);                                   // ta.logits [N, V]: the distillation target

        CausalLM student = new CausalLM(c, RandomInit.forTraining(be, c, 1), be);
        Activations a = student.allocateActivations(batch, seqLen);
        student.prepareBackward(a);
        student.setInput(a, ids);
        AdamW adam = new AdamW(be, AdamW.Settings.defaults(), student.parameters(), student.gradients(), new LrSchedule(1e-2, 2, 30, 0.1));
        float first = meanKl(student, a, ta.logits, reverse);
        for (int s = 0; s < 30; s++) {
            student.forward(a);
            student.accumulateDistillLoss(a, ta.logits, 2f, reverse, a.logits, adam.slot(OptimizerScalars.LOSS_SUM));
            student.zeroGradients();
            student.backward(a, a.logits);
            adam.step();
        }
        float last = meanKl(student, a, ta.logits, reverse);
        // 30 steps at lr 1e-2 take the KL to about a third (reverse) or less (forward) of its start
        assertTrue(first > 0.1f && last < 0.5f * first, "mean T^2 KL " + first + " -> " + last);

        Activations other = student.allocateActivations(1, seqLen);
        assertThrows(IllegalArgumentException.class,
                () -> student.accumulateDistillLoss(other, ta.logits, 2f, reverse, null, other.lossSum));
    }
}
