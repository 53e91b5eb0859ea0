package dev.redengine.eval;

import dev.redengine.data.CalibrationLoader;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.TextTokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Chain-task text generated in memory and packed into token sequences, the way {@code --data}/{@code --calib}
 * files are ({@link CalibrationLoader#fromDocuments}: documents joined with EOS, cut into sequences of exactly T
 * tokens). The documents are training documents ({@link ChainProblem#text}: prompt and answer) of every depth in
 * {@code depths}, interleaved round-robin so that every packed sequence mixes depths; depth d's i-th problem is
 * {@code task.problems(seed, d, ...)}'s i-th, so a seed gives the text tools/make_chain_task.py writes for it,
 * in another order.
 */
public record ChainCorpus(ChainTask task, DepthRange depths) {

    /** perDepth problems of every depth: problem i of each depth in turn. */
    public List<CalibrationLoader.Document> documents(long seed, int perDepth) {
        List<List<ChainProblem>> byDepth = new ArrayList<>();
        for (int d = depths.from(); d <= depths.to(); d++) {
            byDepth.add(task.problems(seed, d, perDepth));
        }
        List<CalibrationLoader.Document> docs = new ArrayList<>();
        for (int i = 0; i < perDepth; i++) {
            for (List<ChainProblem> problems : byDepth) {
                ChainProblem p = problems.get(i);
                docs.add(new CalibrationLoader.Document(p.text(), "depth " + p.depth() + " problem " + i));
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
                + task.distractors() + " distractors" + (task.shuffle() ? ", shuffled" : "") + ")";
        return CalibrationLoader.fromDocuments(source, documents(seed, perDepth), tok, eos, vocabSize, sequences, seqLen);
    }

    /**
     * The fewest characters a problem of this depth has: depth + 1 + distractors statements of at least 3
     * characters ("a=3"), each followed by ';', then the query ("c=?") and the one-digit answer.
     */
    int shortestText(int depth) {
        return 4 * (depth + 1 + task.distractors()) + 3 + 1;
    }
}
