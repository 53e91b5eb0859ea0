package dev.redengine.cli;

import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import dev.redengine.model.LossMask;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The --loss-after and --loss-span options of train and distill: a marker text made a {@link LossMask}, checked
 * against the data.
 */
final class LossMarker {
    private LossMarker() {
    }

    /** The mask for marker text (null: every position counts), its id from modelDir's tokenizer. */
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
    static void requireInEverySequence(LossMask mask, String text, CalibrationSet set, String what) {
        if (!mask.masksAnything()) {
            return;
        }
        for (int s = 0; s < set.numSequences(); s++) {
            if (mask.counted(set.sequence(s), 1, set.seqLen()) == 0) {
                throw new IllegalArgumentException("--loss-after \"" + text + "\" (token " + mask.marker() + "): sequence " + s
                        + " of " + what + " holds it nowhere before its last position, so it has nothing to train on");
            }
        }
    }
}
