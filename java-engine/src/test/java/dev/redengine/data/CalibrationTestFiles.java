package dev.redengine.data;

import dev.redengine.testutil.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model folders for the calibration tests: a fixture's config.json, optionally with the hand-made tokenizer. */
final class CalibrationTestFiles {

    /** The hand-written byte-level BPE (see its README): vocab 264 + {@code <|endoftext|>} = 264. */
    static final Path TINY_BPE = Fixtures.root().resolveSibling("tokenizers").resolve("tiny-bpe");
    static final Path CALIB = Fixtures.root().resolveSibling("calib");
    static final int EOT = 264;

    private CalibrationTestFiles() {
    }

    /** tiny-llama's config.json (vocab 320, eos_token_id 2, 128 positions) in {@code dir}. */
    static Path configOnly(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(Fixtures.dir("tiny-llama").resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    /** config.json + tokenizer.json, and tokenizer_config.json (eos_token = <|endoftext|>) when asked. */
    static Path withTokenizer(Path dir, boolean tokenizerConfig) throws IOException {
        configOnly(dir);
        Files.copy(TINY_BPE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        if (tokenizerConfig) {
            Files.copy(TINY_BPE.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        }
        return dir;
    }
}
