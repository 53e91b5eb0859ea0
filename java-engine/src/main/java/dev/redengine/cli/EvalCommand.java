package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import dev.redengine.eval.AccuracyPlot;
import dev.redengine.eval.AnswerScoring;
import dev.redengine.eval.ChainEvaluation;
import dev.redengine.eval.ChainTask;
import dev.redengine.eval.ChainTaskSettings;
import dev.redengine.eval.DepthAccuracy;
import dev.redengine.eval.DepthRange;
import dev.redengine.eval.Perplexity;
import dev.redengine.eval.QuestionAnswer;
import dev.redengine.eval.WilsonInterval;
import dev.redengine.generate.EndOfSequence;
import dev.redengine.generate.Generator;
import dev.redengine.generate.SamplingSettings;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelReader;
import dev.redengine.model.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** Scores models: accuracy by depth on the chain task, perplexity on text, exact match on question/answer pairs. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate models (repeat --model to compare them).",
                "--task chain: exact-match accuracy by depth on the variable-binding chain task (greedy), with 95% Wilson",
                "  intervals; the problems are those of tools/make_chain_task.py for the same --seed and settings.",
                "--task ppl: perplexity on --data (read like train's --data, packed into --seq-len sequences).",
                "--task jsonl: --data lines {\"question\": ..., \"answer\": ...}; the question is continued greedily and",
                "  the final number of the output must equal the answer's final number."})
final class EvalCommand implements Callable<Integer> {

    enum Task { chain, ppl, jsonl }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder; repeat to compare models.")
    List<Path> models;

    @Option(names = "--task", required = true, description = "chain, ppl or jsonl.")
    Task task;

    @Option(names = "--depths", defaultValue = "1-8", description = "chain: depths, e.g. 1-8 or 3 (default: ${DEFAULT-VALUE}).")
    String depths;

    @Option(names = "--n", defaultValue = "100", description = "chain: problems per depth (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--distractors", description = "chain: distractor statements per problem (default: the first model's "
            + "chain_task.json, else 2).")
    Integer distractors;

    @Option(names = "--max-step", description = "chain: k of +k/-k drawn from 1..N (default: the first model's chain_task.json, else 9).")
    Integer maxStep;

    @Option(names = "--shuffle", description = "chain: statements in random order (else every variable is defined before it is read).")
    boolean shuffle;

    @Option(names = "--seed", defaultValue = "0", description = "chain: seed of the problems (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "ppl: .jsonl/.txt/.safetensors as train's --data; jsonl: question/answer lines.")
    Path data;

    @Option(names = "--seq-len", defaultValue = "64", description = "ppl: tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--samples", description = "ppl: only the first N sequences.")
    Integer samples;

    @Option(names = "--batch", defaultValue = "8", description = "ppl: sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--max-tokens", defaultValue = "64", description = "jsonl: most tokens generated per question (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--out", description = "Write the results as JSON here.")
    Path out;

    @Option(names = "--plot", description = "chain: accuracy-by-depth PNG, one line per model.")
    Path plot;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        DepthRange range = validate();
        PrintWriter stdout = spec.commandLine().getOut();
        ObjectNode report = new ObjectMapper().createObjectNode().put("task", task.name());
        ArrayNode results = report.putArray("models");
        Map<String, List<DepthAccuracy>> curves = new LinkedHashMap<>();
        try (Backend be = backend.open()) {
            for (Path model : models) {
                CausalLM lm = HfModelReader.load(model, be);
                ObjectNode r = results.addObject().put("model", model.toString());
                switch (task) {
                    case chain -> curves.put(model.toString(), chain(model, lm, range, r, stdout));
                    case ppl -> perplexity(model, lm, r, stdout);
                    case jsonl -> questions(model, lm, r, stdout);
                }
            }
        }
        if (task == Task.chain) {
            report.put("seed", seed).put("distractors", distractors).put("max_step", maxStep).put("shuffle", shuffle).put("n", n);
        }
        if (out != null) {
            AtomicFiles.write(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report)
                    .getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getErr().println("wrote " + out);
        }
        if (plot != null) {
            AccuracyPlot.write(plot, curves);
            spec.commandLine().getErr().println("wrote " + plot);
        }
        return 0;
    }

    /** Every option checked before a model is loaded; returns the parsed depths. */
    private DepthRange validate() throws java.io.IOException {
        DepthRange range;
        try {
            range = DepthRange.parse(depths);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--depths: " + e.getMessage());
        }
        Checks.positive("--n", n);
        // unset: the task the first model was trained on (models/chain-teacher: 0 distractors, steps up to 3)
        ChainTaskSettings trained = task == Task.chain && Files.isDirectory(models.getFirst())
                ? ChainTaskSettings.read(models.getFirst()) : ChainTaskSettings.DEFAULTS;
        if (distractors == null) {
            distractors = trained.distractors();
        }
        if (maxStep == null) {
            maxStep = trained.maxStep();
        }
        if (maxStep < 1 || maxStep > ChainTask.DEFAULT_MAX_STEP) {
            throw new IllegalArgumentException("--max-step must be in [1, 9], got " + maxStep);
        }
        if (distractors < 0) {
            throw new IllegalArgumentException("--distractors must be >= 0, got " + distractors);
        }
        if (task == Task.chain && range.to() + 1 + distractors > 26) {
            throw new IllegalArgumentException("--depths up to " + range.to() + " with --distractors " + distractors
                    + " needs " + (range.to() + 1 + distractors) + " variables; the task has 26 letters");
        }
        Checks.positive("--seq-len", seqLen);
        Checks.positive("--samples", samples);
        Checks.positive("--batch", batch);
        Checks.positive("--max-tokens", maxTokens);
        if (task == Task.chain && data != null) {
            throw new IllegalArgumentException("--data is not read by --task chain (its problems are generated from --seed)");
        }
        if (task != Task.chain) {
            if (data == null) {
                throw new IllegalArgumentException("--task " + task + " needs --data FILE");
            }
            Checks.inputFile("--data", data);
            if (plot != null) {
                throw new IllegalArgumentException("--plot draws accuracy by depth: only --task chain has one");
            }
        }
        for (Path m : models) {
            if (task == Task.ppl) {
                Checks.modelFolderWithConfig("--model", m);
            } else {
                Checks.modelFolder("--model", m);
            }
        }
        if (out != null) {
            Checks.outputFile("--out", out);
        }
        if (plot != null) {
            Checks.pngFile("--plot", plot);
        }
        backend.validate();
        return range;
    }

    private List<DepthAccuracy> chain(Path model, CausalLM lm, DepthRange range, ObjectNode r, PrintWriter stdout) throws Exception {
        ChainTask chainTask = new ChainTask(distractors, shuffle, maxStep);
        try (HfTokenizer tok = HfTokenizer.load(model)) {
            GreedyChainAnswerer.checkTokenizer("--model " + model, tok, chainTask, seed, range.to());
            List<DepthAccuracy> rows = ChainEvaluation.run(chainTask, seed, range.from(), range.to(), n,
                    new GreedyChainAnswerer(lm, tok, EndOfSequence.ids(model)));
            stdout.printf("%s: chain task, %d problems per depth, %d distractors, steps up to %d%s, seed %d%n", model, n,
                    distractors, maxStep, shuffle ? ", shuffled" : "", seed);
            stdout.printf("  depth  correct  accuracy  95%% interval%n");
            ArrayNode a = r.putArray("depths");
            for (DepthAccuracy d : rows) {
                stdout.printf(Locale.ROOT, "  %5d  %7s  %8.3f  [%.3f, %.3f]%n", d.depth(), d.correct() + "/" + d.n(),
                        d.accuracy(), d.low(), d.high());
                a.addObject().put("depth", d.depth()).put("correct", d.correct()).put("n", d.n())
                        .put("accuracy", d.accuracy()).put("low", d.low()).put("high", d.high());
            }
            return rows;
        }
    }


    private void perplexity(Path model, CausalLM lm, ObjectNode r, PrintWriter stdout) throws Exception {
        CalibrationSet set = CalibrationLoader.load(data, model, lm.config(), samples, seqLen);
        Perplexity.Result p = Perplexity.of(lm, set, batch);
        stdout.printf(Locale.ROOT, "%s: perplexity %.4f (cross-entropy %.4f nats/token over %d tokens, %d sequences of %d)%n",
                model, p.perplexity(), p.meanLoss(), p.tokens(), set.numSequences(), set.seqLen());
        r.put("perplexity", p.perplexity()).put("mean_loss", p.meanLoss()).put("tokens", p.tokens())
                .put("sequences", set.numSequences()).put("seq_len", set.seqLen());
    }

    private void questions(Path model, CausalLM lm, ObjectNode r, PrintWriter stdout) throws Exception {
        List<QuestionAnswer> qa = QuestionAnswer.read(data);
        try (HfTokenizer tok = HfTokenizer.load(model)) {
            Generator g = new Generator(lm, EndOfSequence.ids(model));
            ArrayNode items = r.putArray("items");
            int correct = 0;
            for (QuestionAnswer q : qa) {
                List<Integer> ids = g.generate(GreedyChainAnswerer.encode(tok, q.question()), maxTokens, SamplingSettings.GREEDY, id -> { });
                String output = tok.decode(IntStream.range(0, ids.size()).map(ids::get).toArray());
                boolean ok = AnswerScoring.finalNumberCorrect(output, q.answer());
                correct += ok ? 1 : 0;
                items.addObject().put("question", q.question()).put("answer", q.answer()).put("output", output).put("correct", ok);
            }
            WilsonInterval w = WilsonInterval.of(correct, qa.size());
            double acc = (double) correct / qa.size();
            stdout.printf(Locale.ROOT, "%s: exact match %d/%d = %.3f, 95%% interval [%.3f, %.3f]%n", model, correct, qa.size(),
                    acc, w.low(), w.high());
            r.put("correct", correct).put("n", qa.size()).put("accuracy", acc).put("low", w.low()).put("high", w.high());
        }
    }
}
