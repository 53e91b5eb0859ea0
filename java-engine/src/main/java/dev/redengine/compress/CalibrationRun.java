package dev.redengine.compress;

import dev.redengine.data.CalibrationSet;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;

import java.util.function.Consumer;

/** Runs a model over a calibration set in batches of sequences and hands each batch's activations on. */
public final class CalibrationRun {
    private CalibrationRun() {
    }

    public static void forEachBatch(CausalLM lm, CalibrationSet set, int batchSize, Consumer<Activations> sink) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int total = set.numSequences(), seqLen = set.seqLen();
        Activations full = null;
        for (int start = 0; start < total; start += batchSize) {
            int b = Math.min(batchSize, total - start);
            Activations a = b == batchSize && full != null ? full : lm.allocateActivations(b, seqLen);
            if (b == batchSize) {
                full = a;
            }
            int[] ids = new int[b * seqLen];
            for (int s = 0; s < b; s++) {
                System.arraycopy(set.sequence(start + s), 0, ids, s * seqLen, seqLen);
            }
            lm.setInput(a, ids);
            lm.forward(a);
            sink.accept(a);
        }
    }

    /** Statistics of one model over a calibration set. */
    public static ActivationStatistics statistics(CausalLM lm, CalibrationSet set, int batchSize) {
        ActivationStatistics stats = new ActivationStatistics(lm.config());
        forEachBatch(lm, set, batchSize, a -> stats.accept(lm.backend(), a));
        return stats;
    }
}
