package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.compress.NormInit;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.TrainValSplit;
import dev.redengine.distill.Distiller;
import dev.redengine.distill.InitMethod;
import dev.redengine.distill.LossTerm;
import dev.redengine.distill.LossWeights;
import dev.redengine.distill.Student;
import dev.redengine.distill.StudentInit;
import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.TrainingPlots;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.HfModelWriter;
import dev.redengine.io.OutputFolder;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.train.AdamW;
import dev.redengine.model.LossMask;
import dev.redengine.train.Checkpoint;
import dev.redengine.train.DataOrder;
import dev.redengine.train.LrSchedule;
import dev.redengine.train.MetricsLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Knowledge distillation of a teacher into a narrower student built as {@code prune} builds it: the loop of
 * {@link Distiller}, checkpoints with exact resume, metrics.jsonl with eRank along the run, plots.
 */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil a teacher into a narrower student and write the student as a plain HF folder.",
                "The student at step 0 is what prune writes for the same --init, --hidden-size, --ffn-size, --heads, "
                        + "--norm-init, --seed and calibration options.",
                "--trainable projections (the default for red, random, orthogonal) trains only the projections W^p "
                        + "and the RMSNorm gains, the teacher's weights frozen, as LRC and RED do; --trainable all "
                        + "(the default for magnitude and minitron) trains every weight of the student, as Minitron does.",
                "--out gets config.json, model.safetensors and the tokenizer files of the student, metrics.jsonl "
                        + "(one row per step), trainer_state.json, selection.json for channel-selecting inits, "
                        + "checkpoints/step-N with --save-every (step-0: the student as built) or --stop-after, and loss.png and erank.png with --plot."})
final class DistillCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    enum Trainable { projections, all }

    @Option(names = "--teacher", required = true, description = "Teacher: HF model folder (its tokenizer.json tokenises text data).")
    Path teacherDir;

    @Option(names = "--init", defaultValue = "red", description = "How the student starts: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); see prune --help.")
    InitMethod init;

    @Option(names = "--hidden-size", required = true, description = "Student residual width d'.")
    int hiddenSize;

    @Option(names = "--ffn-size", description = "minitron only: FFN neurons to keep per layer (default: all).")
    Integer ffnSize;

    @Option(names = "--heads", description = "minitron only: query heads to keep per layer (default: all).")
    Integer heads;

    @Option(names = "--norm-init", description = "Student RMSNorm gains: teacher (default for red, magnitude, minitron) or ones (LRC; the default for random, orthogonal).")
    String normInit;

    @Option(names = "--trainable", description = "projections or all (default: projections for red, random, orthogonal; all for magnitude, minitron).")
    Trainable trainable;

    @Option(names = "--calib", description = "Calibration data for red and minitron (as prune --calib).")
    Path calib;

    @Option(names = "--calib-samples", description = "Calibration sequences, as prune --samples.")
    Integer calibSamples;

    @Option(names = "--calib-seq-len", description = "Calibration tokens per sequence, as prune --seq-len.")
    Integer calibSeqLen;

    @Option(names = "--calib-batch", defaultValue = "4", description = "Calibration sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int calibBatch;

    @Option(names = "--data", required = true, description = "Training data: .safetensors input_ids [N, T], or .jsonl/.txt tokenised with the teacher's tokenizer.json and packed into --seq-len tokens.")
    Path data;

    @Option(names = "--samples", description = "Use only the first N sequences of --data.")
    Integer samples;

    @Option(names = "--val-fraction", defaultValue = "0.1", description = "Share of the sequences held out for validation, chosen by --seed (default: ${DEFAULT-VALUE}; 0 = none).")
    double valFraction;

    @Option(names = "--eval-every", defaultValue = "50", description = "Validation loss every K steps and at the end; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--loss", description = "Weighted loss terms, e.g. kl=1,ce=0.5 (each a mean over tokens; the loss is their weighted sum). "
            + "ce: next-token cross-entropy; kl: T^2 KL(teacher||student) at --temperature; rkl: T^2 KL(student||teacher); "
            + "clone: LRC's activation clone loss, the mean over layers and over q, k, v, gate, up, attention output and MLP output "
            + "of the per-token mean squared error against the teacher's (the outputs mapped by the layer's projections; projection students only); "
            + "hidden_mse / hidden_cos: mean over hidden states of the MSE / 1 - cosine between the student's and the teacher's mapped "
            + "by the embedding projection (or the kept channels of a pruned student). "
            + "Default: kl=1,ce=1,clone=1 for projection students (LRC's loss, which RED trains with), kl=1,ce=1 for --trainable all.")
    String loss;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Softmax temperature of kl and rkl (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--steps", required = true, description = "Optimiser steps (they fix the learning-rate schedule).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(names = "--seq-len", required = true, description = "Tokens per sequence.")
    int seqLen;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "0.05", description = "Linear warmup, as a fraction of --steps (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--schedule", defaultValue = "linear", description = "Decay after warmup to 0.1 x --lr: linear or cosine (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW decoupled weight decay on matrices, not on gains or biases (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clipping, 0 = off (default: ${DEFAULT-VALUE}).")
    float clip;

    @Mixin
    LossMaskOptions lossMask;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of projections, validation split and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--log-every", defaultValue = "10", description = "Read the metrics back every N steps: a log line and metrics.jsonl rows (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--erank-every", defaultValue = "50", description = "eRank of the student's hidden states on a fixed validation batch every K steps, at step 0 (with the teacher's) and at the end; 0 = off (default: ${DEFAULT-VALUE}).")
    int erankEvery;

    @Option(names = "--plot", description = "Write loss.png and erank.png into --out at the end.")
    boolean plot;

    @Option(names = "--skip-nonfinite", description = "Skip a step whose loss or gradient is NaN or infinite (counted in metrics.jsonl as skipped_steps) instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--save-every", defaultValue = "0", description = "Checkpoint under --out/checkpoints/step-N every N steps and at the end; 0 = none (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--keep-checkpoints", defaultValue = "0", description = "Keep only the newest N checkpoints; 0 = all (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--stop-after", description = "End this invocation after N steps with a checkpoint (continue with --resume).")
    Integer stopAfter;

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under --out/checkpoints up to --steps; the arguments must be the run's own. "
            + "With the same --threads the result is bit-identical to an uninterrupted run.")
    boolean resume;

    @Option(names = "--out", required = true, description = "Output folder: checkpoints and metrics.jsonl go there while the run goes; "
            + "the final student is built beside it and the whole folder swapped in at the end. Must not be or hold an input.")
    Path out;

    @Option(names = "--overwrite", description = "Replace a non-empty --out (its old checkpoints are removed when the run starts).")
    boolean overwrite;

    @Mixin
    BackendOptions backend;

    private static final ObjectMapper JSON = new ObjectMapper();

    private NormInit gains() {
        return normInit != null ? NormInit.parse(normInit) : StudentInit.defaultGains(init);
    }

    private boolean projections() {
        return trainable != null ? trainable == Trainable.projections : init.projectionByDefault();
    }

    private LossWeights lossWeights() {
        return loss != null ? LossWeights.parse(loss) : LossWeights.defaultFor(projections());
    }

    private LrSchedule.Decay decay() {
        return switch (schedule) {
            case "linear" -> LrSchedule.Decay.LINEAR;
            case "cosine" -> LrSchedule.Decay.COSINE;
            default -> throw new IllegalArgumentException("--schedule must be linear or cosine, got " + schedule);
        };
    }

    /** The arguments that fix the result: a checkpoint records them and --resume must match them. */
    private ObjectNode runArgs() {
        ObjectNode a = JSON.createObjectNode();
        a.put("teacher", teacherDir.toAbsolutePath().normalize().toString()).put("init", init.name())
                .put("hidden_size", hiddenSize).put("ffn_size", ffnSize == null ? -1 : ffnSize)
                .put("heads", heads == null ? -1 : heads).put("norm_init", gains().name().toLowerCase())
                .put("trainable", projections() ? "projections" : "all")
                .put("calib", calib == null ? "" : calib.toAbsolutePath().normalize().toString())
                .put("calib_samples", calibSamples == null ? -1 : calibSamples)
                .put("calib_seq_len", calibSeqLen == null ? -1 : calibSeqLen).put("calib_batch", calibBatch)
                .put("data", data.toAbsolutePath().normalize().toString()).put("samples", samples == null ? -1 : samples)
                .put("val_fraction", valFraction).put("loss", lossWeights().toString()).put("temperature", (double) temperature)
                .put("steps", steps).put("batch", batch).put("grad_accum", gradAccum).put("seq_len", seqLen).put("lr", lr)
                .put("warmup", warmup).put("schedule", schedule).put("weight_decay", (double) weightDecay)
                .put("clip", (double) clip).put("seed", seed).put("skip_nonfinite", skipNonFinite);
        lossMask.record(a);
        return a;
    }

    /** The student to build; its constructor refuses the combinations of flags no method can build. */
    private StudentInit.Request request() {
        return new StudentInit.Request(init, hiddenSize, ffnSize, heads, gains(), seed, projections());
    }

    private void validate() {
        Checks.positive("--hidden-size", hiddenSize);
        Checks.positive("--ffn-size", ffnSize);
        Checks.positive("--heads", heads);
        Checks.positive("--steps", steps);
        Checks.positive("--batch", batch);
        Checks.positive("--grad-accum", gradAccum);
        Checks.positive("--seq-len", seqLen);
        Checks.positive("--samples", samples);
        Checks.positive("--log-every", logEvery);
        Checks.positive("--calib-samples", calibSamples);
        Checks.positive("--calib-seq-len", calibSeqLen);
        Checks.positive("--calib-batch", calibBatch);
        Checks.positive("--stop-after", stopAfter);
        Checks.finitePositive("--lr", lr);
        Checks.finitePositive("--temperature", temperature);
        Checks.fraction("--warmup", warmup);
        Checks.finiteNonNegative("--weight-decay", weightDecay);
        Checks.finiteNonNegative("--clip", clip);
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        Checks.nonNegative("--eval-every", evalEvery);
        Checks.nonNegative("--erank-every", erankEvery);
        Checks.nonNegative("--save-every", saveEvery);
        Checks.nonNegative("--keep-checkpoints", keepCheckpoints);
        request();
        if (init.calibrates()) {
            if (calib == null) {
                throw new IllegalArgumentException("--init " + init + " needs --calib FILE (activation statistics)");
            }
            Checks.inputFile("--calib", calib);
        } else if (calib != null || calibSamples != null || calibSeqLen != null) {
            throw new IllegalArgumentException("--calib, --calib-samples and --calib-seq-len apply to --init red and minitron only; --init "
                    + init + " reads no calibration data");
        }
        lossWeights();
        decay();
        Checks.inputFile("--data", data);
        // a resume continues in the folder of its checkpoints, so that folder is expected to be non-empty
        OutputFolder.check("--out", out, overwrite || resume, java.util.Arrays.asList(teacherDir, data, calib));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        ModelConfig config = ModelConfig.load(teacherDir);
        if (seqLen > config.maxPositions()) {
            throw new IllegalArgumentException("--seq-len " + seqLen + " exceeds the teacher's max_position_embeddings = "
                    + config.maxPositions());
        }
        if (hiddenSize > config.hiddenSize()) {
            throw new IllegalArgumentException("--hidden-size " + hiddenSize + " must be in [1, " + config.hiddenSize() + "]");
        }
        backend.validate();
        PrintWriter log = spec.commandLine().getErr();
        LossWeights weights = lossWeights();
        try (Backend be = backend.open()) {
            CalibrationSet set = CalibrationLoader.load(data, teacherDir, config, samples, seqLen);
            LossMask mask = lossMask.mask(teacherDir);
            lossMask.requireInEverySequence(mask, set, "--data");
            TrainValSplit split = TrainValSplit.of(set, valFraction, seed, batch, gradAccum);
            CausalLM teacher = HfModelReader.load(teacherDir, be);
            StudentInit.Built built = StudentInit.build(request(), teacher,
                    () -> CalibrationLoader.load(calib, teacherDir, config, calibSamples, calibSeqLen), calibBatch);
            Student student = built.toStudent(projections(), be);
            LrSchedule lrs = new LrSchedule(lr, (int) Math.round(warmup * steps), steps, 0.1, decay());
            Distiller distiller = new Distiller(teacher, student,
                    new Distiller.Settings(weights, temperature, gradAccum, skipNonFinite, mask),
                    new AdamW.Settings(0.9f, 0.95f, 1e-8f, weightDecay, clip), lrs, batch, seqLen, logEvery);
            log.printf("teacher %s: d %d, %d layers; student d %d, ffn %d, heads %d; %s init, trainable %s (%,d parameters); "
                            + "loss %s; %d training and %d validation sequences of %d tokens%n",
                    teacherDir, config.hiddenSize(), config.numLayers(), built.config().hiddenSize(),
                    built.config().intermediateSize(), built.config().numHeads(), init, projections() ? "projections" : "all",
                    student.trainable().count(), weights, split.train().length, split.validation().size() * batch, seqLen);
            run(be, config, built, student, distiller, split, weights, log);
        }
        return 0;
    }

    private void run(Backend be, ModelConfig teacherConfig, StudentInit.Built built, Student student, Distiller distiller,
                     TrainValSplit split, LossWeights weights, PrintWriter log) throws Exception {
        Path checkpoints = out.resolve("checkpoints");
        Files.createDirectories(out);
        EffectiveRank erank = EffectiveRank.cpu();
        int[] erankIds = split.erankBatch();
        DataOrder order = new DataOrder(split.train().length, seed);
        int first = 1;
        ObjectNode runLog = JSON.createObjectNode();
        MetricsLog metrics;
        if (resume) {
            Path from = Checkpoint.newest(checkpoints).orElseThrow(() -> new IllegalArgumentException(
                    "--resume: no complete checkpoint under " + checkpoints));
            Checkpoint.State st = Checkpoint.load(from, runArgs(), student.trainable(), distiller.optimizer(), be);
            order = new DataOrder(split.train().length, seed, st.data());
            first = st.step() + 1;
            runLog = (ObjectNode) st.log();
            distiller.resumedAt(st.step(), runLog.path("skipped_steps").asInt());
            metrics = MetricsLog.resume(out.resolve("metrics.jsonl"), st.step());
            log.printf("resumed from %s%n", from);
        } else {
            // checkpoints of an earlier run in this folder must not be resumed from, nor kept beside this run's
            OutputFolder.deleteTree(checkpoints);
            metrics = MetricsLog.create(out.resolve("metrics.jsonl"));
            ObjectNode row0 = JSON.createObjectNode().put("step", 0);
            if (!split.validation().isEmpty()) {
                Distiller.Validation v = distiller.validate(split.validation());
                putValidation(row0, v);
                row0.put("teacher_val_ce", v.teacherCe());
            }
            if (erankEvery > 0) {
                putArray(row0.putArray("erank"), distiller.studentErank(erankIds, erank));
                putArray(row0.putArray("teacher_erank"), distiller.teacherErank(erankIds, erank));
            }
            metrics.append(List.of(row0));
            if (saveEvery > 0) {   // the student as built: what prune writes for the same arguments
                Checkpoint.save(checkpoints, new Checkpoint.State(0, order.position(), runArgs(), runLog), built.config(),
                        student.model().parameters(), student.trainable(), distiller.optimizer(), be, keepCheckpoints);
            }
            log.printf("step 0 (before training):%s%s%n",
                    row0.has("val_ce") ? String.format(" val ce %.4f (teacher's %.4f), val kl %.4f;", row0.get("val_ce").asDouble(),
                            row0.get("teacher_val_ce").asDouble(), row0.get("val_kl").asDouble()) : "",
                    row0.has("erank") ? " eRank per hidden state " + round(row0.get("erank")) + ", teacher's " + round(row0.get("teacher_erank")) : "");
        }
        int last = stopAfter == null ? steps : Math.min(steps, first - 1 + stopAfter);
        long start = System.nanoTime();
        int tokens = distiller.tokensPerStep();
        int[] ids = new int[tokens];
        try (metrics; Progress progress = new Progress("distill", log, first, steps)) {
            for (int s = first; s <= last; s++) {
                for (int b = 0; b < batch * gradAccum; b++) {
                    System.arraycopy(split.train()[order.next(s)], 0, ids, b * seqLen, seqLen);
                }
                distiller.step(ids);
                boolean end = s == steps || s == last;
                boolean save = (saveEvery > 0 && (s % saveEvery == 0 || s == steps)) || (stopAfter != null && s == last && s < steps);
                boolean validate = !split.validation().isEmpty() && ((evalEvery > 0 && s % evalEvery == 0) || s == steps);
                boolean ranks = erankEvery > 0 && (s % erankEvery == 0 || s == steps);
                if (s % logEvery != 0 && !end && !save && !validate && !ranks) {
                    continue;
                }
                List<Distiller.StepMetrics> rows = distiller.read();   // the host sync of the loop
                double secs = (System.nanoTime() - start) / 1e9;
                double tokensPerSecond = (double) (s - first + 1) * tokens / secs;
                List<ObjectNode> json = new ArrayList<>();
                for (Distiller.StepMetrics m : rows) {
                    ObjectNode r = JSON.createObjectNode().put("step", m.step());
                    putFinite(r, "loss", m.loss());
                    m.terms().forEach((t, v) -> putFinite(r, t.key(), v));
                    r.put("lr", m.lr());
                    putFinite(r, "grad_norm", m.gradNorm());
                    r.put("tokens_per_s", tokensPerSecond);
                    if (skipNonFinite) {
                        r.put("skipped", m.skipped()).put("skipped_steps", m.skippedSoFar());
                    }
                    json.add(r);
                }
                ObjectNode now = json.getLast();
                if (validate) {
                    putValidation(now, distiller.validate(split.validation()));
                }
                if (ranks) {
                    putArray(now.putArray("erank"), distiller.studentErank(erankIds, erank));
                }
                metrics.append(json);
                if (skipNonFinite) {
                    runLog.put("skipped_steps", rows.getLast().skippedSoFar());
                }
                progress.step(s, summary(rows.getLast(), now), rows.getLast().loss(), tokensPerSecond);
                if (save) {
                    student.beginStep();   // the checkpoint's model.safetensors holds the current weights
                    Path dir = Checkpoint.save(checkpoints, new Checkpoint.State(s, order.position(), runArgs(), runLog),
                            built.config(), student.model().parameters(), student.trainable(), distiller.optimizer(), be,
                            keepCheckpoints);
                    progress.note("checkpoint " + dir);
                }
            }
        }
        List<String> keys = weights.terms().stream().map(LossTerm::key).toList();
        if (last < steps) {
            if (plot) {
                writePlots(out, metrics, keys);
            }
            log.printf("stopped after step %d of %d; continue with --resume%n", last, steps);
            return;
        }
        student.beginStep();
        // the final folder is built beside --out and swapped in whole, carrying the run's checkpoints and metrics
        // over (hard links), so --out is at every moment either the old folder or the new one, and resumable
        try (OutputFolder folder = OutputFolder.begin("--out", out)) {
            Path dir = folder.dir();
            HfModelWriter.write(dir, built.config(), student.model().parameters(), be, teacherDir);
            if (built.selection() != null) {
                AtomicFiles.writeString(dir.resolve("selection.json"),
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(built.selection()) + "\n");
            }
            ObjectNode state = JSON.createObjectNode();
            state.set("args", runArgs());
            state.set("final", metrics.rows().getLast());
            AtomicFiles.writeString(dir.resolve("trainer_state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state) + "\n");
            if (plot) {
                writePlots(dir, metrics, keys);
            }
            folder.carryOver("metrics.jsonl");
            folder.carryOver("checkpoints");
            folder.commit();
        }
        log.printf("wrote %s%n", out);
    }

    private static void writePlots(Path dir, MetricsLog metrics, List<String> keys) throws java.io.IOException {
        TrainingPlots.writeLoss(dir.resolve("loss.png"), metrics.rows(), keys);
        TrainingPlots.writeErank(dir.resolve("erank.png"), metrics.rows());
    }

    private static String summary(Distiller.StepMetrics m, ObjectNode row) {
        StringBuilder b = new StringBuilder(String.format("loss %.4f (", m.loss()));
        m.terms().forEach((t, v) -> b.append(t.key()).append(' ').append(String.format("%.4f", v)).append(", "));
        b.setLength(b.length() - 2);
        b.append(String.format(")  grad norm %.3f  lr %.2e", m.gradNorm(), m.lr()));
        if (row.has("val_ce")) {
            b.append(String.format("  val ce %.4f", row.get("val_ce").asDouble()));
        }
        if (m.skippedSoFar() > 0) {
            b.append("  skipped ").append(m.skippedSoFar());
        }
        return b.toString();
    }

    private static String round(JsonNode values) {
        List<String> r = new ArrayList<>();
        values.forEach(v -> r.add(String.format("%.1f", v.asDouble())));
        return String.join(" / ", r);
    }

    /** A number, or null for NaN and infinities (a skipped step's): JSON has no literal for them. */
    private static void putFinite(ObjectNode row, String key, double v) {
        if (Double.isFinite(v)) {
            row.put(key, v);
        } else {
            row.putNull(key);
        }
    }

    private static void putValidation(ObjectNode row, Distiller.Validation v) {
        row.put("val_loss", v.ce()).put("val_ce", v.ce()).put("val_kl", v.kl());
    }

    private static void putArray(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }
}
