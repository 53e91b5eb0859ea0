package dev.redengine.eval;

import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edges ChainCorpusTest and ChainTaskSettingsTest leave open: the exact bound, the source label, zero distractors. */
class ChainCorpusEdgesTest {
    @TempDir
    Path dir;

    /**
     * The bound is tight in form: the shortest text a problem could have, written out (every statement a
     * constant "x=3", the query, a one-digit answer), has exactly that many characters.
     */
    @ParameterizedTest(name = "depth {0}, {1} distractors")
    @CsvSource({"1, 0", "1, 2", "3, 1", "8, 2", "5, 4"})
    void shortestTextIsTheShortestConceivableProblem(int depth, int distractors) {
        String[] statements = new String[depth + 1 + distractors];
        java.util.Arrays.fill(statements, "x=3");
        String shortest = String.join(";", statements) + ";x=?" + "5";
        ChainCorpus corpus = new ChainCorpus(new ChainTask(distractors, false), new DepthRange(depth, depth));
        assertEquals(shortest.length(), corpus.shortestText(depth));
    }

    @Test
    void theSourceSaysWhetherStatementsAreShuffled() throws Exception {
        try (HfTokenizer tok = HfTokenizer.load(ChainCorpusTest.TOKENIZER)) {
            CalibrationSet plain = new ChainCorpus(new ChainTask(1, false), new DepthRange(1, 2))
                    .sequences(3, 2, 16, tok, OptionalInt.of(0), 44);
            CalibrationSet shuffled = new ChainCorpus(new ChainTask(1, true), new DepthRange(1, 2))
                    .sequences(3, 2, 16, tok, OptionalInt.of(0), 44);
            assertTrue(plain.source().contains("1 distractors") && !plain.source().contains("shuffled"), plain.source());
            assertTrue(shuffled.source().contains("1 distractors, shuffled"), shuffled.source());
        }
    }

    @Test
    void zeroDistractorsIsAValidSetting() throws Exception {
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"distractors\": 0}");
        assertEquals(0, ChainTaskSettings.read(dir).distractors());
        assertFalse(ChainTaskSettings.read(dir).shuffle());
    }

    /** rows: one training text per row from position 0, EOS after it up to T, in documents() order; too long refused. */
    @Test
    void rowsHoldOneProgramEachPaddedWithEos() throws Exception {
        ChainCorpus corpus = new ChainCorpus(new ChainTask(0, false, 3), new DepthRange(1, 3), 26);
        try (HfTokenizer tok = HfTokenizer.load(ChainCorpusTest.TOKENIZER)) {
            CalibrationSet rows = corpus.rows(7, 5, 48, tok, 0, 48);
            List<dev.redengine.data.CalibrationLoader.Document> docs = corpus.documents(7, 2);
            assertEquals(5, rows.numSequences());
            for (int r = 0; r < 5; r++) {
                String text = docs.get(r).text();
                int[] row = rows.sequence(r);
                assertEquals(text, tok.decode(java.util.Arrays.copyOf(row, text.length())), "row " + r);
                for (int t = text.length(); t < 48; t++) {
                    assertEquals(0, row[t], "row " + r + " padding at " + t);
                }
            }
            assertTrue(rows.source().contains("one program per row of 48"), rows.source());
            var e = assertThrows(IllegalArgumentException.class, () -> corpus.rows(7, 5, 12, tok, 0, 48));
            assertTrue(e.getMessage().contains("do not fit a row of 12"), e.getMessage());
        }
    }

    /** The edges of rows: a text of exactly T - 1 tokens fits, ids must be below vocabSize, labels name depth and index. */
    @Test
    void rowsAcceptTheExactFitAndCheckIdsAgainstTheVocabulary() throws Exception {
        ChainCorpus corpus = new ChainCorpus(new ChainTask(0, false, 3), new DepthRange(1, 3));
        List<dev.redengine.data.CalibrationLoader.Document> docs = corpus.documents(7, 2);
        assertEquals("depth 2 problem 0", docs.get(1).where());
        assertEquals("depth 1 problem 1", docs.get(3).where());
        try (HfTokenizer tok = HfTokenizer.load(ChainCorpusTest.TOKENIZER)) {
            int longest = 0, maxId = 0;
            for (int r = 0; r < 4; r++) {
                int[] ids = tok.encode(docs.get(r).text());
                longest = Math.max(longest, ids.length);
                for (int id : ids) {
                    maxId = Math.max(maxId, id);
                }
            }
            CalibrationSet exact = corpus.rows(7, 4, longest + 1, tok, 0, maxId + 1);
            assertEquals(longest + 1, exact.seqLen());
            assertFalse(exact.source().contains("queries"), exact.source());
            int vocab = maxId;
            var e = assertThrows(IllegalArgumentException.class, () -> corpus.rows(7, 4, 48, tok, 0, vocab));
            assertTrue(e.getMessage().contains("token id " + maxId + " is outside [0, " + maxId + ")"), e.getMessage());
            int tooShort = longest;
            assertThrows(IllegalArgumentException.class, () -> corpus.rows(7, 4, tooShort, tok, 0, 48));
        }
    }

    /** Padding is the EOS id given (not 0 by accident), one depth alone works, and the source names queries and order. */
    @Test
    void rowsPadWithTheGivenEosAndNameTheirText() throws Exception {
        try (HfTokenizer tok = HfTokenizer.load(ChainCorpusTest.TOKENIZER)) {
            ChainCorpus one = new ChainCorpus(new ChainTask(1, true, 3), new DepthRange(2, 2), 4);
            CalibrationSet rows = one.rows(3, 3, 48, tok, 5, 48);
            List<dev.redengine.data.CalibrationLoader.Document> docs = one.documents(3, 3);
            for (int r = 0; r < 3; r++) {
                int[] row = rows.sequence(r);
                int len = tok.encode(docs.get(r).text()).length;
                assertEquals(docs.get(r).text(), tok.decode(java.util.Arrays.copyOf(row, len)));
                for (int t = len; t < 48; t++) {
                    assertEquals(5, row[t], "padding at " + t);
                }
            }
            assertTrue(rows.source().contains("shuffled, up to 4 queries per program"), rows.source());
            CalibrationSet packed = one.sequences(3, 2, 32, tok, OptionalInt.of(0), 48);
            assertTrue(packed.source().contains("up to 4 queries per program"), packed.source());
            CalibrationSet plain = new ChainCorpus(new ChainTask(1, false, 3), new DepthRange(2, 2)).sequences(3, 2, 32, tok,
                    OptionalInt.of(0), 48);
            assertFalse(plain.source().contains("queries"), plain.source());
            assertFalse(plain.source().contains("shuffled"), plain.source());
        }
    }
}
