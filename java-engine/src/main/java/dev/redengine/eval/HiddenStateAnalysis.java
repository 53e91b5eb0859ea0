package dev.redengine.eval;

import dev.redengine.compress.CalibrationRun;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.CausalLM;

import java.util.ArrayList;
import java.util.List;

/**
 * eRank (both definitions), token distinguishability and RMS of every hidden state (HF
 * output_hidden_states, i = 0..L) over all tokens of a calibration set. Hidden states are gathered in memory,
 * one float32 [N, d] matrix per layer; {@link #requireFits} refuses sets that would not fit.
 */
public final class HiddenStateAnalysis {

    /** One row of the report. */
    public record Layer(int layer, double erankRed, double erankRv, double distinguishability, double rms) {
    }

    public record Result(long tokens, List<Layer> layers) {
    }

    private HiddenStateAnalysis() {
    }

    public static void requireFits(CausalLM lm, CalibrationSet set) {
        long bytes = 4L * set.numSequences() * set.seqLen() * lm.config().hiddenSize() * (lm.config().numLayers() + 1);
        long budget = Runtime.getRuntime().maxMemory() / 2;
        if (bytes > budget) {
            throw new IllegalArgumentException(String.format(
                    "the hidden states of %d x %d calibration tokens need %d MiB, over half the heap (%d MiB): "
                            + "use fewer --samples, a shorter --seq-len, or a larger -Xmx",
                    set.numSequences(), set.seqLen(), bytes >> 20, budget >> 20));
        }
    }

    public static Result run(CausalLM lm, CalibrationSet set, int batchSize, EffectiveRank erank) {
        requireFits(lm, set);
        int layers = lm.config().numLayers(), d = lm.config().hiddenSize();
        int tokens = set.numSequences() * set.seqLen();
        float[][] hidden = new float[layers + 1][tokens * d];
        int[] filled = {0};
        CalibrationRun.forEachBatch(lm, set, batchSize, a -> {
            int n = a.batch * a.seqLen;
            for (int l = 0; l <= layers; l++) {
                float[] h = lm.backend().downloadFloats(a.hidden(l));
                System.arraycopy(h, 0, hidden[l], filled[0] * d, n * d);
            }
            filled[0] += n;
        });
        List<Matrix> ms = new ArrayList<>();
        for (float[] h : hidden) {
            ms.add(new Matrix(h, tokens, d));
        }
        double[] red = erank.computeAll(ms, EffectiveRank.Definition.RED);
        double[] rv = erank.computeAll(ms, EffectiveRank.Definition.ROY_VETTERLI);
        List<Layer> out = new ArrayList<>();
        for (int l = 0; l <= layers; l++) {
            out.add(new Layer(l, red[l], rv[l], TokenDistinguishability.meanPairwiseCosine(ms.get(l)), ms.get(l).rms()));
        }
        return new Result(tokens, out);
    }
}
