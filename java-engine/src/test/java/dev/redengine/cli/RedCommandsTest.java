package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.ActivationStatistics;
import dev.redengine.compress.CalibrationRun;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.distill.LowRankStudent;
import dev.redengine.distill.ProjectionInit;
import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.Matrix;
import dev.redengine.io.HfModelReader;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.StreamSupport;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** analyze and prune end to end on the HF fixtures, checked against the library pieces they stand on. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedCommandsTest {
    static final List<String> ALL = Fixtures.ALL;
    static final List<String> TEACHERS = Fixtures.WITH_GRADIENTS;
    private final CpuBackend be = new CpuBackend(2);   // per instance (one instance per class: PER_CLASS)
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @AfterAll
    void close() {
        be.close();
    }

    private Path golden(String name) {
        return Fixtures.dir(name).resolve("golden.safetensors");
    }

    private float[] logits(CausalLM lm, int[] ids, int batch, int seqLen) {
        Activations a = lm.allocateActivations(batch, seqLen);
        lm.setInput(a, ids);
        lm.forward(a);
        return be.downloadFloats(a.logits);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("ALL")
    void analyzeReportsGoldenEffectiveRanks(String name) throws Exception {
        Path out = tmp.resolve("report.json"), png = tmp.resolve("erank.png");
        CliTest.Result r = run("analyze", "--model", Fixtures.dir(name).toString(), "--calib", golden(name).toString(),
                "--out", out.toString(), "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode report = JSON.readTree(out.toFile()).get("models").get(0);
        JsonNode gold = JSON.readTree(Fixtures.dir(name).resolve("golden.json").toFile()).get("erank_red_hidden_all_tokens");
        assertEquals(gold.size(), report.get("layers").size());
        for (int i = 0; i < gold.size(); i++) {
            JsonNode l = report.get("layers").get(i);
            assertEquals(i, l.get("layer").asInt());
            assertEquals(gold.get(i).asDouble(), l.get("erank_red").asDouble(), 1e-4 * gold.get(i).asDouble(), name + " hidden." + i);
            assertTrue(l.get("erank_rv").asDouble() >= 1 && l.get("distinguishability").asDouble() < 1 && l.get("rms").asDouble() > 0);
        }
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG");
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TEACHERS")
    void redPruneIsTheStepZeroStudentAndItsSelection(String name) throws Exception {
        Path out = tmp.resolve("red");
        CliTest.Result r = run("prune", "--model", Fixtures.dir(name).toString(), "--method", "red", "--hidden-size", "40",
                "--calib", golden(name).toString(), "--batch", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        CausalLM teacher = HfModelReader.load(Fixtures.dir(name), be);
        ModelConfig c = teacher.config();
        ActivationStatistics stats = CalibrationRun.statistics(teacher,
                CalibrationLoader.load(golden(name), Fixtures.dir(name), c, null, null), 2);
        JsonNode sel = JSON.readTree(out.resolve("selection.json").toFile());
        int[] channels = StreamSupport.stream(sel.get("channels").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        assertEquals("red", sel.get("method").asText());
        assertArrayEquals(ChannelSelection.topK(stats.redImportance(), 40), channels);
        assertEquals(c.hiddenSize(), sel.get("importance").size());

        CausalLM pruned = HfModelReader.load(out, be);
        assertEquals(40, pruned.config().hiddenSize());
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"head_dim\" : 16"));
        LowRankStudent student = new LowRankStudent(c, teacher.parameters(), 40, new ProjectionInit.Selection(channels),
                NormInit.TEACHER, 0, be);
        Fixtures.assertSameParameters(be, student.folded(), pruned.parameters());
        int[] ids = new SplittableRandom(4).ints(2 * 10, 0, c.vocabSize()).toArray();
        float[] want = logits(new CausalLM(student.studentConfig(), student.folded(), be), ids, 2, 10);
        assertEquals(0.0, Fixtures.maxDiff(want, logits(pruned, ids, 2, 10)), Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(want),
                "pruned folder = step-0 student");
    }

    @Test
    void magnitudeSelectsByWeightNorms() throws Exception {
        Path out = tmp.resolve("mag");
        CliTest.Result r = run("prune", "--model", Fixtures.dir("tiny-llama").toString(), "--method", "magnitude",
                "--hidden-size", "32", "--norm-init", "ones", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        CausalLM teacher = HfModelReader.load(Fixtures.dir("tiny-llama"), be);
        JsonNode sel = JSON.readTree(out.resolve("selection.json").toFile());
        int[] channels = StreamSupport.stream(sel.get("channels").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        assertArrayEquals(ChannelSelection.topK(MagnitudeImportance.of(teacher.config(), teacher.parameters(), be), 32), channels);
        Parameters p = HfModelReader.load(out, be).parameters();
        assertEquals(1f, be.downloadFloats(p.get("model.norm.weight"))[5]);
    }

    @Test
    void randomPruneIsTheFoldedLrcStudent() throws Exception {
        Path out = tmp.resolve("rand");
        assertEquals(0, run("prune", "--model", Fixtures.dir("tiny-llama-tied").toString(), "--method", "random",
                "--hidden-size", "24", "--seed", "7", "--out", out.toString()).code());
        CausalLM teacher = HfModelReader.load(Fixtures.dir("tiny-llama-tied"), be);
        LowRankStudent s = new LowRankStudent(teacher.config(), teacher.parameters(), 24, ProjectionInit.Random.LRC,
                NormInit.ONES, 7, be);
        CausalLM back = HfModelReader.load(out, be);
        Fixtures.assertSameParameters(be, s.folded(), back.parameters());
        int[] ids = new SplittableRandom(1).ints(12, 0, 320).toArray();
        float[] want = logits(new CausalLM(s.studentConfig(), s.folded(), be), ids, 1, 12);
        assertEquals(0.0, Fixtures.maxDiff(want, logits(back, ids, 1, 12)), Fixtures.SAME_MODEL_TOLERANCE * Fixtures.maxAbs(want));
        assertTrue(Files.notExists(out.resolve("selection.json")));
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"tie_word_embeddings\" : true"));
    }

    @Test
    void minitronPrunesChannelsNeuronsAndHeads() throws Exception {
        Path out = tmp.resolve("mini");
        CliTest.Result r = run("prune", "--model", Fixtures.dir("tiny-qwen2").toString(), "--method", "minitron",
                "--hidden-size", "48", "--ffn-size", "96", "--heads", "2", "--calib", golden("tiny-qwen2").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        CausalLM m = HfModelReader.load(out, be);
        assertEquals(48, m.config().hiddenSize());
        assertEquals(96, m.config().intermediateSize());
        assertEquals(2, m.config().numHeads());
        assertEquals(2, m.config().numKvHeads());
        JsonNode sel = JSON.readTree(out.resolve("selection.json").toFile());
        assertEquals(2, sel.get("heads").size());
        assertEquals(96, sel.get("ffn_neurons").get(1).size());
        // the folder is the teacher pruned by the plan it reports (WidthPruner has its own oracle test)
        CausalLM teacher = HfModelReader.load(Fixtures.dir("tiny-qwen2"), be);
        int layers = teacher.config().numLayers();
        int[] channels = StreamSupport.stream(sel.get("channels").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        int[][] neurons = new int[layers][], heads = new int[layers][];
        for (int i = 0; i < layers; i++) {
            neurons[i] = StreamSupport.stream(sel.get("ffn_neurons").get(i).spliterator(), false).mapToInt(JsonNode::asInt).toArray();
            heads[i] = StreamSupport.stream(sel.get("heads").get(i).spliterator(), false).mapToInt(JsonNode::asInt).toArray();
            assertEquals(96, neurons[i].length);
            assertEquals(2, heads[i].length);
        }
        assertEquals(48, channels.length);
        var expected = dev.redengine.compress.WidthPruner.prune(teacher.config(), teacher.parameters(),
                new dev.redengine.compress.WidthPruner.Plan(channels, neurons, heads), NormInit.TEACHER, be);
        Fixtures.assertSameParameters(be, expected.parameters(), m.parameters());
    }

    @Test
    void redToolsOnTheModelRedEngineTrained() throws Exception {
        Path model = Path.of(System.getProperty("redengine.models", "../models")).resolve("tiny-arith");
        Path calib = model.resolve("arith-calib.jsonl"), out = tmp.resolve("red-64"), report = tmp.resolve("r.json");
        CliTest.Result r = run("prune", "--model", model.toString(), "--method", "red", "--hidden-size", "64",
                "--calib", calib.toString(), "--samples", "15", "--seq-len", "64", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("tokenizer.json")), "tokenizer copied");
        JsonNode sel = JSON.readTree(out.resolve("selection.json").toFile());
        assertEquals(15, sel.get("calibration_sequences").asInt());
        assertEquals(15 * 64, sel.get("calibration_tokens").asInt());
        r = run("analyze", "--model", model.toString(), "--model", out.toString(), "--calib", calib.toString(),
                "--samples", "15", "--seq-len", "64", "--out", report.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode models = JSON.readTree(report.toFile()).get("models");
        assertEquals(2, models.size());
        int[] width = {128, 64};
        Path[] dirs = {model, out};
        for (int i = 0; i < 2; i++) {
            JsonNode m = models.get(i);
            assertEquals(960, m.get("tokens").asInt());
            assertEquals(5, m.get("layers").size());
            // analyze gathers the hidden states batch by batch (4 sequences per pass); here all 15 in one pass
            CausalLM lm = HfModelReader.load(dirs[i], be);
            CalibrationSet set = CalibrationLoader.load(calib, dirs[i], lm.config(), 15, 64);
            Activations a = lm.allocateActivations(15, 64);
            lm.setInput(a, set.flat());
            lm.forward(a);
            for (int l = 0; l < 5; l++) {
                Matrix h = new Matrix(be.downloadFloats(a.hidden(l)), 960, width[i]);
                double want = EffectiveRank.cpu().compute(h, EffectiveRank.Definition.RED);
                assertEquals(want, m.get("layers").get(l).get("erank_red").asDouble(), 1e-6 * want, m.get("model") + " layer " + l);
            }
        }
    }

    @Test
    void badOptionsAreClearErrors() {
        String teacher = Fixtures.dir("tiny-llama").toString(), out = tmp.resolve("x").toString();
        CliTest.Result noCalib = run("prune", "--model", teacher, "--method", "red", "--hidden-size", "32", "--out", out);
        assertEquals(2, noCalib.code());
        assertTrue(noCalib.err().contains("--calib"), noCalib.err());
        CliTest.Result ffn = run("prune", "--model", teacher, "--method", "red", "--hidden-size", "32", "--ffn-size", "8",
                "--calib", golden("tiny-llama").toString(), "--out", out);
        assertTrue(ffn.code() == 2 && ffn.err().contains("minitron only"), ffn.err());
        CliTest.Result wide = run("prune", "--model", teacher, "--method", "magnitude", "--hidden-size", "65", "--out", out);
        assertTrue(wide.code() == 2 && wide.err().contains("[1, 64]"), wide.err());
        CliTest.Result gains = run("prune", "--model", teacher, "--method", "orthogonal", "--hidden-size", "32",
                "--norm-init", "teacher", "--out", out);
        assertTrue(gains.code() == 2 && gains.err().contains("ones"), gains.err());
        CliTest.Result heads = run("prune", "--model", teacher, "--method", "minitron", "--hidden-size", "32", "--heads", "3",
                "--calib", golden("tiny-llama").toString(), "--out", out);
        assertTrue(heads.code() == 2 && heads.err().contains("multiple of num_key_value_heads"), heads.err());
    }
}
