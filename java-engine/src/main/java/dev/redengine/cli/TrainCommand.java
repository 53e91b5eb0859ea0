package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.train.AdamW;
import dev.redengine.train.Checkpoint;
import dev.redengine.train.DataOrder;
import dev.redengine.train.LmTrainer;
import dev.redengine.train.LrSchedule;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelWriter;
import dev.redengine.io.OutputFolder;
import dev.redengine.model.CausalLM;
import dev.redengine.model.LossMask;
import dev.redengine.model.MemoryEstimate;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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

    @Mixin
    LossMaskOptions lossMask;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialisation and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--log-every", defaultValue = "10", description = "Read back and print the loss (mean since the last print) every N steps; the only host sync of the loop (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--out", required = true, description = "Output HF folder with trainer_state.json, put in place whole at the end "
            + "(checkpoints go to --out/checkpoints while the run goes). Must not be or hold an input.")
    Path out;

    @Option(names = "--overwrite", description = "Replace a non-empty --out (its old checkpoints are removed when the run starts).")
    boolean overwrite;

    @Option(names = "--save-every", defaultValue = "0", description = "Write a checkpoint under --out/checkpoints/step-N every N steps and at the end; 0 = none (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--keep-checkpoints", defaultValue = "0", description = "Keep only the newest N checkpoints; 0 = all (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--stop-after", description = "End this invocation after N steps with a checkpoint (continue later with --resume).")
    Integer stopAfter;

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under --out/checkpoints, up to --steps. "
            + "The other arguments must be those of the run that wrote it; with the same --threads the result is the one an uninterrupted run gives.")
    boolean resume;

    @Mixin
    BackendOptions backend;

    /** The arguments that fix a run's result: a checkpoint records them and --resume must match them. */
    private ObjectNode runArgs() {
        ObjectNode a = new ObjectMapper().createObjectNode();
        a.put("model", model.toAbsolutePath().normalize().toString()).put("from_scratch", fromScratch)
                .put("data", data.toAbsolutePath().normalize().toString()).put("seq_len", seqLen)
                .put("samples", samples == null ? -1 : samples).put("steps", steps).put("batch", batch).put("lr", lr)
                .put("warmup", warmup).put("weight_decay", (double) weightDecay).put("clip", (double) clip).put("seed", seed);
        lossMask.record(a);
        return a;
    }

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
        // a resume continues in the folder of its checkpoints, so that folder is expected to be non-empty
        OutputFolder.check("--out", out, overwrite || resume, List.of(model, data));
        ModelConfig config = ModelConfig.load(model);
        if (seqLen > config.maxPositions()) {
            throw new IllegalArgumentException("--seq-len " + seqLen + " exceeds the model's max_position_embeddings = "
                    + config.maxPositions());
        }
        if (saveEvery < 0 || keepCheckpoints < 0) {
            throw new IllegalArgumentException("--save-every and --keep-checkpoints must be >= 0 (0: none, all)");
        }
        Checks.positive("--stop-after", stopAfter);
        backend.validate();
        backend.requireHostMemory("training at --batch " + batch + " --seq-len " + seqLen + " (see `info`)",
                MemoryEstimate.of(config, batch, seqLen).trainingBytes(), "use a smaller --batch or --seq-len");
        Path checkpoints = out.resolve("checkpoints");
        PrintWriter log = spec.commandLine().getErr();
        try (Backend be = backend.open()) {
            CausalLM lm = fromScratch ? new CausalLM(config, RandomInit.forTraining(be, config, seed), be)
                    : HfModelReader.load(model, be);
            CalibrationSet set = CalibrationLoader.load(data, model, config, samples, seqLen);
            if (set.numSequences() < batch) {
                throw new IllegalArgumentException("--data gives " + set.numSequences() + " sequences, fewer than --batch " + batch);
            }
            LossMask mask = lossMask.mask(model);
            lossMask.requireInEverySequence(mask, set, "--data");
            LrSchedule schedule = new LrSchedule(lr, (int) Math.round(warmup * steps), steps, 0.1);
            LmTrainer trainer = new LmTrainer(lm, new AdamW.Settings(0.9f, 0.95f, 1e-8f, weightDecay, clip), schedule,
                    batch, seqLen);
            ObjectNode state = new ObjectMapper().createObjectNode();
            ArrayNode history = state.putArray("log");
            DataOrder order = new DataOrder(set.numSequences(), seed);
            int first = 1;
            if (!resume) {
                // checkpoints of an earlier run in this folder must not be resumed from, nor kept beside this run's
                OutputFolder.deleteTree(checkpoints);
            } else {
                Path from = Checkpoint.newest(checkpoints).orElseThrow(() -> new IllegalArgumentException(
                        "--resume: no complete checkpoint under " + checkpoints));
                Checkpoint.State st = Checkpoint.load(from, runArgs(), trainer, be);
                order = new DataOrder(set.numSequences(), seed, st.data());
                st.log().forEach(history::add);
                first = st.step() + 1;
                log.printf("resumed from %s%n", from);
            }
            int last = stopAfter == null ? steps : Math.min(steps, first - 1 + stopAfter);
            long start = System.nanoTime();
            for (int s = first; s <= last; s++) {
                int[] ids = new int[batch * seqLen];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(set.sequence(order.next(s)), 0, ids, b * seqLen, seqLen);
                }
                trainer.step(ids, mask);
                boolean save = (saveEvery > 0 && (s % saveEvery == 0 || s == steps)) || (stopAfter != null && s == last);
                // a checkpoint also reads the metrics, so that it holds no loss sum half-way through a log interval
                if (s % logEvery == 0 || s == first || s == last || save) {
                    LmTrainer.Metrics st = trainer.read(); // the only host read: loss averaged since the last one
                    double secs = (System.nanoTime() - start) / 1e9;
                    log.printf("step %5d/%d  loss %.4f  grad norm %.3f  lr %.2e  %.0f tokens/s%n", s, steps, st.loss(),
                            st.gradNorm(), st.lr(), (double) (s - first + 1) * batch * seqLen / secs);
                    history.addObject().put("step", s).put("loss", st.loss()).put("grad_norm", st.gradNorm()).put("lr", st.lr());
                }
                if (save) {
                    Path dir = Checkpoint.save(checkpoints, new Checkpoint.State(s, order.position(), runArgs(), history),
                            config, trainer, be, keepCheckpoints);
                    log.printf("checkpoint %s%n", dir);
                }
            }
            if (last < steps) {
                log.printf("stopped after step %d of %d; continue with --resume%n", last, steps);
                return 0;
            }
            state.put("steps", steps).put("batch", batch).put("seq_len", seqLen).put("lr", lr).put("seed", seed)
                    .put("data", data.toString()).put("from_scratch", fromScratch);
            lossMask.record(state);
            // the final folder is built beside --out and swapped in whole, carrying this run's checkpoints over
            // (hard links), so --out is at every moment either the old folder or the new one, and resumable
            try (OutputFolder folder = OutputFolder.begin("--out", out)) {
                HfModelWriter.write(folder.dir(), config, lm.parameters(), be, model);
                AtomicFiles.writeString(folder.dir().resolve("trainer_state.json"),
                        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(state) + "\n");
                folder.carryOver("checkpoints");
                folder.commit();
            }
            log.printf("wrote %s%n", out);
        }
        return 0;
    }
}
