package dev.redengine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.redengine.model.MemoryEstimate;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;

import java.io.IOException;
import java.nio.file.Path;

/** Any bytes as config.json: parsed, and every size derived from it (parameter list, memory estimate, JSON back). */
class ConfigFuzzTest {
    @FuzzTest
    void configJson(byte[] bytes) throws IOException {
        Path dir = FuzzFiles.folder("config");
        FuzzFiles.write(dir, "config.json", bytes);
        ClearErrors.only(() -> {
            ModelConfig c = ModelConfig.load(dir);
            ParameterSpec.of(c);
            MemoryEstimate.of(c, 1, Math.min(16, c.maxPositions()));
            c.toJson();
        });
    }
}
