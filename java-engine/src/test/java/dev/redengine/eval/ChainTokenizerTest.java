package dev.redengine.eval;

import dev.redengine.data.HfTokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** models/chain-tokenizer loads through HF tokenizers and gives one token per character of the task's text. */
class ChainTokenizerTest {
    static final Path DIR = Path.of(System.getProperty("redengine.models", "../models")).resolve("chain-tokenizer");

    @Test
    void oneTokenPerCharacterAndExactRoundTrip() throws Exception {
        try (HfTokenizer tok = HfTokenizer.load(DIR)) {
            assertEquals(0, tok.tokenId("<|endoftext|>").getAsInt());
            for (ChainProblem p : new ChainTask(3, true).problems(1, 8, 20)) {
                int[] ids = tok.encode(p.text());
                assertEquals(p.text().length(), ids.length, p.text());
                assertEquals(p.text(), tok.decode(ids));
                for (int id : ids) {
                    assertEquals(true, id >= 1 && id < 44, "id " + id);
                }
            }
            // the vocabulary's order: <|endoftext|>, a-z, 0-9, = ; ? + -, space, newline
            assertArrayEquals(new int[]{1, 37, 27, 38, 39, 40, 41, 42, 43}, tok.encode("a=0;?+- \n"));
            assertEquals("x y\n", tok.decode(tok.encode("x y\n")));
        }
    }
}
