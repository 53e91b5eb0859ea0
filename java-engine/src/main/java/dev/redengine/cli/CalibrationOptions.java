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

    CalibrationSet load(Path modelDir, ModelConfig config) throws IOException {
        if (calib == null) {
            throw new IllegalArgumentException("--calib FILE is required");
        }
        return CalibrationLoader.load(calib, modelDir, config, samples, seqLen);
    }
}
