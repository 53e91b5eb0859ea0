package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.compress.ActivationStatistics;
import dev.redengine.compress.CalibrationRun;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.compress.WidthPruner;
import dev.redengine.distill.LowRankStudent;
import dev.redengine.distill.ProjectionInit;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelWriter;
import dev.redengine.io.OutputFolder;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Width-reduces a teacher to a plain, loadable HF folder. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Width-reduce a model to a plain HF folder (config.json, model.safetensors, tokenizer files).",
                "red: teacher hard-pruned to the channels of highest RED importance (RED's student at step 0);",
                "magnitude: channels by weight norms; minitron: channels, FFN neurons and heads by activations;",
                "random / orthogonal: the LRC student at step 0 with N(0, 0.02^2) or orthonormal projections, folded.",
                "Channel-selecting methods also write selection.json."})
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    enum Method { red, magnitude, minitron, random, orthogonal }

    @Option(names = "--model", required = true, description = "Teacher: HF model folder.")
    Path model;

    @Option(names = "--method", required = true, description = "One of: ${COMPLETION-CANDIDATES}.")
    Method method;

    @Option(names = "--hidden-size", required = true, description = "Student residual width d'.")
    int hiddenSize;

    @Option(names = "--ffn-size", description = "minitron only: FFN neurons to keep per layer (default: all).")
    Integer ffnSize;

    @Option(names = "--heads", description = "minitron only: query heads to keep per layer, a multiple of the KV heads (default: all).")
    Integer heads;

    @Option(names = "--norm-init", description = "Student RMSNorm gains: teacher (teacher[G]; default for red, magnitude, minitron) "
            + "or ones (LRC; default and only choice for random, orthogonal).")
    String normInit;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for random and orthogonal projections (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--out", required = true, description = "Output folder, written whole (built beside it, then renamed); "
            + "must not be or hold an input.")
    Path out;

    @Option(names = "--overwrite", description = "Replace a non-empty --out.")
    boolean overwrite;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        if ((ffnSize != null || heads != null) && method != Method.minitron) {
            throw new IllegalArgumentException("--ffn-size and --heads apply to --method minitron only");
        }
        boolean selects = method == Method.red || method == Method.magnitude || method == Method.minitron;
        boolean calibrates = method == Method.red || method == Method.minitron;
        NormInit gains = normInit != null ? NormInit.parse(normInit) : selects ? NormInit.TEACHER : NormInit.ONES;
        // every option is checked before the teacher is loaded
        if (calibrates) {
            calibration.validate(true);
        } else if (calibration.given()) {
            throw new IllegalArgumentException("--calib, --samples and --seq-len apply to --method red and minitron only; --method "
                    + method + " reads no calibration data");
        }
        if (!selects && gains == NormInit.TEACHER) {
            throw new IllegalArgumentException("--norm-init teacher needs a channel selection (teacher[G]); "
                    + "use 'ones' with --method " + method);
        }
        Checks.positive("--hidden-size", hiddenSize);
        Checks.positive("--ffn-size", ffnSize);
        OutputFolder.check("--out", out, overwrite, calibrates ? List.of(model, calibration.calib) : List.of(model));
        ModelConfig config = ModelConfig.load(model);
        if (hiddenSize > config.hiddenSize()) {
            throw new IllegalArgumentException("--hidden-size " + hiddenSize + " must be in [1, " + config.hiddenSize() + "]");
        }
        if (ffnSize != null && ffnSize > config.intermediateSize()) {
            throw new IllegalArgumentException("--ffn-size " + ffnSize + " must be in [1, " + config.intermediateSize() + "]");
        }
        if (heads != null && (heads <= 0 || heads % config.numKvHeads() != 0 || heads > config.numHeads())) {
            throw new IllegalArgumentException("--heads " + heads + " must be a positive multiple of num_key_value_heads = "
                    + config.numKvHeads() + " and at most " + config.numHeads());
        }
        backend.validate();
        try (Backend be = backend.open()) {
            CausalLM teacher = HfModelReader.load(model, be);
            ModelConfig c = teacher.config();
            if (hiddenSize <= 0 || hiddenSize > c.hiddenSize()) {
                throw new IllegalArgumentException("--hidden-size " + hiddenSize + " must be in [1, " + c.hiddenSize() + "]");
            }
            Parameters p = teacher.parameters();
            ModelConfig outConfig;
            Parameters outParams;
            double[] importance = null;
            int[] channels = null;
            ObjectNode extra = new ObjectMapper().createObjectNode();
            switch (method) {
                case red, minitron -> {
                    ActivationStatistics stats = CalibrationRun.statistics(teacher, calibration.load(model, c), calibration.batch);
                    extra.put("calibration_sequences", stats.sequences());
                    extra.put("calibration_tokens", stats.tokens());
                    importance = method == Method.red ? stats.redImportance() : stats.minitronChannels();
                    channels = ChannelSelection.topK(importance, hiddenSize);
                    WidthPruner.Plan plan = method == Method.red ? WidthPruner.channelsOnly(c, channels)
                            : minitronPlan(c, stats, channels, extra);
                    WidthPruner.Result r = WidthPruner.prune(c, p, plan, gains, be);
                    outConfig = r.config();
                    outParams = r.parameters();
                }
                case magnitude -> {
                    importance = MagnitudeImportance.of(c, p, be);
                    channels = ChannelSelection.topK(importance, hiddenSize);
                    WidthPruner.Result r = WidthPruner.prune(c, p, WidthPruner.channelsOnly(c, channels), gains, be);
                    outConfig = r.config();
                    outParams = r.parameters();
                }
                default -> {
                    ProjectionInit init = method == Method.random ? ProjectionInit.Random.LRC : new ProjectionInit.Orthogonal();
                    LowRankStudent s = new LowRankStudent(c, p, hiddenSize, init, gains, seed, be);
                    outConfig = s.studentConfig();
                    outParams = s.folded();
                }
            }
            try (OutputFolder folder = OutputFolder.begin("--out", out)) {
                writeFolder(folder.dir(), outConfig, outParams, be, channels, importance, gains, extra);
                folder.commit();
            }
            spec.commandLine().getErr().printf("wrote %s: %s, hidden %d -> %d, ffn %d, heads %d%n", out, method,
                    c.hiddenSize(), outConfig.hiddenSize(), outConfig.intermediateSize(), outConfig.numHeads());
        }
        return 0;
    }

    private void writeFolder(Path dir, ModelConfig outConfig, Parameters outParams, Backend be, int[] channels,
                             double[] importance, NormInit gains, ObjectNode extra) throws java.io.IOException {
        HfModelWriter.write(dir, outConfig, outParams, be, model);
        if (channels != null) {
            ObjectNode sel = new ObjectMapper().createObjectNode();
            sel.put("method", method.name());
            sel.put("norm_init", gains.name().toLowerCase());
            var ch = sel.putArray("channels");
            for (int i : channels) {
                ch.add(i);
            }
            var imp = sel.putArray("importance");
            for (double v : importance) {
                imp.add(v);
            }
            sel.setAll(extra);
            AtomicFiles.writeString(dir.resolve("selection.json"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(sel) + "\n");
        }
    }

    private WidthPruner.Plan minitronPlan(ModelConfig c, ActivationStatistics stats, int[] channels, ObjectNode extra) {
        int f2 = ffnSize != null ? ffnSize : c.intermediateSize();
        int h2 = heads != null ? heads : c.numHeads();
        if (f2 <= 0 || f2 > c.intermediateSize()) {
            throw new IllegalArgumentException("--ffn-size " + f2 + " must be in [1, " + c.intermediateSize() + "]");
        }
        double[][] neuronImp = stats.minitronNeurons(), headImp = stats.minitronHeads();
        int[][] neurons = new int[c.numLayers()][], keptHeads = new int[c.numLayers()][];
        var nj = extra.putArray("ffn_neurons");
        var hj = extra.putArray("heads");
        for (int l = 0; l < c.numLayers(); l++) {
            neurons[l] = ChannelSelection.topK(neuronImp[l], f2);
            keptHeads[l] = WidthPruner.headsByGroup(headImp[l], h2, c.numKvHeads());
            var a = nj.addArray();
            for (int i : neurons[l]) {
                a.add(i);
            }
            var b = hj.addArray();
            for (int i : keptHeads[l]) {
                b.add(i);
            }
        }
        return new WidthPruner.Plan(channels, neurons, keptHeads);
    }
}
