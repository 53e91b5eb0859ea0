package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.train.AdamW;
import dev.redengine.train.LmTrainer;
import dev.redengine.train.LrSchedule;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelWriter;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** Next-token training of a plain model with AdamW; the result is an HF folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model on next-token prediction (AdamW, linear warmup and decay, gradient clipping).",
                "--data is read like --calib of prune (safetensors input_ids, or .jsonl/.txt tokenised with the",
                "model folder's tokenizer.json and packed into sequences of --seq-len tokens)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder: its weights, or with --from-scratch only its config.json and tokenizer.")
    Path model;

    @Option(names = "--from-scratch", description = "Start from random weights: N(0, initializer_range^2), norm gains 1, biases 0.")
    boolean fromScratch;

    @Option(names = "--data", required = true, description = "Training data (see above).")
    Path data;

    @Option(names = "--seq-len", required = true, description = "Tokens per sequence.")
    int seqLen;

    @Option(names = "--samples", description = "Use only the first N sequences of the data.")
    Integer samples;

    @Option(names = "--steps", required = true, description = "Optimiser steps.")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "0.05", description = "Warmup, as a fraction of --steps (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clipping, 0 = off (default: ${DEFAULT-VALUE}).")
    float clip;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialisation and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--log-every", defaultValue = "10", description = "Read back and print the loss (mean since the last print) every N steps; the only host sync of the loop (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--out", required = true, description = "Output HF folder (written atomically file by file, with trainer_state.json).")
    Path out;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        // every option is checked before the backend is opened or the model built
        Checks.positive("--steps", steps);
        Checks.positive("--batch", batch);
        Checks.positive("--seq-len", seqLen);
        Checks.positive("--samples", samples);
        Checks.positive("--log-every", logEvery);
        Checks.finitePositive("--lr", lr);
        Checks.fraction("--warmup", warmup);
        Checks.finiteNonNegative("--weight-decay", weightDecay);
        Checks.finiteNonNegative("--clip", clip);
        Checks.inputFile("--data", data);
        Checks.outputFolder("--out", out);
        ModelConfig config = ModelConfig.load(model);
        if (seqLen > config.maxPositions()) {
            throw new IllegalArgumentException("--seq-len " + seqLen + " exceeds the model's max_position_embeddings = "
                    + config.maxPositions());
        }
        backend.validate();
        PrintWriter log = spec.commandLine().getErr();
        try (Backend be = backend.open()) {
            CausalLM lm = fromScratch ? new CausalLM(config, RandomInit.forTraining(be, config, seed), be)
                    : HfModelReader.load(model, be);
            CalibrationSet set = CalibrationLoader.load(data, model, config, samples, seqLen);
            if (set.numSequences() < batch) {
                throw new IllegalArgumentException("--data gives " + set.numSequences() + " sequences, fewer than --batch " + batch);
            }
            LrSchedule schedule = new LrSchedule(lr, (int) Math.round(warmup * steps), steps, 0.1);
            LmTrainer trainer = new LmTrainer(lm, new AdamW.Settings(0.9f, 0.95f, 1e-8f, weightDecay, clip), schedule,
                    batch, seqLen);
            ObjectNode state = new ObjectMapper().createObjectNode();
            ArrayNode history = state.putArray("log");
            int[] order = shuffled(set.numSequences(), new SplittableRandom(seed));
            int cursor = 0;
            long start = System.nanoTime();
            for (int s = 1; s <= steps; s++) {
                int[] ids = new int[batch * seqLen];
                for (int b = 0; b < batch; b++) {
                    if (cursor == order.length) {
                        order = shuffled(order.length, new SplittableRandom(seed + s));
                        cursor = 0;
                    }
                    System.arraycopy(set.sequence(order[cursor++]), 0, ids, b * seqLen, seqLen);
                }
                trainer.step(ids);
                if (s % logEvery == 0 || s == 1 || s == steps) {
                    LmTrainer.Metrics st = trainer.read(); // the only host read: loss averaged since the last one
                    double secs = (System.nanoTime() - start) / 1e9;
                    log.printf("step %5d/%d  loss %.4f  grad norm %.3f  lr %.2e  %.0f tokens/s%n", s, steps, st.loss(),
                            st.gradNorm(), st.lr(), (double) s * batch * seqLen / secs);
                    history.addObject().put("step", s).put("loss", st.loss()).put("grad_norm", st.gradNorm()).put("lr", st.lr());
                }
            }
            state.put("steps", steps).put("batch", batch).put("seq_len", seqLen).put("lr", lr).put("seed", seed)
                    .put("data", data.toString()).put("from_scratch", fromScratch);
            HfModelWriter.write(out, config, lm.parameters(), be, model);
            AtomicFiles.writeString(out.resolve("trainer_state.json"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(state) + "\n");
            log.printf("wrote %s%n", out);
        }
        return 0;
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
