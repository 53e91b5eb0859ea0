package dev.redengine.io;

import dev.redengine.backend.Backend;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a model as an HF folder any loader reads: {@code config.json}, float32 {@code model.safetensors}
 * (HF names, HF order) and the tokenizer files of a source folder when present. Each file is written
 * atomically (temp file in the same folder, then rename), the weights first and config.json last, so a folder
 * with a config.json never holds half-written weights.
 */
public final class HfModelWriter {
    /** Files copied unchanged from the teacher's folder when they exist. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "generation_config.json");

    private HfModelWriter() {
    }

    public static void write(Path dir, ModelConfig config, Parameters params, Backend backend, Path copyTokenizerFrom) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (ParameterSpec s : ParameterSpec.of(config)) {
            w.add(s.name(), params.get(s.name()), backend);
        }
        w.write(dir.resolve("model.safetensors"));
        if (copyTokenizerFrom != null) {
            for (String f : TOKENIZER_FILES) {
                Path src = copyTokenizerFrom.resolve(f);
                if (Files.isRegularFile(src)) {
                    AtomicFiles.copy(src, dir.resolve(f));
                }
            }
        }
        AtomicFiles.writeString(dir.resolve("config.json"), config.toJson() + "\n");
    }

}
