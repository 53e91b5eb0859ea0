package dev.redengine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.model.ConfigJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test models over the chain tokenizer: a folder with config.json and the tokenizer, no weights (train --from-scratch). */
final class ChainModelFolder {
    static final Path CHAIN_TOKENIZER = Path.of(System.getProperty("redengine.models", "../models")).resolve("chain-tokenizer");

    private ChainModelFolder() {
    }

    /** A Llama of these sizes, vocab 48, untied, EOS (and BOS) 0, initializer_range 0.02. */
    static Path create(Path dir, int hidden, int ffn, int layers, int heads, int kvHeads, int headDim, int maxPositions)
            throws IOException {
        Files.createDirectories(dir);
        ObjectNode c = ConfigJson.decoder("LlamaForCausalLM", hidden, layers, heads, kvHeads, headDim, ffn, 48, maxPositions, false);
        c.put("model_type", "llama").put("eos_token_id", 0).put("bos_token_id", 0).put("initializer_range", 0.02);
        Files.writeString(dir.resolve("config.json"), c.toString());
        for (String f : new String[]{"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(CHAIN_TOKENIZER.resolve(f), dir.resolve(f));
        }
        return dir;
    }
}
