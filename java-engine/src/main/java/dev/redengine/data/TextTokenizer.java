package dev.redengine.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Text to token ids, as the model's own tokenizer does it. The calibration loader only needs this much, so a
 * pure-Java tokenizer can replace the HF one ({@link HfTokenizer}) without touching the loader.
 */
public interface TextTokenizer extends AutoCloseable {

    /** The ids of {@code text}, without special tokens (no BOS/EOS added); special tokens written in the text are kept. */
    int[] encode(String text) throws CalibrationException;

    /** The id of one token given as its exact vocabulary string (added/special tokens included), if there is one. */
    OptionalInt tokenId(String token);

    /** Where the tokenizer came from, for messages. */
    String describe();

    @Override
    void close();

    /** The tokenizer of an HF model folder: its {@code tokenizer.json}. */
    static TextTokenizer forModel(Path modelDir) throws IOException {
        return HfTokenizer.load(modelDir);
    }
}
