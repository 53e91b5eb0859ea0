package dev.redengine.distill;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.NormInit;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * LowRankStudent by hand: width bounds, ONES gains, the count of trainable values, gradient zeroing, and output
 * biases (o_proj, down_proj) gathered by a selection while input-side biases stay the teacher's.
 */
class LowRankStudentEdgesTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static ModelConfig config(boolean tied, boolean biases) {
        ObjectNode j = ConfigJson.decoder("LlamaForCausalLM", 8, 2, 2, 1, 4, 12, 11, 16, tied);
        j.put("attention_bias", biases);
        j.put("mlp_bias", biases);
        return ModelConfig.parse(j);
    }

    @Test
    void widthBounds() {
        ModelConfig c = config(false, false);
        Parameters t = RandomInit.parameters(be, c, 1, 0.3);
        for (int bad : new int[]{0, -1, 9}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LowRankStudent(c, t, bad, ProjectionInit.Random.LRC, NormInit.ONES, 1, be));
            assertEquals("student hidden size " + bad + " must be in [1, 8]", e.getMessage());
        }
        assertEquals(8, new LowRankStudent(c, t, 8, ProjectionInit.Random.LRC, NormInit.ONES, 1, be).studentConfig().hiddenSize());
        assertEquals(1, new LowRankStudent(c, t, 1, ProjectionInit.Random.LRC, NormInit.ONES, 1, be).studentConfig().hiddenSize());
    }

    @Test
    void onesGainsAndTrainableCount() {
        for (boolean tied : new boolean[]{false, true}) {
            ModelConfig c = config(tied, false);
            Parameters t = RandomInit.parameters(be, c, 1, 0.3);
            LowRankStudent s = new LowRankStudent(c, t, 5, new ProjectionInit.Orthogonal(), NormInit.ONES, 2, be);
            s.gains().asMap().forEach((n, g) -> {
                float[] ones = new float[5];
                Arrays.fill(ones, 1f);
                assertArrayEquals(ones, be.downloadFloats(g), n);
            });
            int projections = 1 + 7 * 2 + (tied ? 0 : 1);   // embedding, 7 per layer, lm_head unless tied
            assertEquals(projections, s.projections().size());
            assertEquals((long) projections * 8 * 5 + (2 * 2 + 1) * 5, s.trainableCount());
        }
    }

    @Test
    void zeroGradientsClearsEveryProjectionGradient() {
        ModelConfig c = config(false, false);
        LowRankStudent s = new LowRankStudent(c, RandomInit.parameters(be, c, 1, 0.3), 4, ProjectionInit.Random.LRC, NormInit.ONES, 1, be);
        s.projectionGradients().values().forEach(g -> {
            float[] v = new float[(int) g.numel()];
            Arrays.fill(v, 3f);
            be.upload(g, v);
        });
        s.zeroGradients();
        s.projectionGradients().forEach((n, g) -> assertArrayEquals(new float[(int) g.numel()], be.downloadFloats(g), n));
    }

    @Test
    void selectionGathersOutputBiasesAndKeepsInputBiases() {
        ModelConfig c = config(false, true);
        Parameters t = RandomInit.parameters(be, c, 3, 0.3);
        int[] g = {1, 4, 6};
        LowRankStudent s = new LowRankStudent(c, t, 3, new ProjectionInit.Selection(g), NormInit.TEACHER, 1, be);
        for (String bias : new String[]{"model.layers.1.self_attn.o_proj.bias", "model.layers.0.mlp.down_proj.bias"}) {
            float[] teacher = be.downloadFloats(t.get(bias));
            assertArrayEquals(new float[]{teacher[1], teacher[4], teacher[6]}, be.downloadFloats(s.folded().get(bias)), bias);
        }
        for (String bias : new String[]{"model.layers.0.self_attn.q_proj.bias", "model.layers.1.mlp.up_proj.bias"}) {
            assertArrayEquals(be.downloadFloats(t.get(bias)), be.downloadFloats(s.folded().get(bias)), bias);
        }
        float[] norm = be.downloadFloats(t.get("model.norm.weight"));
        assertArrayEquals(new float[]{norm[1], norm[4], norm[6]}, be.downloadFloats(s.folded().get("model.norm.weight")));
    }

    /** Input side W^S = W W^p with each weight's own projection: the LM head's, not the embedding's, when untied. */
    @Test
    void foldedWeightsUseTheirOwnProjection() {
        ModelConfig c = config(false, false);
        Parameters t = RandomInit.parameters(be, c, 5, 0.3);
        LowRankStudent s = new LowRankStudent(c, t, 3, ProjectionInit.Random.LRC, NormInit.ONES, 9, be);
        for (String[] w : new String[][]{{"lm_head.weight", "lm_head"}, {"model.embed_tokens.weight", "model.embed_tokens"},
                {"model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.up_proj"}}) {
            float[] teacher = be.downloadFloats(t.get(w[0])), p = be.downloadFloats(s.projections().get(w[1]));
            float[] got = be.downloadFloats(s.folded().get(w[0]));
            int rows = teacher.length / 8;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < 3; k++) {
                    double sum = 0;
                    for (int i = 0; i < 8; i++) {
                        sum += (double) teacher[r * 8 + i] * p[i * 3 + k];
                    }
                    assertEquals(sum, got[r * 3 + k], 1e-6 + 1e-4 * Math.abs(sum), w[0] + "[" + r + ", " + k + "]");
                }
            }
        }
    }
}
