package dev.redengine.distill;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StudentInit}: what each method builds, that a channel selection gives the same weights as a projection
 * student or a hard-pruned model (multiplying by a 0/1 matrix is exact), and its refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudentInitTest {
    private final CpuBackend be = new CpuBackend(2);
    private final ModelConfig config = TestModels.tiny("LlamaForCausalLM", false);   // d 16, FFN 24, 4 heads, 2 KV
    private final CausalLM teacher = new CausalLM(config, RandomInit.forTraining(be, config, 4), be);
    private final StudentInit.Calibration calibration = () -> {
        SplittableRandom r = new SplittableRandom(2);
        int[][] seqs = new int[3][8];
        for (int[] s : seqs) {
            Arrays.setAll(s, i -> r.nextInt(config.vocabSize()));
        }
        return new CalibrationSet(seqs, "test");
    };

    @AfterAll
    void close() {
        be.close();
    }

    private StudentInit.Built build(InitMethod m, int hidden, Integer ffn, Integer heads, boolean projections) throws IOException {
        return StudentInit.build(new StudentInit.Request(m, hidden, ffn, heads, StudentInit.defaultGains(m), 5, projections),
                teacher, calibration, 2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = InitMethod.class, names = {"red", "magnitude"})
    void aSelectionGivesTheSameWeightsAsProjectionsOrHardPruning(InitMethod m) throws IOException {
        StudentInit.Built pruned = build(m, 8, null, null, false), projected = build(m, 8, null, null, true);
        assertNull(pruned.projected());
        assertNotNull(projected.projected());
        assertArrayEquals(pruned.channels(), projected.channels());
        assertEquals(8, pruned.config().hiddenSize());
        assertEquals(pruned.config().toJson(), projected.config().toJson());
        for (String name : pruned.weights().asMap().keySet()) {
            assertArrayEquals(be.downloadFloats(pruned.weights().get(name)), be.downloadFloats(projected.weights().get(name)), name);
        }
        assertEquals(m.name(), pruned.selection().get("method").asText());
        assertEquals("teacher", pruned.selection().get("norm_init").asText());
        assertEquals(8, pruned.selection().get("channels").size());
        assertEquals(config.hiddenSize(), pruned.selection().get("importance").size());
        assertEquals(m == InitMethod.red, pruned.selection().has("calibration_tokens"));
    }

    @Test
    void magnitudeKeepsTheChannelsOfLargestImportanceInAscendingOrder() throws IOException {
        double[] importance = MagnitudeImportance.of(config, teacher.parameters(), be);
        int[] byImportance = IntStream.range(0, importance.length).boxed()
                .sorted((a, b) -> Double.compare(importance[b], importance[a])).mapToInt(Integer::intValue).toArray();
        int[] expected = Arrays.copyOf(byImportance, 6);
        Arrays.sort(expected);
        StudentInit.Built b = build(InitMethod.magnitude, 6, null, null, false);
        assertArrayEquals(expected, b.channels());
        // the pruned embedding holds the teacher's kept columns
        float[] t = be.downloadFloats(teacher.parameters().get("model.embed_tokens.weight"));
        float[] s = be.downloadFloats(b.weights().get("model.embed_tokens.weight"));
        for (int v = 0; v < config.vocabSize(); v++) {
            for (int k = 0; k < 6; k++) {
                assertEquals(t[v * config.hiddenSize() + expected[k]], s[v * 6 + k]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = InitMethod.class, names = {"random", "orthogonal"})
    void projectionInitsBuildALowRankStudentWithoutSelection(InitMethod m) throws IOException {
        StudentInit.Built b = build(m, 8, null, null, true);
        assertNotNull(b.projected());
        assertNull(b.channels());
        assertNull(b.selection());
        assertEquals(NormInit.ONES, StudentInit.defaultGains(m));
        float[] gain = be.downloadFloats(b.weights().get("model.norm.weight"));
        for (float g : gain) {
            assertEquals(1f, g);
        }
        assertEquals(b.projected().folded(), b.weights());
    }

    @Test
    void minitronPrunesNeuronsAndHeadsAndRecordsThem() throws IOException {
        StudentInit.Built b = build(InitMethod.minitron, 8, 12, 2, false);
        assertEquals(12, b.config().intermediateSize());
        assertEquals(2, b.config().numHeads());
        assertEquals(config.numLayers(), b.selection().get("ffn_neurons").size());
        assertEquals(12, b.selection().get("ffn_neurons").get(0).size());
        assertEquals(2, b.selection().get("heads").get(1).size());
        StudentInit.Built all = build(InitMethod.minitron, 8, null, null, false);
        assertEquals(config.intermediateSize(), all.config().intermediateSize(), "no --ffn-size keeps every neuron");
        assertEquals(config.numHeads(), all.config().numHeads());
    }

    @Test
    void refusals() {
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class, () -> build(InitMethod.random, 17, null, null, true));
        assertTrue(wide.getMessage().contains("must be in [1, 16]"), wide.getMessage());
        assertThrows(IllegalArgumentException.class, () -> build(InitMethod.random, 0, null, null, true));
        IllegalArgumentException proj = assertThrows(IllegalArgumentException.class, () -> build(InitMethod.minitron, 8, null, null, true));
        assertTrue(proj.getMessage().contains("--trainable all"), proj.getMessage());
        IllegalArgumentException ffn = assertThrows(IllegalArgumentException.class, () -> build(InitMethod.minitron, 8, 25, null, false));
        assertTrue(ffn.getMessage().contains("--ffn-size 25 must be in [1, 24]"), ffn.getMessage());
        assertThrows(IllegalArgumentException.class, () -> build(InitMethod.minitron, 8, 0, null, false));
    }

    /** The combinations no method can build are refused by the request itself, whichever command made it. */
    @Test
    void requestRefusesWhatNoMethodBuilds() {
        var ffn = assertThrows(IllegalArgumentException.class,
                () -> new StudentInit.Request(InitMethod.red, 8, 12, null, NormInit.TEACHER, 0, true));
        assertTrue(ffn.getMessage().contains("--ffn-size and --heads apply to minitron only, not to red"), ffn.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new StudentInit.Request(InitMethod.magnitude, 8, null, 2, NormInit.TEACHER, 0, false));
        var gains = assertThrows(IllegalArgumentException.class,
                () -> new StudentInit.Request(InitMethod.random, 8, null, null, NormInit.TEACHER, 0, true));
        assertTrue(gains.getMessage().contains("--norm-init teacher needs a channel selection"), gains.getMessage());
        var proj = assertThrows(IllegalArgumentException.class,
                () -> new StudentInit.Request(InitMethod.minitron, 8, null, null, NormInit.TEACHER, 0, true));
        assertTrue(proj.getMessage().contains("use --trainable all"), proj.getMessage());
        // what each method can build passes
        new StudentInit.Request(InitMethod.minitron, 8, 12, 2, NormInit.TEACHER, 0, false);
        new StudentInit.Request(InitMethod.random, 8, null, null, NormInit.ONES, 0, true);
        new StudentInit.Request(InitMethod.red, 8, null, null, NormInit.ONES, 0, true);
    }

    /** What trains: the projection student when there is one and projections train, else a flat copy of the weights. */
    @Test
    void toStudentGivesTheProjectionStudentOrAFlatCopyOfTheWeights() throws IOException {
        StudentInit.Built projected = build(InitMethod.red, 8, null, null, true);
        assertTrue(projected.toStudent(true, be) instanceof ProjectionStudent);
        Student folded = projected.toStudent(false, be);     // every weight of the folded student trains
        FullStudent f = assertInstanceOf(FullStudent.class, folded);
        assertArrayEquals(projected.channels(), f.keptChannels());
        assertEquals(projected.weights().asMap().keySet(), f.model().parameters().asMap().keySet());
        for (String name : projected.weights().asMap().keySet()) {
            assertArrayEquals(be.downloadFloats(projected.weights().get(name)),
                    be.downloadFloats(f.model().parameters().get(name)), name);
        }
        StudentInit.Built pruned = build(InitMethod.red, 8, null, null, false);   // no projection student was built
        assertInstanceOf(FullStudent.class, pruned.toStudent(true, be));
    }
}
