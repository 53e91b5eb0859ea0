package dev.redengine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks token ids from logits by {@link SamplingSettings}; one sampler per generated sequence. */
public final class Sampler {
    private final SamplingSettings settings;
    private final SplittableRandom rng;

    public Sampler(SamplingSettings settings) {
        this.settings = settings;
        this.rng = new SplittableRandom(settings.seed());
    }

    /** The index of the largest logit, the lowest on ties (NaN logits are never chosen). */
    public static int argmax(float[] logits) {
        int best = -1;
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isNaN(logits[i]) && (best < 0 || logits[i] > logits[best])) {
                best = i;
            }
        }
        if (best < 0) {
            throw new ArithmeticException("every logit is NaN");
        }
        return best;
    }

    public int next(float[] logits) {
        if (settings.greedy()) {
            return argmax(logits);
        }
        double[] p = probabilities(logits, settings);
        double u = rng.nextDouble(), cum = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cum += p[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last;   // u fell into the rounding gap below 1
    }

    /**
     * The distribution {@link #next} samples from: softmax at the temperature, zero outside the top k and outside
     * the nucleus of mass top p (the most likely tokens, in descending order, until their sum reaches top p), then
     * renormalised. Ties at a cut keep the lower id first.
     */
    static double[] probabilities(float[] logits, SamplingSettings s) {
        int v = logits.length;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = s.topK() > 0 ? Math.min(s.topK(), v) : v;
        double max = logits[order[0]];
        double[] p = new double[v];
        double sum = 0;
        for (int r = 0; r < keep; r++) {
            int i = order[r];
            p[i] = Math.exp((logits[i] - max) / s.temperature());
            sum += p[i];
        }
        double cum = 0;
        int nucleus = keep;
        for (int r = 0; r < keep; r++) {
            p[order[r]] /= sum;
            cum += p[order[r]];
            if (cum >= s.topP() && nucleus == keep) {
                nucleus = r + 1;
            }
        }
        double kept = 0;
        for (int r = 0; r < keep; r++) {
            if (r >= nucleus) {
                p[order[r]] = 0;
            }
            kept += p[order[r]];
        }
        for (int r = 0; r < nucleus; r++) {
            p[order[r]] /= kept;
        }
        return p;
    }
}
