package dev.redengine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.redengine.data.CalibrationLoader;
import dev.redengine.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes as a .jsonl or .txt calibration file, tokenised with tiny-arith's tokenizer.json and packed into
 * sequences (the path train --data and prune --calib take).
 */
class CalibrationFuzzTest {
    private static final Path MODEL = Path.of(System.getProperty("redengine.models", "../models")).resolve("tiny-arith");
    private static ModelConfig config;

    private static ModelConfig config() throws IOException {
        if (config == null) {
            config = ModelConfig.load(MODEL);
        }
        return config;
    }

    @FuzzTest
    void jsonl(byte[] bytes) throws IOException {
        load(FuzzFiles.write("calib.jsonl", bytes));
    }

    @FuzzTest
    void txt(byte[] bytes) throws IOException {
        load(FuzzFiles.write("calib.txt", bytes));
    }

    private static void load(Path file) throws IOException {
        ModelConfig c = config();
        ClearErrors.only(() -> CalibrationLoader.load(file, MODEL, c, 2, 4));
        ClearErrors.only(() -> CalibrationLoader.load(file, MODEL, c, null, 8));
    }
}
