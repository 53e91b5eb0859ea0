package dev.redengine.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * CalibrationLoader.fromDocuments with a tokenizer whose output is known by hand (one id per character, 'a' = 0),
 * so every count is exact: documents, EOS separators, tokens, sequences and what is dropped.
 */
class PackingExactTest {

    /** 'a' -> 0, 'b' -> 1, ...; '!' -> 500 (outside any small vocabulary). */
    private static final class Letters implements TextTokenizer {
        int calls;

        @Override
        public int[] encode(String text) {
            calls++;
            return text.chars().map(c -> c == '!' ? 500 : c - 'a').toArray();
        }

        @Override
        public OptionalInt tokenId(String token) {
            return OptionalInt.empty();
        }

        @Override
        public String describe() {
            return "letters";
        }

        @Override
        public void close() {
        }
    }

    private static List<CalibrationLoader.Document> docs(String... texts) {
        return java.util.stream.IntStream.range(0, texts.length)
                .mapToObj(i -> new CalibrationLoader.Document(texts[i], "line " + (i + 1))).toList();
    }

    private static final OptionalInt EOS = OptionalInt.of(99);

    @Test
    void allCompleteSequencesWithEosBetweenDocuments() throws Exception {
        CalibrationSet s = CalibrationLoader.fromDocuments("f", docs("abc", "", "de", "fghij"), new Letters(), EOS, 100, null, 3);
        // stream 0 1 2 | 99 3 4 | 99 5 6 | 7 8 9: 12 tokens, 2 EOS, 4 sequences
        assertArrayEquals(new int[][]{{0, 1, 2}, {99, 3, 4}, {99, 5, 6}, {7, 8, 9}}, s.sequences());
        assertEquals("f: 3 of 4 documents, 12 tokens (2 EOS), packed into 4 x 3 (EOS 99 between documents; tokenizer letters)",
                s.source());
        CalibrationSet five = CalibrationLoader.fromDocuments("f", docs("abc", "", "de", "fghij"), new Letters(), EOS, 100, null, 5);
        assertArrayEquals(new int[][]{{0, 1, 2, 99, 3}, {4, 99, 5, 6, 7}}, five.sequences()); // 8 9 dropped
    }

    @Test
    void noEosConcatenatesDocuments() throws Exception {
        CalibrationSet s = CalibrationLoader.fromDocuments("f", docs("ab", "cd"), new Letters(), OptionalInt.empty(), 100, null, 2);
        assertArrayEquals(new int[][]{{0, 1}, {2, 3}}, s.sequences());
        assertEquals("f: 2 documents, 4 tokens (0 EOS), packed into 2 x 2 (no EOS between documents; tokenizer letters)", s.source());
    }

    @Test
    void samplesStopTokenisingOnceEnough() throws Exception {
        Letters tok = new Letters();
        CalibrationSet s = CalibrationLoader.fromDocuments("f", docs("abc", "de", "fgh", "ij"), tok, EOS, 100, 2, 3);
        assertArrayEquals(new int[][]{{0, 1, 2}, {99, 3, 4}}, s.sequences());
        assertEquals(2, tok.calls, "the third document is not needed");
        assertEquals("f: 2 of 4 documents, 6 tokens (1 EOS), packed into 2 x 3 (EOS 99 between documents; tokenizer letters)", s.source());
        // exactly enough
        CalibrationSet exact = CalibrationLoader.fromDocuments("f", docs("abcdef"), new Letters(), EOS, 100, 3, 2);
        assertEquals(3, exact.numSequences());
    }

    @Test
    void tooFewTokensGivesBothCounts() {
        Letters tok = new Letters();
        var d = docs("abc", "de");
        CalibrationException e = assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, 3, 3));
        assertEquals("f: --samples 3 x --seq-len 3 needs 9 tokens, but the text gives only 6 (2 documents, EOS 99 between "
                + "documents); add text or ask for fewer/shorter sequences", e.getMessage());
        CalibrationException one = assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, null, 7));
        assertEquals("f: the text gives only 6 tokens (EOS 99 between documents), fewer than one sequence of --seq-len 7",
                one.getMessage());
        var empty = docs("", "");
        assertEquals("f: no text to calibrate on (2 documents, no tokens)", assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", empty, tok, EOS, 100, null, 1)).getMessage());
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        var d = docs("ab", "c!");
        Letters tok = new Letters();
        CalibrationException e = assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, null, 1));
        assertEquals("f line 2, token 1: id 500 from letters is outside [0, 100) (the model's vocab_size); is the tokenizer"
                + " from this model?", e.getMessage());
        var z = docs("z");  // id 25 with a vocabulary of 25: just outside
        assertThrows(CalibrationException.class, () -> CalibrationLoader.fromDocuments("f", z, tok, EOS, 25, null, 1));
        assertEquals(25, assertDoesNotThrowLoad(z, 26)[0][0]);
    }

    private static int[][] assertDoesNotThrowLoad(List<CalibrationLoader.Document> d, int vocab) {
        try {
            return CalibrationLoader.fromDocuments("f", d, new Letters(), EOS, vocab, null, 1).sequences();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void longStreamsGrowPastTheInitialBuffer() throws Exception {
        String big = "abcdefghij".repeat(300);   // 3000 tokens
        CalibrationSet s = CalibrationLoader.fromDocuments("f", docs(big, big), new Letters(), EOS, 100, null, 1000);
        assertEquals(6, s.numSequences());     // 6001 tokens
        assertEquals(99, s.sequence(3)[0]);    // the separator at position 3000
        assertEquals(9, s.sequence(2)[999]);
        assertEquals(0, s.sequence(3)[1]);
    }

    @Test
    void nonPositiveCountsAndOverflowAreRefused() {
        var d = docs("ab");
        Letters tok = new Letters();
        assertEquals("--samples must be positive, got 0", assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, 0, 1)).getMessage());
        assertEquals("--seq-len must be positive, got 0", assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, 1, 0)).getMessage());
        assertEquals("f: 100000 x 100000 tokens is too many", assertThrows(CalibrationException.class,
                () -> CalibrationLoader.fromDocuments("f", d, tok, EOS, 100, 100000, 100000)).getMessage());
    }
}
