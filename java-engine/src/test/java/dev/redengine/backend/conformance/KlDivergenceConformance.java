package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code klDivergence}: with p = softmax(teacher / T), q = softmax(student / T), losses[n] = T^2 KL(p || q)
 * (forward) or T^2 KL(q || p) (reverse), lossSum += their sum, dstudent = gradScale T (q - p) (forward) or
 * gradScale T q ((log q - log p) - KL) (reverse); rows the mask leaves out (0 in an int32 or float32 mask) get
 * loss 0 and gradient 0. Temperatures 1, 2 and 0.5; vocabularies 1, 37, 1000 and 8193 (not multiples of any
 * vector width or block); dstudent absent, separate or aliasing the student; logits offset by +100 (student,
 * teacher or both), where exp without the max shift overflows. Some rows put the student's largest logit in
 * the last column and the teacher's in the first (a skipped head or tail element changes the loss far beyond the
 * tolerance); some make the teacher a small perturbation of the student (KL near 0, where the loss is a
 * difference of nearly equal terms).
 *
 * <p>Tolerances, from float32 rounding (span = max - min of a row, s = spanS + spanT): each exp argument
 * (x - max) / T rounds twice (2 U relative, so 2 U span / T absolute), exp itself a few U, and a partition sum
 * Z of V positive terms has relative error <= (V + 8 + 2 span / T) U; rel = 2 (V + 8 + 2 max(spanS, spanT) / T) U
 * bounds that for both Z and each p_j, q_j, and the absolute error of log Z. The computed KL(w || o) is
 * A / (T Zw) + log Zo - log Zw with A = sum e_w ((w - mw) - (o - mo)): the log Z terms add 2 rel; the weighted
 * ratio adds rel M (M = sum_j w_j |d_j|, d_j the exact log ratio before the constant) for the weights, 3 U s / T
 * for the three roundings of each shifted difference, and 4 U (|A / (T Zw)| + |log Zo - log Zw|) <= 4 U (M + s / T + log V + |KL|)
 * for the final additions of float-accumulated parts: |KL - ref| <= 2 rel + rel M + 3 U s / T + 4 U (...), times
 * T^2 (plus one rounding). Gradients: forward |Tg| (rel + 2 U) (q_j + p_j); reverse |Tg| q_j ((rel + 3 U)
 * |D_j - KL| + 3 U s / T + 2 rel + tolKL) with D_j = log q_j - log p_j; + 1e-30 for flushed subnormals.
 */
public abstract class KlDivergenceConformance extends BackendConformance {

    enum Grad { NONE, SEPARATE, ALIASED }

    enum Mask { NONE, INT, FLOAT }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[] vocabs = {1, 37, 1000, 8193};
        float[] temperatures = {1f, 2f, 0.5f};
        float[] scales = {1f, 0.125f, -0.37f};
        long seed = 1;
        for (boolean reverse : new boolean[]{false, true}) {
            for (int v : vocabs) {
                for (float t : temperatures) {
                    for (Grad grad : Grad.values()) {
                        int rows = new int[]{1, 3, 8}[(int) (seed % 3)];
                        Mask mask = Mask.values()[(int) (seed / 3 % 3)];
                        float studentOffset = seed % 4 == 0 || seed % 4 == 1 ? 100f : 0f;
                        float teacherOffset = seed % 4 == 0 || seed % 4 == 2 ? 100f : 0f;
                        cases.add(Arguments.of(reverse, rows, v, t, grad, mask, scales[(int) (seed % 3)],
                                studentOffset, teacherOffset, seed++));
                    }
                }
            }
        }
        return cases;
    }

    /**
     * Row r % 4: 0 an independent row with its spike in the first column (the student's is in the last), 1 and 3
     * independent rows, 2 the student's row plus noise of 0.01 (KL near 0), each shifted to the teacher's offset.
     */
    private static float[] teacher(SplittableRandom rng, float[] student, int rows, int vocab, float studentOffset, float offset) {
        float[] x = uniform(rng, rows * vocab, 5);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < vocab; j++) {
                int i = r * vocab + j;
                x[i] = r % 4 == 2 ? student[i] - studentOffset + x[i] / 500 + offset : x[i] + offset;
            }
            if (r % 4 == 0) {
                x[r * vocab] = offset + 9;
            }
        }
        return x;
    }

    /** Row r % 4 == 1 is left out by the masks; the other rows count (the int mask marks them 1 or 7, the float one 1 or 0.5). */
    private Tensor mask(Mask kind, int rows) {
        if (kind == Mask.NONE) {
            return null;
        }
        int[] ints = new int[rows];
        float[] floats = new float[rows];
        for (int r = 0; r < rows; r++) {
            ints[r] = r % 4 == 1 ? 0 : (r % 2 == 0 ? 1 : 7);
            floats[r] = r % 4 == 1 ? 0f : (r % 2 == 0 ? 1f : 0.5f);
        }
        return kind == Mask.INT ? uploadInts(ints, rows) : upload(floats, rows);
    }

    private static boolean selected(Mask kind, int r) {
        return kind == Mask.NONE || r % 4 != 1;
    }

    /** log softmax(x[r, :] / T) in double. */
    private static double[] logSoftmax(float[] x, int r, int vocab, double t) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < vocab; j++) {
            max = Math.max(max, x[r * vocab + j] / t);
        }
        for (int j = 0; j < vocab; j++) {
            sum += Math.exp(x[r * vocab + j] / t - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[vocab];
        for (int j = 0; j < vocab; j++) {
            out[j] = x[r * vocab + j] / t - lse;
        }
        return out;
    }

    private static double span(float[] x, int r, int vocab) {
        double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < vocab; j++) {
            max = Math.max(max, x[r * vocab + j]);
            min = Math.min(min, x[r * vocab + j]);
        }
        return max - min;
    }

    @ParameterizedTest(name = "reverse={0} N={1} V={2} T={3} dstudent {4} mask {5} gradScale={6} offsets {7}/{8}")
    @MethodSource("cases")
    void lossAndGradient(boolean reverse, int rows, int vocab, float temperature, Grad grad, Mask maskKind, float gradScale,
                         float studentOffset, float teacherOffset, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = spikedLogits(rng, rows, vocab, studentOffset);
        float[] t = teacher(rng, s, rows, vocab, studentOffset, teacherOffset);
        Tensor student = upload(s, rows, vocab), teacher = upload(t, rows, vocab);
        Tensor losses = upload(filled(rows, Float.NaN), rows), lossSum = upload(new float[]{0.25f}, 1);
        Tensor dstudent = switch (grad) {
            case NONE -> null;
            case SEPARATE -> upload(filled(rows * vocab, Float.NaN), rows, vocab);
            case ALIASED -> student;
        };
        be.klDivergence(losses, lossSum, dstudent, student, teacher, mask(maskKind, rows), temperature, reverse, gradScale);

        double tt = temperature, tg = Math.abs(tt * gradScale);
        double[] wantLoss = new double[rows], tolLoss = new double[rows];
        double[] wantGrad = new double[rows * vocab], tolGrad = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            if (!selected(maskKind, r)) {
                continue; // loss 0 and gradient 0, exactly
            }
            double[] lq = logSoftmax(s, r, vocab, tt), lp = logSoftmax(t, r, vocab, tt);
            double spanS = span(s, r, vocab), spanT = span(t, r, vocab), spans = spanS + spanT;
            double rel = 2 * (vocab + 8 + 2 * Math.max(spanS, spanT) / tt) * U;
            double kl = 0, m = 0;
            for (int j = 0; j < vocab; j++) {
                double w = reverse ? Math.exp(lq[j]) : Math.exp(lp[j]);
                double d = reverse ? lq[j] - lp[j] : lp[j] - lq[j];
                kl += w * d;
                m += w * Math.abs(d);
            }
            double tolKl = 2 * rel + rel * m + 3 * U * spans / tt + 4 * U * (m + spans / tt + Math.log(vocab) + Math.abs(kl));
            wantLoss[r] = tt * tt * kl;
            tolLoss[r] = tt * tt * (tolKl + U * Math.abs(kl));
            for (int j = 0; j < vocab; j++) {
                double q = Math.exp(lq[j]), p = Math.exp(lp[j]);
                int i = r * vocab + j;
                if (reverse) {
                    double dj = lq[j] - lp[j];
                    wantGrad[i] = gradScale * tt * q * (dj - kl);
                    tolGrad[i] = tg * q * ((rel + 3 * U) * Math.abs(dj - kl) + 3 * U * spans / tt + 2 * rel + tolKl) + 1e-30;
                } else {
                    wantGrad[i] = gradScale * tt * (q - p);
                    tolGrad[i] = tg * (rel + 2 * U) * (q + p) + 1e-30;
                }
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
            Expect.within("dstudent (" + grad + ")", wantGrad, download(dstudent), tolGrad);
        }
        if (grad != Grad.ALIASED) {
            Expect.same("student logits are read only", s, download(student));
        }
        Expect.same("teacher logits are read only", t, download(teacher));
    }

    /** Teacher = student (any offset, any temperature): every loss and every gradient entry is exactly 0. */
    @ParameterizedTest(name = "reverse={0}")
    @ValueSource(booleans = {false, true})
    void identicalLogitsGiveExactlyZero(boolean reverse) {
        int rows = 5, vocab = 1000;
        for (float temperature : new float[]{1f, 2f, 0.5f}) {
            SplittableRandom rng = new SplittableRandom(7);
            float[] x = spikedLogits(rng, rows, vocab, 100f);
            Tensor student = upload(x, rows, vocab), teacher = upload(x, rows, vocab);
            Tensor losses = upload(filled(rows, Float.NaN), rows), lossSum = zeros(1);
            Tensor dstudent = upload(filled(rows * vocab, Float.NaN), rows, vocab);
            be.klDivergence(losses, lossSum, dstudent, student, teacher, null, temperature, reverse, 1f);
            Expect.exact("losses at T=" + temperature, new double[rows], download(losses));
            Expect.exact("lossSum at T=" + temperature, new double[1], download(lossSum));
            Expect.exact("dstudent at T=" + temperature, new double[rows * vocab], download(dstudent));
        }
    }

    /** A mask that leaves out every row: losses 0, lossSum unchanged, gradient 0 over what was there (NaN). */
    @Test
    void fullyMaskedRowsContributeNothing() {
        int rows = 3, vocab = 37;
        SplittableRandom rng = new SplittableRandom(11);
        Tensor student = upload(uniform(rng, rows * vocab, 5), rows, vocab), teacher = upload(uniform(rng, rows * vocab, 5), rows, vocab);
        Tensor losses = upload(filled(rows, Float.NaN), rows), lossSum = upload(new float[]{1.5f}, 1);
        Tensor dstudent = upload(filled(rows * vocab, Float.NaN), rows, vocab);
        be.klDivergence(losses, lossSum, dstudent, student, teacher, uploadInts(new int[rows], rows), 2f, true, 1f);
        Expect.exact("losses", new double[rows], download(losses));
        Expect.exact("lossSum", new double[]{1.5}, download(lossSum));
        Expect.exact("dstudent", new double[rows * vocab], download(dstudent));
    }

    /** lossSum accumulates (+=) across calls, like crossEntropy's. */
    @Test
    void lossSumAccumulates() {
        int rows = 4, vocab = 37;
        SplittableRandom rng = new SplittableRandom(12);
        Tensor student = upload(uniform(rng, rows * vocab, 3), rows, vocab), teacher = upload(uniform(rng, rows * vocab, 3), rows, vocab);
        Tensor losses = zeros(rows), lossSum = zeros(1);
        be.klDivergence(losses, lossSum, null, student, teacher, null, 1f, false, 1f);
        double once = download(lossSum)[0];
        be.klDivergence(losses, lossSum, null, student, teacher, null, 1f, false, 1f);
        Expect.within("lossSum after two calls", 2 * once, download(lossSum)[0], 4 * U * once);
    }

    @ParameterizedTest(name = "T={0}")
    @ValueSource(floats = {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY})
    void temperatureMustBePositiveAndFinite(float temperature) {
        Tensor x = zeros(2, 3), losses = zeros(2), lossSum = zeros(1);
        assertThrows(IllegalArgumentException.class,
                () -> be.klDivergence(losses, lossSum, null, x, x, null, temperature, false, 1f));
    }
}
