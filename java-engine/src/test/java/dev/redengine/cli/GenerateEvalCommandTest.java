package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.HfTokenizer;
import dev.redengine.eval.AnswerScoring;
import dev.redengine.generate.KvCacheGenerationTest;
import dev.redengine.io.HfModelReader;
import dev.redengine.model.CausalLM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** generate and eval in-process on models/tiny-arith: outputs against the uncached reference, reports, and errors. */
class GenerateEvalCommandTest {
    static final Path MODEL = KvCacheGenerationTest.TINY_ARITH;
    static final String PROMPT = "Q: 50-6-66=? A:";

    @TempDir
    Path tmp;

    /** What greedy decoding must print: the full-forward reference, cut before EOS (264) and after max tokens. */
    static String referenceContinuation(String prompt, int maxTokens) throws Exception {
        try (CpuBackend be = new CpuBackend(2); HfTokenizer tok = HfTokenizer.load(MODEL)) {
            CausalLM lm = HfModelReader.load(MODEL, be);
            List<Integer> ids = KvCacheGenerationTest.greedyByFullForward(lm, tok.encode(prompt), maxTokens, new ArrayList<>());
            int eos = ids.indexOf(264);
            List<Integer> kept = eos < 0 ? ids : ids.subList(0, eos);
            return tok.decode(kept.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void generatePrintsTheGreedyContinuation() throws Exception {
        CliTest.Result r = run("generate", "--model", MODEL.toString(), "--prompt", PROMPT, "--max-tokens", "30", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(referenceContinuation(PROMPT, 30) + System.lineSeparator(), r.out());
        assertTrue(r.err().contains("generated"), r.err());
    }

    @Test
    void seededSamplingRepeats() {
        String[] args = {"generate", "--model", MODEL.toString(), "--prompt", PROMPT, "--max-tokens", "20",
                "--temperature", "1.5", "--top-k", "40", "--top-p", "0.95", "--seed", "3"};
        CliTest.Result a = run(args), b = run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        args[args.length - 1] = "4";
        assertNotEquals(a.out(), run(args).out(), "another seed");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--max-tokens|0|--max-tokens must be >= 1",
            "--temperature|-1|--temperature must be a finite number >= 0",
            "--top-p|1.5|--top-p must be in (0, 1]",
            "--top-k|-2|--top-k must be >= 0",
            "--threads|0|--threads must be >= 1"})
    void generateRefusesBadOptions(String flag, String value, String message) {
        CliTest.Result r = run("generate", "--model", MODEL.toString(), "--prompt", PROMPT, flag, value);
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void generateRefusesAFolderWithoutAModel() {
        CliTest.Result r = run("generate", "--model", tmp.toString(), "--prompt", PROMPT);
        assertEquals(2, r.code());
        assertEquals("error: --model " + tmp + " has no config.json", r.err().strip());
    }

    @Test
    void evalChainWritesTableReportAndPlot() throws Exception {
        Path out = tmp.resolve("report.json"), png = tmp.resolve("acc.png");
        CliTest.Result r = run("eval", "--model", MODEL.toString(), "--task", "chain", "--depths", "1-2", "--n", "4",
                "--out", out.toString(), "--plot", png.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("depth  correct  accuracy"), r.out());
        JsonNode report = new ObjectMapper().readTree(out.toFile());
        JsonNode depths = report.get("models").get(0).get("depths");
        assertEquals(2, depths.size());
        for (JsonNode d : depths) {
            assertEquals(4, d.get("n").asInt());
            double acc = d.get("correct").asInt() / 4.0;
            assertEquals(acc, d.get("accuracy").asDouble(), 1e-12);
            assertTrue(d.get("low").asDouble() <= acc && acc <= d.get("high").asDouble());
        }
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
    }

    @Test
    void evalPerplexityOnTheHeldOutProblems() throws Exception {
        Path out = tmp.resolve("ppl.json");
        CliTest.Result r = run("eval", "--model", MODEL.toString(), "--task", "ppl", "--data",
                MODEL.resolve("arith-calib.jsonl").toString(), "--samples", "6", "--seq-len", "48", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode m = new ObjectMapper().readTree(out.toFile()).get("models").get(0);
        assertEquals(6 * 47, m.get("tokens").asInt());
        assertEquals(Math.exp(m.get("mean_loss").asDouble()), m.get("perplexity").asDouble(), 1e-9);
        // the card: training loss 1.08 nats per token on problems of the same kind (a uniform guess would be 320)
        assertTrue(m.get("perplexity").asDouble() > 1.5 && m.get("perplexity").asDouble() < 6, r.out());
    }

    /** One question answered with the model's own final number (right) and one with that number + 1 (wrong). */
    @Test
    void evalJsonlScoresTheFinalNumber() throws Exception {
        String said = AnswerScoring.finalNumber(referenceContinuation(PROMPT, 64)).orElseThrow();
        String wrong = Long.toString(Long.parseLong(said) + 1);
        Path data = tmp.resolve("qa.jsonl"), out = tmp.resolve("qa.json");
        Files.writeString(data, "{\"question\": \"" + PROMPT + "\", \"answer\": \"" + said + "\"}\n\n"
                + "{\"question\": \"" + PROMPT + "\", \"answer\": " + wrong + "}\n");
        CliTest.Result r = run("eval", "--model", MODEL.toString(), "--task", "jsonl", "--data", data.toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode m = new ObjectMapper().readTree(out.toFile()).get("models").get(0);
        assertEquals(1, m.get("correct").asInt());
        assertEquals(2, m.get("n").asInt());
        assertTrue(m.get("items").get(0).get("correct").asBoolean());
        assertTrue(r.out().contains("exact match 1/2"), r.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--task ppl|--task ppl needs --data FILE",
            "--task chain --depths 0-3|--depths: depths must lie in 1-20",
            "--task chain --depths x|--depths: expected a depth or a range",
            "--task chain --n 0|--n must be >= 1",
            "--task chain --depths 1-20 --distractors 6|--depths up to 20 with --distractors 6 needs 27 variables",
            "--task chain --plot acc.jpg|--plot acc.jpg: only PNG is written",
            "--task jsonl --data nope.jsonl|--data: no such file: nope.jsonl",
            "--task ppl --data pom.xml --plot a.png|--plot draws accuracy by depth",
            "--task nonsense|Invalid value for option '--task'"})
    void evalRefusesBadOptions(String flags, String message) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", MODEL.toString()));
        args.addAll(List.of(flags.split(" ")));
        CliTest.Result r = run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
