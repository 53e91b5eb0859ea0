package dev.redengine.train;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.LossMask;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A masked LmTrainer step reports the CE of the kept targets and trains on them alone. */
class LmTrainerMaskTest {
    private final CpuBackend be = new CpuBackend(2);
    private static final ModelConfig C = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 13, 16, false));

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void aMaskedStepReportsTheLossOfTheKeptTargetsAndTrainsOnThemAlone() {
        CausalLM m = new CausalLM(C, RandomInit.parameters(be, C, 1, 0.3), be);
        CausalLM same = new CausalLM(C, RandomInit.parameters(be, C, 1, 0.3), be);
        int[] ids = new SplittableRandom(8).ints(2 * 6, 0, 13).toArray();
        ids[1] = 3;   // at least one marker per row
        ids[8] = 3;
        LossMask mask = LossMask.after(3);
        float masked = loss(m, ids, mask.targets(ids, 2, 6)), all = loss(m, ids, LossMask.ALL.targets(ids, 2, 6));
        assertNotEquals(masked, all, 1e-4f);
        LmTrainer t = new LmTrainer(m, AdamW.Settings.defaults(), new LrSchedule(1e-2, 0, 10, 0.1), 2, 6);
        t.step(ids, mask);
        assertEquals(masked, t.read().loss(), 1e-5 * masked);
        // the update came from the kept targets only: the same step on a batch that differs only at an ignored
        // target (the token after a non-marker that is not itself a marker) leaves identical weights
        int[] other = ids.clone();
        int free = firstFreePosition(ids, 3);
        other[free] = (ids[free] + 1) % 13 == 3 ? (ids[free] + 2) % 13 : (ids[free] + 1) % 13;
        LmTrainer u = new LmTrainer(same, AdamW.Settings.defaults(), new LrSchedule(1e-2, 0, 10, 0.1), 2, 6);
        u.step(other, mask);
        u.read();
        m.parameters().asMap().forEach((n, p) -> assertArrayEquals(be.downloadFloats(p),
                be.downloadFloats(same.parameters().get(n)), n));
    }

    /**
     * A position whose token is neither the marker nor a target the mask keeps (it does not follow a marker), and is
     * the last of its row, so it feeds no kept prediction through attention either (the model is causal).
     */
    private static int firstFreePosition(int[] ids, int marker) {
        for (int r = 0; r < 2; r++) {
            int last = r * 6 + 5;
            if (ids[last] != marker && ids[last - 1] != marker) {
                return last;
            }
        }
        throw new AssertionError("no free last position in " + java.util.Arrays.toString(ids));
    }

    private float loss(CausalLM m, int[] ids, int[] targets) {
        Activations a = m.allocateActivations(2, 6);
        m.setInput(a, ids);
        m.forward(a);
        return m.crossEntropy(a, targets, null);
    }
}
