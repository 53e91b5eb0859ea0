package dev.redengine.cli;

import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.ModelConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The calibration options shared by analyze and prune (a picocli mixin). */
final class CalibrationOptions {
    @Option(names = "--calib", description = "Calibration data: .safetensors (input_ids int32 [S,T]), .jsonl ({\"text\": ...} per line) "
            + "or .txt (documents separated by blank lines), tokenised with the model folder's tokenizer.json.")
    Path calib;

    @Option(names = "--samples", description = "Number of calibration sequences (default: all in a .safetensors; required for text).")
    Integer samples;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: T of a .safetensors; required for text).")
    Integer seqLen;

    @Option(names = "--batch", defaultValue = "4", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    /** Checks the options before any work: --calib given (when required) and readable, the counts >= 1. */
    void validate(boolean required) {
        if (calib == null) {
            if (required) {
                throw new IllegalArgumentException("--calib FILE is required");
            }
        } else {
            Checks.inputFile("--calib", calib);
        }
        Checks.positive("--samples", samples);
        Checks.positive("--seq-len", seqLen);
        Checks.positive("--batch", batch);
    }

    /** True when any calibration option was given on the command line (--batch has a default, so it is left out). */
    boolean given() {
        return calib != null || samples != null || seqLen != null;
    }

    CalibrationSet load(Path modelDir, ModelConfig config) throws IOException {
        if (calib == null) {
            throw new IllegalArgumentException("--calib FILE is required");
        }
        return CalibrationLoader.load(calib, modelDir, config, samples, seqLen);
    }
}
