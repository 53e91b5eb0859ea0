package dev.redengine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import dev.redengine.model.LossMask;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * --loss-after and --loss-span, shared by train and distill (a picocli mixin): which predictions count, made a
 * {@link LossMask} with the model's tokenizer and checked against the data.
 */
final class LossMaskOptions {
    @Option(names = "--loss-after", paramLabel = "TOKEN", description = "Count only the predictions that start at TOKEN "
            + "(text the model's tokenizer makes exactly one token of), e.g. '?' to train the chain task on its answers "
            + "alone; in distill, for the logit terms (ce, kl, rkl) and validation (the activation terms compare every "
            + "position). Every sequence of --data must hold TOKEN before its last position. Default: every position.")
    String after;

    @Option(names = "--loss-span", defaultValue = "1", paramLabel = "N", description = "With --loss-after: count the N "
            + "predictions that start at TOKEN (2 for the chain task: the answer digit and what follows it, so that the "
            + "model learns to stop after the answer) (default: ${DEFAULT-VALUE}).")
    int span;

    /** The mask, its marker's id from modelDir's tokenizer (no --loss-after: every position counts). */
    LossMask mask(Path modelDir) throws IOException {
        return of(after, span, modelDir);
    }

    /** The mask for marker text (null: every position counts) and span, the marker's id from modelDir's tokenizer. */
    static LossMask of(String text, int span, Path modelDir) throws IOException {
        if (span < 1) {
            throw new IllegalArgumentException("--loss-span must be >= 1, got " + span);
        }
        if (text == null) {
            if (span != 1) {
                throw new IllegalArgumentException("--loss-span needs --loss-after (the marker the span starts at)");
            }
            return LossMask.ALL;
        }
        try (HfTokenizer tok = HfTokenizer.load(modelDir)) {
            int[] ids = tok.encode(text);
            if (ids.length != 1) {
                throw new IllegalArgumentException("--loss-after \"" + text + "\" is " + ids.length
                        + " tokens for the tokenizer of " + modelDir + "; it must be exactly one");
            }
            return LossMask.after(ids[0], span);
        }
    }

    /** Every sequence must hold the marker before its last position: a batch with nothing to count has no loss. */
    void requireInEverySequence(LossMask mask, CalibrationSet set, String what) {
        if (!mask.masksAnything()) {
            return;
        }
        for (int s = 0; s < set.numSequences(); s++) {
            if (mask.counted(set.sequence(s), 1, set.seqLen()) == 0) {
                throw new IllegalArgumentException("--loss-after \"" + after + "\" (token " + mask.marker() + "): sequence " + s
                        + " of " + what + " holds it nowhere before its last position, so it has nothing to train on");
            }
        }
    }

    /**
     * Records the options in a run's arguments or state, only when --loss-after is set, so that checkpoints of runs
     * without it still resume.
     */
    void record(ObjectNode node) {
        if (after != null) {
            node.put("loss_after", after).put("loss_span", span);
        }
    }
}
