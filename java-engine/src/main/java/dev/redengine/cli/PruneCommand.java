package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.Backend;
import dev.redengine.compress.NormInit;
import dev.redengine.distill.InitMethod;
import dev.redengine.distill.StudentInit;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.HfModelWriter;
import dev.redengine.io.OutputFolder;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
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

    @Option(names = "--model", required = true, description = "Teacher: HF model folder.")
    Path model;

    @Option(names = "--method", required = true, description = "One of: ${COMPLETION-CANDIDATES}.")
    InitMethod method;

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
        boolean calibrates = method.calibrates();
        NormInit gains = normInit != null ? NormInit.parse(normInit) : StudentInit.defaultGains(method);
        StudentInit.Request request = new StudentInit.Request(method, hiddenSize, ffnSize, heads, gains, seed,
                !method.selectsChannels());
        // every option is checked before the teacher is loaded
        if (calibrates) {
            calibration.validate(true);
        } else if (calibration.given()) {
            throw new IllegalArgumentException("--calib, --samples and --seq-len apply to --method red and minitron only; --method "
                    + method + " reads no calibration data");
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
            StudentInit.Built student = StudentInit.build(request, teacher, () -> calibration.load(model, c),
                    calibration.batch);
            try (OutputFolder folder = OutputFolder.begin("--out", out)) {
                HfModelWriter.write(folder.dir(), student.config(), student.weights(), be, model);
                if (student.selection() != null) {
                    AtomicFiles.writeString(folder.dir().resolve("selection.json"),
                            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(student.selection()) + "\n");
                }
                folder.commit();
            }
            spec.commandLine().getErr().printf("wrote %s: %s, hidden %d -> %d, ffn %d, heads %d%n", out, method,
                    c.hiddenSize(), student.config().hiddenSize(), student.config().intermediateSize(),
                    student.config().numHeads());
        }
        return 0;
    }
}
