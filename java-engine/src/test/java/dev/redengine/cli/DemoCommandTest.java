package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import dev.redengine.eval.ChainCorpus;
import dev.redengine.eval.ChainTask;
import dev.redengine.eval.DepthRange;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.model.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * demo end to end on a tiny random chain teacher (d 32, 2 layers, the chain tokenizer): the report's layout, the
 * teacher's row against eval and analyze (independent paths), a red student's step 0 against prune's folder,
 * determinism, and the error when no teacher is found.
 */
class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path teacher;
    static JsonNode report;
    static Path reportDir;

    @TempDir
    Path tmp;

    /**
     * A tiny Llama over the chain tokenizer (d 32, 2 layers) trained for a few steps on depth 1-2 problems with one
     * distractor (what its chain_task.json says): enough to learn the format (a digit, then EOS) but not the task,
     * so it answers some problems right and the comparisons of accuracy with eval can fail.
     */
    static Path tinyTeacher(Path root) throws IOException {
        Path init = root.resolve("init"), dir = root.resolve("teacher"), data = root.resolve("chain.jsonl");
        ChainModelFolder.create(init, 32, 64, 2, 2, 1, 16, 128);
        StringBuilder lines = new StringBuilder();
        for (var doc : new ChainCorpus(new ChainTask(1, false), new DepthRange(1, 2)).documents(1000, 200)) {
            lines.append(JSON.createObjectNode().put("text", doc.text())).append('\n');
        }
        Files.writeString(data, lines);
        ok(List.of("train", "--model", init.toString(), "--from-scratch", "--data", data.toString(), "--seq-len", "32",
                "--steps", "60", "--batch", "8", "--lr", "1e-2", "--threads", "2", "--out", dir.toString()));
        Files.writeString(dir.resolve("chain_task.json"),
                "{\"distractors\": 1, \"shuffle\": false, \"train_depths\": \"1-2\", \"train_seed\": 1000}");
        return dir;
    }

    /** The test's tiny settings; extra "--opt", "value" pairs replace a base option of the same name. */
    static List<String> demoArgs(Path teacher, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("demo", "--teacher", teacher.toString(), "--widths", "0.5", "--steps", "2",
                "--batch", "2", "--seq-len", "32", "--n", "15", "--depths", "1-2", "--lr", "1e-2", "--threads", "2", "--seed", "5"));
        if (out != null) {
            a.addAll(List.of("--out", out.toString()));
        }
        for (int i = 0; i < extra.length; i += 2) {
            int at = a.indexOf(extra[i]);
            if (at >= 0) {
                a.set(at + 1, extra[i + 1]);
            } else {
                a.addAll(List.of(extra[i], extra[i + 1]));
            }
        }
        return a;
    }

    static CliTest.Result ok(List<String> args) {
        CliTest.Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    @BeforeAll
    static void runTheDemoOnce() throws IOException {
        teacher = tinyTeacher(shared);
        reportDir = shared.resolve("report");
        ok(demoArgs(teacher, reportDir));
        report = JSON.readTree(reportDir.resolve("report.json").toFile());
    }

    @Test
    void everyModelHasAccuracyByDepthAndErankAtStartAndEnd() {
        JsonNode models = report.get("models");
        assertEquals(List.of("teacher", "red-0.5", "random-0.5"), names(models));
        for (JsonNode m : models) {
            for (String when : new String[]{"start", "end"}) {
                JsonNode acc = m.get("accuracy_by_depth").get(when);
                assertEquals(2, acc.size(), m.get("name") + " " + when);
                for (String d : new String[]{"1", "2"}) {
                    double a = acc.get(d).asDouble();
                    assertTrue(a >= 0 && a <= 1 && Math.abs(a * 15 - Math.rint(a * 15)) < 1e-9, "an accuracy out of 15: " + a);
                }
                JsonNode e = m.get("erank").get(when);
                assertEquals(3, e.size(), "L + 1 hidden states");
                e.forEach(v -> assertTrue(v.asDouble() >= 1 && v.asDouble() <= m.get("hidden_size").asInt(), v.toString()));
                assertTrue(m.get("val_ce").get(when).asDouble() > 0);
            }
        }
        assertEquals(16, models.get(1).get("hidden_size").asInt());
        // the random teacher answers some problems right, so the comparisons of accuracy with eval can fail
        assertTrue(models.get(0).get("accuracy_by_depth").get("start").toString().matches(".*:0\\.[1-9].*"), models.get(0).toString());
        assertEquals(models.get(0).get("accuracy_by_depth").get("start"), models.get(0).get("accuracy_by_depth").get("end"),
                "the teacher is not trained");
        // the students did train: some number moved
        for (JsonNode m : List.of(models.get(1), models.get(2))) {
            assertTrue(!m.get("erank").get("start").equals(m.get("erank").get("end"))
                    && m.get("val_ce").get("start").asDouble() != m.get("val_ce").get("end").asDouble(), m.toString());
        }
        assertEquals(1, report.get("settings").get("distractors").asInt(), "from the teacher's chain_task.json");
        assertEquals(2 * 2 * 32, report.get("settings").get("tokens_per_student").asInt());
    }

    @Test
    void writesTheMarkdownAndThePlots() throws IOException {
        String md = Files.readString(reportDir.resolve("report.md"));
        assertTrue(md.contains("| red-0.5 | 16 |") && md.contains("| random-0.5 | end |"), md);
        for (String png : new String[]{"accuracy_by_depth.png", "accuracy_start.png", "erank.png"}) {
            byte[] head = Files.readAllBytes(reportDir.resolve(png));
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png);
        }
    }

    /** The teacher's row by other commands: eval --task chain (accuracy) and analyze on the first validation batch (eRank). */
    @Test
    void theTeacherRowIsWhatEvalAndAnalyzeGive() throws IOException {
        JsonNode t = report.get("models").get(0);
        assertEquals(t.get("accuracy_by_depth").get("start"), evalAccuracy(teacher));
        assertErankClose(t.get("erank").get("start"), analyzeErank(teacher));
    }

    /** A red student at step 0 is prune --method red's folder for the same calibration text. */
    @Test
    void aRedStudentAtStepZeroIsPrunesOutput() throws IOException {
        JsonNode settings = report.get("settings");
        CalibrationSet calib = chainText(settings.get("calibration_seed").asLong(), settings.get("calibration_sequences").asInt());
        Path calibFile = tmp.resolve("calib.safetensors"), pruned = tmp.resolve("red-16");
        write(calibFile, calib);
        ok(List.of("prune", "--model", teacher.toString(), "--method", "red", "--hidden-size", "16", "--calib",
                calibFile.toString(), "--batch", Integer.toString(DemoCommand.CALIB_BATCH), "--out", pruned.toString()));
        JsonNode red = report.get("models").get(1);
        assertEquals(red.get("accuracy_by_depth").get("start"), evalAccuracy(pruned));
        assertErankClose(red.get("erank").get("start"), analyzeErank(pruned));
    }

    @Test
    void theSameSeedGivesTheSameNumbers() throws IOException {
        Path again = tmp.resolve("again");
        ok(demoArgs(teacher, again));
        JsonNode second = JSON.readTree(again.resolve("report.json").toFile());
        for (int i = 0; i < 3; i++) {
            ObjectNode a = (ObjectNode) report.get("models").get(i).deepCopy(), b = (ObjectNode) second.get("models").get(i).deepCopy();
            a.remove("seconds");
            b.remove("seconds");
            // bit for bit, eRank included: every sum of lanes is added in a fixed order (GramKernel.sumLanes)
            assertEquals(a, b);
        }
    }

    @Test
    void theTableShowsEveryModel() {
        CliTest.Result r = ok(demoArgs(teacher, null, "--inits", "magnitude", "--widths", "0.25"));
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).contains("depth 1") && lines.get(0).contains("mean eRank"), lines.get(0));
        assertTrue(lines.get(1).startsWith("teacher") && lines.get(2).startsWith("magnitude-0.25"), r.out());
        assertTrue(lines.get(2).contains("->"), lines.get(2));
    }

    @Test
    void noTeacherFoundNamesThePlacesLookedAndSuggestsTheOption() {
        CliTest.Result r = run("demo", "--steps", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: no teacher: looked for models/chain-teacher") && r.err().contains("pass --teacher DIR"),
                r.err());
        assertTrue(r.err().contains(Path.of("").toAbsolutePath().resolve("models/chain-teacher").toString()), r.err());
    }

    @Test
    void helpShowsTheDefaults() {
        CliTest.Result r = run("demo", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(default: " + DemoCommand.STEPS + ")") && r.out().contains("default: " + DemoCommand.WIDTHS)
                && r.out().contains("--device=DEVICE") && r.out().contains("report.json"), r.out());
    }

    @Test
    void badOptionsAreRefusedBeforeAnyWork() {
        for (String[] bad : new String[][]{{"--widths", "1.5", "every width must be in (0, 1]"},
                {"--inits", "red,best", "Invalid value for option '--inits'"}, {"--steps", "0", "--steps must be >= 1"},
                {"--seed", "1000", "overlap the teacher's training problems"}}) {
            List<String> args = demoArgs(teacher, tmp.resolve("x"), bad[0], bad[1]);
            CliTest.Result r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(bad[2]), r.err());
        }
    }

    private static List<String> names(JsonNode models) {
        List<String> n = new ArrayList<>();
        models.forEach(m -> n.add(m.get("name").asText()));
        return n;
    }

    /** Without --distractors, eval asks the problems of the model's chain_task.json (1 distractor here, not 2). */
    @Test
    void evalTakesTheDistractorsFromTheModelsChainTaskJson() throws IOException {
        JsonNode s = report.get("settings");
        Path implicit = tmp.resolve("implicit.json"), two = tmp.resolve("two.json");
        ok(List.of("eval", "--model", teacher.toString(), "--task", "chain", "--depths", "1-2", "--n", "15",
                "--seed", s.get("eval_seed").asText(), "--out", implicit.toString(), "--threads", "2"));
        ok(List.of("eval", "--model", teacher.toString(), "--task", "chain", "--depths", "1-2", "--n", "15", "--distractors", "2",
                "--seed", s.get("eval_seed").asText(), "--out", two.toString(), "--threads", "2"));
        JsonNode a = JSON.readTree(implicit.toFile()), b = JSON.readTree(two.toFile());
        assertEquals(1, a.get("distractors").asInt());
        assertEquals(2, b.get("distractors").asInt());
        ObjectNode acc = JSON.createObjectNode();
        a.get("models").get(0).get("depths").forEach(d -> acc.put(d.get("depth").asText(), d.get("accuracy").asDouble()));
        assertEquals(evalAccuracy(teacher), acc, "the same problems as --distractors 1");
    }

    /** eval --task chain's accuracy by depth in the report's layout ({"1": acc, "2": acc}). */
    private JsonNode evalAccuracy(Path model) throws IOException {
        Path out = tmp.resolve("eval-" + model.getFileName() + ".json");
        JsonNode s = report.get("settings");
        ok(List.of("eval", "--model", model.toString(), "--task", "chain", "--depths", "1-2", "--n", "15", "--distractors", "1",
                "--seed", s.get("eval_seed").asText(), "--out", out.toString(), "--threads", "2"));
        ObjectNode acc = JSON.createObjectNode();
        JSON.readTree(out.toFile()).get("models").get(0).get("depths")
                .forEach(d -> acc.put(d.get("depth").asText(), d.get("accuracy").asDouble()));
        return acc;
    }

    /** analyze's RED eRank per hidden state over the first validation batch. */
    private JsonNode analyzeErank(Path model) throws IOException {
        JsonNode s = report.get("settings");
        CalibrationSet val = chainText(s.get("validation_seed").asLong(), s.get("validation_sequences").asInt());
        int[][] firstBatch = new int[s.get("batch").asInt()][];
        for (int i = 0; i < firstBatch.length; i++) {
            firstBatch[i] = val.sequence(i);
        }
        Path ids = tmp.resolve("val-" + model.getFileName() + ".safetensors"), out = tmp.resolve("analyze-" + model.getFileName() + ".json");
        write(ids, new CalibrationSet(firstBatch, "first validation batch"));
        ok(List.of("analyze", "--model", model.toString(), "--calib", ids.toString(), "--out", out.toString(), "--threads", "2"));
        List<Double> e = new ArrayList<>();
        JSON.readTree(out.toFile()).get("models").get(0).get("layers").forEach(l -> e.add(l.get("erank_red").asDouble()));
        return JSON.valueToTree(e);
    }

    /**
     * A teacher whose chain_task.json names a loss mask, extra queries and one program per row: the students are
     * distilled on such rows, and val CE counts the masked positions only (the teacher's row is checked against Perplexity
     * over them, which differs from the unmasked value on the same text).
     */
    @Test
    void aMaskedTeachersQueriesAndMaskReachTheRun() throws Exception {
        Path masked = tmp.resolve("masked");
        Files.createDirectories(masked);
        try (var files = Files.list(teacher)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, masked.resolve(f.getFileName()));
            }
        }
        Files.writeString(masked.resolve("chain_task.json"), "{\"distractors\": 1, \"shuffle\": false, \"train_depths\": \"1-2\", "
                + "\"train_seed\": 1000, \"train_queries\": 3, \"train_rows\": true, \"loss_after\": \"?\", \"loss_span\": 2}");
        Path out = tmp.resolve("masked-report");
        ok(demoArgs(masked, out, "--seq-len", "48"));
        JsonNode r = JSON.readTree(out.resolve("report.json").toFile()), s = r.get("settings");
        assertEquals(3, s.get("train_queries").asInt());
        assertTrue(s.get("rows").asBoolean());
        assertEquals("after token 39, span 2", s.get("loss_mask").asText());
        try (HfTokenizer tok = HfTokenizer.load(masked); var be = new dev.redengine.backend.cpu.CpuBackend(2)) {
            ModelConfig config = ModelConfig.load(masked);
            CalibrationSet val = new ChainCorpus(new ChainTask(1, false), new DepthRange(1, 2), 3).rows(
                    s.get("validation_seed").asLong(), s.get("validation_sequences").asInt(), s.get("seq_len").asInt(), tok,
                    CalibrationLoader.eosId(masked, config, tok).orElseThrow(), config.vocabSize());
            var lm = dev.redengine.io.HfModelReader.load(masked, be);
            double want = dev.redengine.eval.Perplexity.of(lm, val, s.get("batch").asInt(),
                    dev.redengine.model.LossMask.after(39, 2)).meanLoss();
            double all = dev.redengine.eval.Perplexity.of(lm, val, s.get("batch").asInt()).meanLoss();
            double got = r.get("models").get(0).get("val_ce").get("start").asDouble();
            assertEquals(want, got, 1e-5 * want);
            assertTrue(Math.abs(all - want) > 1e-3, all + " vs " + want);
        }
    }

    /** The demo's chain text for a seed: training depths and distractors of the teacher's chain_task.json. */
    private static CalibrationSet chainText(long seed, int sequences) throws IOException {
        try (HfTokenizer tok = HfTokenizer.load(teacher)) {
            ModelConfig config = ModelConfig.load(teacher);
            OptionalInt eos = CalibrationLoader.eosId(teacher, config, tok);
            return new ChainCorpus(new ChainTask(1, false), new DepthRange(1, 2))
                    .sequences(seed, sequences, report.get("settings").get("seq_len").asInt(), tok, eos, config.vocabSize());
        }
    }

    private static void write(Path file, CalibrationSet set) throws IOException {
        new SafetensorsWriter().addI32("input_ids", set.flat(), set.numSequences(), set.seqLen()).write(file);
    }

    private static void assertErankClose(JsonNode expected, JsonNode actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i).asDouble(), a = actual.get(i).asDouble();
            assertEquals(e, a, 1e-4 * Math.abs(e), "hidden state " + i);
        }
    }
}
