package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.HfTokenizer;
import dev.redengine.distill.InitMethod;
import dev.redengine.distill.LossWeights;
import dev.redengine.eval.ChainCorpus;
import dev.redengine.eval.ChainTask;
import dev.redengine.eval.ChainTaskSettings;
import dev.redengine.eval.DepthRange;
import dev.redengine.generate.EndOfSequence;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.OutputFolder;
import dev.redengine.model.CausalLM;
import dev.redengine.model.LossMask;
import dev.redengine.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * The demonstration of RED on the chain task, with no arguments: the shipped teacher, students at half width
 * initialised red and random, each distilled for the same tokens, accuracy by depth and eRank per hidden state at
 * step 0 and at the end (see {@link ChainDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil the shipped chain teacher (models/chain-teacher) into narrower students and compare them:",
                "accuracy by depth on the chain task and eRank per hidden state, for the teacher and for every student at "
                        + "step 0 and after distillation, every student for the same tokens (--steps x --batch x --seq-len).",
                "The students are built as distill builds them (red and minitron calibrated on chain text); the training, "
                        + "calibration, validation and evaluation problems are generated in memory from four seeds derived "
                        + "from --seed, apart from each other and from the teacher's training seed.",
                "With no arguments it runs on the CPU in a few minutes; larger settings by flags (--device for a GPU).",
                "Prints a table; --out DIR gets report.json, report.md, accuracy_by_depth.png, accuracy_start.png and erank.png."})
final class DemoCommand implements Callable<Integer> {
    // The defaults, in one place: a teacher of d 128 x 4 layers runs the whole demo in under 10 minutes on 2 cores.
    static final String STEPS = "150";
    static final String BATCH = "32";
    static final String SEQ_LEN = "64";
    static final String LR = "3e-3";
    static final String N = "50";
    static final String WIDTHS = "0.5,0.25";
    static final String INITS = "red,random";
    static final String DEPTHS = "1-8";
    /** Calibration sequences (of --seq-len tokens) for red and minitron, and validation batches (of --batch). */
    static final int CALIB_SAMPLES = 16;
    static final int CALIB_BATCH = 4;
    static final int VAL_BATCHES = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--teacher", description = "Teacher: HF model folder with the chain tokenizer (default: models/chain-teacher "
            + "under the working directory, else beside the jar). Its chain_task.json gives the task it was trained on.")
    Path teacher;

    @Option(names = "--widths", split = ",", defaultValue = WIDTHS, description = "Student widths as fractions of the "
            + "teacher's hidden size, e.g. 0.5,0.25 (rounded to whole channels; default: ${DEFAULT-VALUE}).")
    List<Double> widths;

    @Option(names = "--inits", split = ",", defaultValue = INITS, description = "Student inits, any of "
            + "${COMPLETION-CANDIDATES} (see distill --help; default: ${DEFAULT-VALUE}).")
    List<InitMethod> inits;

    @Option(names = "--steps", defaultValue = STEPS, description = "Distillation steps per student (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = BATCH, description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", defaultValue = SEQ_LEN, description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--lr", defaultValue = LR, description = "Peak learning rate, 5%% warmup then linear decay to 10%% (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--loss", description = "Loss terms as distill --loss, for every student (default: distill's for each "
            + "kind: kl=1,ce=1,clone=1 for red, random, orthogonal; kl=1,ce=1 for magnitude, minitron).")
    String loss;

    @Option(names = "--depths", defaultValue = DEPTHS, description = "Evaluation depths (default: ${DEFAULT-VALUE}).")
    String depths;

    @Option(names = "--n", defaultValue = N, description = "Evaluation problems per depth (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--distractors", description = "Distractor statements per problem (default: the teacher's chain_task.json, else 2).")
    Integer distractors;

    @Option(names = "--shuffle", arity = "0..1", description = "Statements in random order, --shuffle=false for not "
            + "(default: the teacher's chain_task.json, else not).")
    Boolean shuffle;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the evaluation problems; the other seeds and the "
            + "random projections derive from it (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "Also write report.json, report.md and the plots into this folder (written whole).")
    Path out;

    @Option(names = "--overwrite", description = "Replace a non-empty --out.")
    boolean overwrite;

    @Mixin
    BackendOptions backend;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every option checked before a model is loaded; returns the evaluation depths. */
    private DepthRange validate() {
        Checks.positive("--steps", steps);
        Checks.positive("--batch", batch);
        Checks.positive("--seq-len", seqLen);
        Checks.positive("--n", n);
        Checks.finitePositive("--lr", lr);
        if (distractors != null && distractors < 0) {
            throw new IllegalArgumentException("--distractors must be >= 0, got " + distractors);
        }
        for (double w : widths) {
            if (!(w > 0 && w <= 1)) {
                throw new IllegalArgumentException("--widths: every width must be in (0, 1], got " + w);
            }
        }
        if (loss != null) {
            LossWeights.parse(loss);
        }
        DepthRange range;
        try {
            range = DepthRange.parse(depths);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--depths: " + e.getMessage());
        }
        backend.validate();
        return range;
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        DepthRange range = validate();
        Path teacherDir = teacher != null ? teacher : TeacherLocator.find(Path.of(""), TeacherLocator.jarDir());
        Checks.modelFolder("--teacher", teacherDir);
        ChainTaskSettings trained = ChainTaskSettings.read(teacherDir);
        ChainTask task = new ChainTask(distractors != null ? distractors : trained.distractors(),
                shuffle != null ? shuffle : trained.shuffle(), trained.maxStep());
        int letters = Math.max(range.to(), trained.trainDepths().to()) + 1 + task.distractors();
        if (letters > 26) {
            throw new IllegalArgumentException("depths up to " + Math.max(range.to(), trained.trainDepths().to()) + " with "
                    + task.distractors() + " distractors need " + letters + " variables; the task has 26 letters");
        }
        DemoSeeds seeds = DemoSeeds.of(seed, trained.trainSeed());
        ModelConfig config = ModelConfig.load(teacherDir);
        if (seqLen > config.maxPositions()) {
            throw new IllegalArgumentException("--seq-len " + seqLen + " exceeds the teacher's max_position_embeddings = "
                    + config.maxPositions());
        }
        List<ChainDemo.StudentPlan> students = new ArrayList<>();
        for (double w : widths) {
            for (InitMethod init : inits) {
                students.add(new ChainDemo.StudentPlan(w, init));
            }
        }
        if (out != null) {
            OutputFolder.check("--out", out, overwrite, List.of(teacherDir));
        }
        LossMask mask = LossMaskOptions.of(trained.lossAfter(), trained.lossSpan(), teacherDir);
        ChainDemo.Settings settings = new ChainDemo.Settings(students, steps, batch, seqLen, lr, loss, range, n, task,
                trained.trainDepths(), trained.trainQueries(), trained.trainRows(), mask, seeds, seed, CALIB_SAMPLES, CALIB_BATCH, VAL_BATCHES);
        PrintWriter log = spec.commandLine().getErr(), stdout = spec.commandLine().getOut();
        log.printf("demo: teacher %s (d %d, %d layers); students %s; %d steps x %d x %d tokens each; %d problems per depth %d-%d%n",
                teacherDir, config.hiddenSize(), config.numLayers(), students.stream().map(ChainDemo.StudentPlan::name).toList(),
                steps, batch, seqLen, n, range.from(), range.to());
        List<DemoResult> results;
        try (Backend be = backend.open(); HfTokenizer tok = HfTokenizer.load(teacherDir)) {
            GreedyChainAnswerer.checkTokenizer("--teacher " + teacherDir, tok, task, seeds.eval(), range.to());
            CausalLM lm = HfModelReader.load(teacherDir, be);
            ChainDemo.Data data = data(settings, teacherDir, config, tok);
            try (WorkProgress progress = new WorkProgress("demo", log, settings.totalUnits())) {
                results = new ChainDemo(settings, lm, "teacher", tok, EndOfSequence.ids(teacherDir), progress).run(data);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        stdout.print(DemoReport.table(results));
        stdout.flush();
        if (out != null) {
            ObjectNode json = settingsJson(teacherDir, settings);
            try (OutputFolder folder = OutputFolder.begin("--out", out)) {
                Path dir = folder.dir();
                AtomicFiles.writeString(dir.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(DemoReport.json(json, results, seconds)) + "\n");
                AtomicFiles.writeString(dir.resolve("report.md"), DemoReport.markdown(json, results, seconds));
                DemoReport.writePlots(dir, results);
                folder.commit();
            }
            log.println("wrote " + out);
        }
        log.printf("demo done in %s%n", WorkProgress.clock(seconds));
        return 0;
    }

    /**
     * The chain text of the run: training (steps x batch sequences, used once each), calibration, validation;
     * packed, or one program per row when the teacher was trained so.
     */
    private static ChainDemo.Data data(ChainDemo.Settings s, Path teacherDir, ModelConfig config, HfTokenizer tok)
            throws java.io.IOException {
        OptionalInt eos = CalibrationLoader.eosId(teacherDir, config, tok);
        ChainCorpus corpus = new ChainCorpus(s.task(), s.trainDepths(), s.trainQueries());
        int vocab = config.vocabSize();
        if (s.rows()) {
            int pad = eos.orElseThrow(() -> new IllegalArgumentException(teacherDir + ": chain_task.json says train_rows, "
                    + "which pads rows with EOS, and the teacher has no EOS token (eos_token_id in config.json)"));
            return new ChainDemo.Data(
                    corpus.rows(s.seeds().train(), s.steps() * s.batch(), s.seqLen(), tok, pad, vocab).sequences(),
                    corpus.rows(s.seeds().calibration(), s.calibSamples(), s.seqLen(), tok, pad, vocab),
                    corpus.rows(s.seeds().validation(), s.valBatches() * s.batch(), s.seqLen(), tok, pad, vocab));
        }
        return new ChainDemo.Data(
                corpus.sequences(s.seeds().train(), s.steps() * s.batch(), s.seqLen(), tok, eos, vocab).sequences(),
                corpus.sequences(s.seeds().calibration(), s.calibSamples(), s.seqLen(), tok, eos, vocab),
                corpus.sequences(s.seeds().validation(), s.valBatches() * s.batch(), s.seqLen(), tok, eos, vocab));
    }

    private ObjectNode settingsJson(Path teacherDir, ChainDemo.Settings s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("teacher", teacherDir.toAbsolutePath().normalize().toString());
        o.putArray("widths").addAll(widths.stream().map(w -> JSON.getNodeFactory().numberNode(w)).toList());
        o.putArray("inits").addAll(inits.stream().map(i -> JSON.getNodeFactory().textNode(i.name())).toList());
        o.put("steps", s.steps()).put("batch", s.batch()).put("seq_len", s.seqLen())
                .put("tokens_per_student", (long) s.steps() * s.batch() * s.seqLen()).put("lr", s.lr())
                .put("loss", loss == null ? "default" : LossWeights.parse(loss).toString())
                .put("depths", s.depths().from() + "-" + s.depths().to()).put("n", s.n())
                .put("distractors", s.task().distractors()).put("shuffle", s.task().shuffle()).put("max_step", s.task().maxStep())
                .put("train_depths", s.trainDepths().from() + "-" + s.trainDepths().to())
                .put("train_queries", s.trainQueries()).put("rows", s.rows())
                .put("loss_mask", s.mask().masksAnything() ? "after token " + s.mask().marker() + ", span " + s.mask().span() : "none")
                .put("seed", seed).put("eval_seed", s.seeds().eval()).put("train_seed", s.seeds().train())
                .put("calibration_seed", s.seeds().calibration()).put("validation_seed", s.seeds().validation())
                .put("calibration_sequences", s.calibSamples()).put("validation_sequences", s.valBatches() * s.batch())
                .put("device", backend.provider().name()).put("threads", backend.settings().threads().orElse(Runtime.getRuntime().availableProcessors()))
                .put("red_engine", RedEngineCommand.class.getAnnotation(Command.class).version()[0])
                .put("java", Runtime.version().toString());
        return o;
    }
}
