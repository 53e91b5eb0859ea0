package dev.redengine.eval;

import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ChainCorpus: the documents are ChainTask's problems, depths interleaved; the packing is exactly the asked size. */
class ChainCorpusTest {
    static final Path TOKENIZER = Path.of(System.getProperty("redengine.models", "../models")).resolve("chain-tokenizer");

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 7, 123456789})
    void documentsAreTheTaskProblemsRoundRobinOverDepths(long seed) {
        ChainTask task = new ChainTask(2, seed % 2 == 1);
        ChainCorpus corpus = new ChainCorpus(task, new DepthRange(2, 4));
        List<CalibrationLoader.Document> docs = corpus.documents(seed, 5);
        assertEquals(15, docs.size());
        for (int d = 2; d <= 4; d++) {
            List<ChainProblem> problems = task.problems(seed, d, 5);
            for (int i = 0; i < 5; i++) {
                assertEquals(problems.get(i).text(), docs.get(i * 3 + (d - 2)).text(), "depth " + d + " problem " + i);
            }
        }
    }

    /** Whatever the depths and distractors, the text is long enough for exactly the sequences asked for. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void packsExactlyTheSequencesAskedFor(long seed) throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int from = 1 + r.nextInt(5), to = from + r.nextInt(4), distractors = r.nextInt(4);
        int sequences = 1 + r.nextInt(40), seqLen = 8 + r.nextInt(120);
        ChainCorpus corpus = new ChainCorpus(new ChainTask(distractors, false), new DepthRange(from, to));
        try (HfTokenizer tok = HfTokenizer.load(TOKENIZER)) {
            CalibrationSet set = corpus.sequences(seed, sequences, seqLen, tok, OptionalInt.of(0), 44);
            assertEquals(sequences, set.numSequences());
            assertEquals(seqLen, set.seqLen());
            // the stream is documents joined by EOS: the first one starts the first sequence
            String first = corpus.documents(seed, 1).getFirst().text();
            int[] ids = tok.encode(first);
            int[] head = java.util.Arrays.copyOf(set.sequence(0), Math.min(ids.length, seqLen));
            assertEquals(tok.decode(java.util.Arrays.copyOf(ids, head.length)), tok.decode(head));
            assertNotEquals(set, corpus.sequences(seed + 1000, sequences, seqLen, tok, OptionalInt.of(0), 44), "another seed");
        }
    }

    @ParameterizedTest(name = "{0} distractors")
    @ValueSource(ints = {0, 1, 5})
    void shortestTextIsALowerBound(int distractors) {
        ChainTask task = new ChainTask(distractors, false);
        ChainCorpus corpus = new ChainCorpus(task, new DepthRange(1, 6));
        for (int d = 1; d <= 6; d++) {
            for (ChainProblem p : task.problems(d * 31L, d, 50)) {
                assertTrue(p.text().length() >= corpus.shortestText(d), p.text());
            }
        }
    }
}
