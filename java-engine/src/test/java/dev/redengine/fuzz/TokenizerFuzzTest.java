package dev.redengine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.redengine.data.HfTokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** Any bytes as tokenizer.json: loaded (our vocabulary reader, then HF tokenizers through DJL) and used once. */
class TokenizerFuzzTest {
    @FuzzTest
    void tokenizerJson(byte[] bytes) throws IOException {
        Path dir = FuzzFiles.folder("tokenizer");
        FuzzFiles.write(dir, "tokenizer.json", bytes);
        ClearErrors.only(() -> {
            try (HfTokenizer t = HfTokenizer.load(dir)) {
                t.encode("Q: 1+2=? A: 3.");
                t.tokenId("<|endoftext|>");
            }
        });
    }
}
