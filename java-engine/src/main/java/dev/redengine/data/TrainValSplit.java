package dev.redengine.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sequences split by a seed into training sequences and validation batches of {@code batch} sequences each
 * (ids [B * T]): round(fraction x N) sequences rounded down to whole batches are held out, the rest train. The
 * shuffle has a stream of its own, so the split does not depend on the data order of training. erankBatch is
 * the fixed batch eRank is measured on: the first validation batch, or the first B training sequences.
 */
public record TrainValSplit(int[][] train, List<int[]> validation, int[] erankBatch) {
    public static TrainValSplit of(CalibrationSet set, double valFraction, long seed, int batch, int gradAccum) {
        int n = set.numSequences(), t = set.seqLen();
        int[] order = SeededShuffle.permutation(n, seed ^ 0x76616c696461L);   // not the data order's stream
        int held = (int) Math.round(valFraction * n) / batch * batch;
        if (valFraction > 0 && held == 0) {
            throw new IllegalArgumentException("--val-fraction " + valFraction + " of " + n + " sequences holds fewer than --batch "
                    + batch + " sequences; use more data, a larger --val-fraction, or --val-fraction 0");
        }
        if (n - held < batch * gradAccum) {
            throw new IllegalArgumentException("--data gives " + (n - held) + " training sequences, fewer than --batch x --grad-accum = "
                    + batch * gradAccum);
        }
        List<int[]> val = new ArrayList<>();
        for (int b = 0; b < held / batch; b++) {
            int[] ids = new int[batch * t];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(set.sequence(order[b * batch + i]), 0, ids, i * t, t);
            }
            val.add(ids);
        }
        int[][] train = new int[n - held][];
        for (int i = held; i < n; i++) {
            train[i - held] = set.sequence(order[i]);
        }
        int[] erankBatch = val.isEmpty() ? Arrays.stream(Arrays.copyOf(train, batch)).flatMapToInt(Arrays::stream).toArray()
                : val.getFirst();
        return new TrainValSplit(train, val, erankBatch);
    }
}
