package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code crossEntropy}: losses[n] = logsumexp(logits[n]) - logits[n, target]; dlogits = gradScale (softmax -
 * onehot), or 0 and loss 0 where the target is negative (ignored: -1 and HF's -100). Vocabularies that are not
 * a multiple of any vector width or block (1, 2, 37, 1000, 8193); dlogits absent, separate, or aliasing the
 * logits; logits offset by +100, where exp without the max shift overflows. Some rows put the target or the
 * largest logit in the last column and others in the first, so a skipped tail or head element changes the
 * result far beyond the tolerance.
 *
 * <p>Tolerances: the sum of exp(x - max) over V positive terms has relative error <= (V + 8 + span) U, span being
 * the row's max - min (rounding of x - max enters exp's argument); log turns that into an absolute error, and
 * forming lse = max + log(sum) and lse - x_t rounds twice more: |loss - ref| <= 2 (V + 8 + span) U +
 * 4 U (|lse| + |x_t|). Each softmax value carries the same relative error: |dlogit - ref| <= |gradScale|
 * (p_j 2 (V + 8 + span) U + 2 U [j = target]) + 1e-30 (flushed subnormals).
 */
public abstract class CrossEntropyConformance extends BackendConformance {

    enum Grad { NONE, SEPARATE, ALIASED }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[] vocabs = {1, 2, 37, 1000, 8193};
        int[] rowCounts = {1, 3, 8};
        float[] scales = {1f, 0.125f, 0.37f};
        long seed = 1;
        for (int v : vocabs) {
            for (int rows : rowCounts) {
                for (Grad grad : Grad.values()) {
                    float offset = seed % 4 == 0 ? 100f : 0f;
                    cases.add(Arguments.of(rows, v, grad, scales[(int) (seed % 3)], offset, seed++));
                }
            }
        }
        return cases;
    }

    /** Row r: r % 4 == 0 target V-1, 1 ignored (-1 or -100), 2 target 0, 3 random. */
    private static int[] targets(SplittableRandom rng, int rows, int vocab) {
        int[] t = new int[rows];
        for (int r = 0; r < rows; r++) {
            t[r] = switch (r % 4) {
                case 0 -> vocab - 1;
                case 1 -> r % 8 == 1 ? -1 : -100;
                case 2 -> 0;
                default -> rng.nextInt(vocab);
            };
        }
        return t;
    }

    @ParameterizedTest(name = "N={0} V={1} dlogits {2} gradScale={3} offset={4}")
    @MethodSource("cases")
    void lossAndGradient(int rows, int vocab, Grad grad, float gradScale, float offset, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = spikedLogits(rng, rows, vocab, offset);
        int[] targets = targets(rng, rows, vocab);
        Tensor logits = upload(x, rows, vocab), losses = upload(filled(rows, Float.NaN), rows);
        Tensor dlogits = switch (grad) {
            case NONE -> null;
            case SEPARATE -> upload(filled(rows * vocab, Float.NaN), rows, vocab);
            case ALIASED -> logits;
        };
        Tensor lossSum = upload(new float[]{0.25f}, 1);
        be.crossEntropy(losses, lossSum, dlogits, logits, uploadInts(targets, rows), gradScale);

        double[] wantLoss = new double[rows], tolLoss = new double[rows];
        double[] wantGrad = new double[rows * vocab], tolGrad = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) {
                continue; // loss 0 and gradient 0, exactly
            }
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                max = Math.max(max, x[r * vocab + j]);
                min = Math.min(min, x[r * vocab + j]);
            }
            double sum = 0;
            for (int j = 0; j < vocab; j++) {
                sum += Math.exp(x[r * vocab + j] - max);
            }
            double lse = max + Math.log(sum), xt = x[r * vocab + targets[r]];
            double rel = 2 * (vocab + 8 + (max - min)) * U;
            wantLoss[r] = lse - xt;
            tolLoss[r] = rel + 4 * U * (Math.abs(lse) + Math.abs(xt));
            for (int j = 0; j < vocab; j++) {
                double p = Math.exp(x[r * vocab + j] - lse);
                boolean target = j == targets[r];
                wantGrad[r * vocab + j] = gradScale * (p - (target ? 1 : 0));
                tolGrad[r * vocab + j] = Math.abs(gradScale) * (p * rel + (target ? 2 * U : 0)) + 1e-30;
            }
        }
        Expect.within("losses", wantLoss, download(losses), tolLoss);
        double sum = 0.25, tolSum = 2 * rows * U * 0.25;
        for (int r = 0; r < rows; r++) {
            sum += wantLoss[r];
            tolSum += tolLoss[r] + 2 * rows * U * Math.abs(wantLoss[r]);
        }
        Expect.within("lossSum (0.25 + sum of the losses)", sum, download(lossSum)[0], tolSum);
        if (grad != Grad.NONE) {
            Expect.within("dlogits (" + grad + ")", wantGrad, download(dlogits), tolGrad);
        }
        if (grad != Grad.ALIASED) {
            Expect.same("logits are read only", x, download(logits));
        }
    }
}
