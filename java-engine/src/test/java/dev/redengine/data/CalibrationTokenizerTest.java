package dev.redengine.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written tiny-bpe tokenizer through HF tokenizers (DJL): ids derived by hand from its vocab and merges. */
class CalibrationTokenizerTest {

    @Test
    void encodesByHandDerivedIds() throws IOException {
        try (TextTokenizer tok = TextTokenizer.forModel(CalibrationTestFiles.TINY_BPE)) {
            // pre-tokens: "Then" " the" " rain" " is" " on" " é" " sat" "\n" <|endoftext|> "ok"
            //  Then: T h e n -> (h,e) rank 1 -> T he n                    = 84 257 110
            //  " the": Ġ t h e -> Ġt (rank 0), he (1), Ġthe (2)          = 258
            //  " rain": Ġ r a i n -> (i,n) rank 3                        = 32 114 97 259
            //  " is": no merge                                           = 32 105 115
            //  " on": (o,n) rank 6                                       = 32 262
            //  " é": bytes 20 C3 A9, no merge                            = 32 195 169
            //  " sat": (Ġ,s) rank 7 -> Ġs a t                            = 263 97 116
            //  "\n" = byte 10; the special token = 264; "ok"             = 111 107
            int[] ids = tok.encode("Then the rain is on é sat\n<|endoftext|>ok");
            assertArrayEquals(new int[]{84, 257, 110, 258, 32, 114, 97, 259, 32, 105, 115, 32, 262, 32, 195, 169,
                    263, 97, 116, 10, 264, 111, 107}, ids);
            // merge order matters: " are" is Ġa (rank 4) then re (rank 5)
            assertArrayEquals(new int[]{260, 261}, tok.encode(" are"));
            assertArrayEquals(new int[0], tok.encode(""));
        }
    }

    @Test
    void noSpecialTokensAddedAndNoTruncation() throws IOException {
        try (TextTokenizer tok = TextTokenizer.forModel(CalibrationTestFiles.TINY_BPE)) {
            // tokenizer_config.json says model_max_length 64; 2000 bytes must still give 2000 ids
            String text = "x".repeat(2000);
            int[] ids = tok.encode(text);
            assertEquals(2000, ids.length);
            for (int id : ids) {
                assertEquals('x', id);
            }
        }
    }

    @Test
    void tokenIdLooksUpVocabAndAddedTokens() throws IOException {
        try (TextTokenizer tok = TextTokenizer.forModel(CalibrationTestFiles.TINY_BPE)) {
            assertEquals(264, tok.tokenId("<|endoftext|>").orElseThrow());
            assertEquals(258, tok.tokenId("Ġthe").orElseThrow());
            assertEquals(32, tok.tokenId("Ġ").orElseThrow());
            assertEquals(65, tok.tokenId("A").orElseThrow());
            assertTrue(tok.tokenId("</s>").isEmpty());
        }
    }

    @Test
    void missingTokenizerJsonIsAClearError(@TempDir Path dir) throws IOException {
        CalibrationTestFiles.configOnly(dir);
        CalibrationException e = assertThrows(CalibrationException.class, () -> TextTokenizer.forModel(dir));
        assertTrue(e.getMessage().contains("no tokenizer.json in model folder " + dir), e.getMessage());
    }
}
