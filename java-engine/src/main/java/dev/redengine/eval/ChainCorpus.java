package dev.redengine.eval;

import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.TextTokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Chain-task text generated in memory and packed into token sequences, the way {@code --data}/{@code --calib}
 * files are ({@link CalibrationLoader#fromDocuments}: documents joined with EOS, cut into sequences of exactly T
 * tokens). The documents are training documents ({@link ChainTask#trainingTexts}: prompt and answer, then queries - 1
 * more queries of the same program when queries > 1) of every depth in
 * {@code depths}, interleaved round-robin so that every packed sequence mixes depths; depth d's i-th problem is
 * {@code task.problems(seed, d, ...)}'s i-th, so a seed gives the text tools/make_chain_task.py writes for it,
 * in another order.
 */
public record ChainCorpus(ChainTask task, DepthRange depths, int queries) {

    public ChainCorpus {
        if (queries < 1) {
            throw new IllegalArgumentException("queries must be >= 1, got " + queries);
        }
    }

    /** Plain training documents: prompt and answer, one query per program. */
    public ChainCorpus(ChainTask task, DepthRange depths) {
        this(task, depths, 1);
    }

    /** perDepth problems of every depth: problem i of each depth in turn, with the corpus's queries. */
    public List<CalibrationLoader.Document> documents(long seed, int perDepth) {
        List<List<String>> byDepth = new ArrayList<>();
        for (int d = depths.from(); d <= depths.to(); d++) {
            byDepth.add(task.trainingTexts(seed, d, perDepth, queries));
        }
        List<CalibrationLoader.Document> docs = new ArrayList<>();
        for (int i = 0; i < perDepth; i++) {
            for (int d = 0; d < byDepth.size(); d++) {
                docs.add(new CalibrationLoader.Document(byDepth.get(d).get(i), "depth " + (depths.from() + d) + " problem " + i));
            }
        }
        return docs;
    }

    /**
     * Exactly {@code sequences} sequences of {@code seqLen} tokens. Enough problems are generated for any tokenizer
     * that gives at least one token per character (the chain tokenizer gives exactly one).
     */
    public CalibrationSet sequences(long seed, int sequences, int seqLen, TextTokenizer tok, OptionalInt eos, int vocabSize)
            throws IOException {
        long need = (long) sequences * seqLen;
        long perRound = (long) (depths.to() - depths.from() + 1) * shortestText(depths.from());
        int perDepth = Math.toIntExact(need / perRound + 1);
        String source = "chain task (seed " + seed + ", depths " + depths.from() + "-" + depths.to() + ", "
                + task.distractors() + " distractors" + (task.shuffle() ? ", shuffled" : "")
                + (queries > 1 ? ", up to " + queries + " queries per program" : "") + ")";
        return CalibrationLoader.fromDocuments(source, documents(seed, perDepth), tok, eos, vocabSize, sequences, seqLen);
    }

    /**
     * Exactly {@code sequences} rows of {@code seqLen} tokens, one program per row as tools/chain_rows.py writes
     * them: the document's tokens, then the EOS id up to seqLen, documents in {@link #documents} order. Every program
     * starts at position 0, as an eval prompt does; with a loss mask on the answers the padding is never a target but
     * for the EOS after the last answer. A document that does not fit seqLen - 1 tokens is an error naming it.
     */
    public CalibrationSet rows(long seed, int sequences, int seqLen, TextTokenizer tok, int eos, int vocabSize)
            throws IOException {
        int depthsCount = depths.to() - depths.from() + 1;
        List<CalibrationLoader.Document> docs = documents(seed, (sequences + depthsCount - 1) / depthsCount);
        int[][] rows = new int[sequences][];
        for (int r = 0; r < sequences; r++) {
            CalibrationLoader.Document d = docs.get(r);
            int[] ids = tok.encode(d.text());
            if (ids.length > seqLen - 1) {
                throw new IllegalArgumentException("chain task " + d.where() + ": " + ids.length + " tokens do not fit a row of "
                        + seqLen + " with the EOS after them; use a longer --seq-len");
            }
            for (int id : ids) {
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException("chain task " + d.where() + ": token id " + id + " is outside [0, "
                            + vocabSize + ")");
                }
            }
            rows[r] = Arrays.copyOf(ids, seqLen);
            Arrays.fill(rows[r], ids.length, seqLen, eos);
        }
        return new CalibrationSet(rows, "chain task (seed " + seed + ", depths " + depths.from() + "-" + depths.to() + ", "
                + task.distractors() + " distractors, steps up to " + task.maxStep() + (task.shuffle() ? ", shuffled" : "")
                + (queries > 1 ? ", up to " + queries + " queries per program" : "") + "), one program per row of " + seqLen);
    }

    /**
     * The fewest characters a problem of this depth has: depth + 1 + distractors statements of at least 3
     * characters ("a=3"), each followed by ';', then the query ("c=?") and the one-digit answer.
     */
    int shortestText(int depth) {
        return 4 * (depth + 1 + task.distractors()) + 3 + 1;
    }
}
