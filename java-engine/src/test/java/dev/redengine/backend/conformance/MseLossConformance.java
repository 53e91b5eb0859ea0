package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code mseLoss}: losses[n] = (1/C) sum_c (x - t)^2, lossSum += their sum, dx += gradScale (2/C) (x - t),
 * dtarget += -gradScale (2/C) (x - t), each gradient optional. Widths that are not multiples of any vector width,
 * rows of very different scales, some rows equal to the target (loss and gradient exactly 0); the gradients start
 * from random values, so that an overwrite instead of += shows.
 *
 * <p>Tolerances: each difference rounds once (U relative), its square and the float sum of C squares add
 * (C + 2) U of the sum, the division one U: (C + 5) U loss. Gradients: s = gradScale 2 / C rounds once, the
 * difference once, the fused multiply-add once: 3 U |s (x - t)| + U |result|.
 */
public abstract class MseLossConformance extends BackendConformance {

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int c : new int[]{1, 3, 17, 33, 67, 130, 1000}) {
            for (int rows : new int[]{1, 6}) {
                for (int grads = 0; grads < 4; grads++) {   // bit 0: dx, bit 1: dtarget
                    cases.add(Arguments.of(rows, c, (grads & 1) != 0, (grads & 2) != 0,
                            new float[]{1f, -0.37f, 0.125f}[(int) (seed % 3)], seed++));
                }
            }
        }
        return cases;
    }

    /** Row r % 3: 0 independent, 1 the target plus 1e-3 noise, 2 equal to the target; row r scaled by 10^(r % 4 - 1). */
    static float[][] data(SplittableRandom rng, int rows, int c) {
        float[] x = uniform(rng, rows * c, 2), t = uniform(rng, rows * c, 2);
        for (int r = 0; r < rows; r++) {
            float scale = (float) Math.pow(10, r % 4 - 1);
            for (int j = 0; j < c; j++) {
                int i = r * c + j;
                t[i] *= scale;
                x[i] = switch (r % 3) {
                    case 0 -> x[i] * scale;
                    case 1 -> t[i] + x[i] * scale * 1e-3f;
                    default -> t[i];
                };
            }
        }
        return new float[][]{x, t};
    }

    @ParameterizedTest(name = "N={0} C={1} dx={2} dtarget={3} gradScale={4}")
    @MethodSource("cases")
    void lossAndGradients(int rows, int c, boolean withDx, boolean withDt, float gradScale, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] d = data(rng, rows, c);
        float[] x = d[0], t = d[1], dx0 = uniform(rng, rows * c, 1), dt0 = uniform(rng, rows * c, 1);
        Tensor xs = upload(x, rows, c), ts = upload(t, rows, c);
        Tensor losses = upload(filled(rows, Float.NaN), rows), lossSum = upload(new float[]{0.25f}, 1);
        Tensor dx = withDx ? upload(dx0, rows, c) : null, dt = withDt ? upload(dt0, rows, c) : null;
        be.mseLoss(losses, lossSum, dx, dt, xs, ts, gradScale);

        double s = gradScale * 2.0 / c;
        double[] wantLoss = new double[rows], tolLoss = new double[rows];
        double[] wantDx = new double[rows * c], tolDx = new double[rows * c];
        double[] wantDt = new double[rows * c], tolDt = new double[rows * c];
        double sum = 0.25, tolSum = 0;
        for (int r = 0; r < rows; r++) {
            double l = 0;
            for (int j = 0; j < c; j++) {
                int i = r * c + j;
                double diff = (double) x[i] - t[i], g = s * diff;
                l += diff * diff;
                wantDx[i] = dx0[i] + g;
                tolDx[i] = 3 * U * Math.abs(g) + U * Math.abs(wantDx[i]);
                wantDt[i] = dt0[i] - g;
                tolDt[i] = 3 * U * Math.abs(g) + U * Math.abs(wantDt[i]);
            }
            wantLoss[r] = l / c;
            tolLoss[r] = (c + 5) * U * wantLoss[r];
            sum += wantLoss[r];
            tolSum += tolLoss[r] + 2 * rows * U * wantLoss[r];
        }
        Expect.within("losses", wantLoss, download(losses), tolLoss);
        Expect.within("lossSum (0.25 + sum of the losses)", sum, download(lossSum)[0], tolSum + 2 * rows * U * 0.25);
        if (withDx) {
            Expect.within("dx (+=)", wantDx, download(dx), tolDx);
        }
        if (withDt) {
            Expect.within("dtarget (+=)", wantDt, download(dt), tolDt);
        }
        Expect.same("x is read only", x, download(xs));
        Expect.same("target is read only", t, download(ts));
    }

    /** x == target: every loss 0 and the gradients unchanged, exactly. */
    @Test
    void equalRowsGiveExactlyZero() {
        int rows = 5, c = 67;
        float[] x = uniform(new SplittableRandom(3), rows * c, 100), g0 = uniform(new SplittableRandom(4), rows * c, 1);
        Tensor xs = upload(x, rows, c), ts = upload(x, rows, c), dx = upload(g0, rows, c), dt = upload(g0, rows, c);
        Tensor losses = zeros(rows), lossSum = zeros(1);
        be.mseLoss(losses, lossSum, dx, dt, xs, ts, 3f);
        Expect.exact("losses", new double[rows], download(losses));
        Expect.exact("lossSum", new double[1], download(lossSum));
        Expect.same("dx", g0, download(dx));
        Expect.same("dtarget", g0, download(dt));
    }

    @Test
    void mismatchedShapesAndAliasedGradientsAreRejected() {
        Tensor x = zeros(4, 6), losses = zeros(4), lossSum = zeros(1);
        assertThrows(IllegalArgumentException.class, () -> be.mseLoss(losses, lossSum, null, null, x, zeros(4, 5), 1f));
        assertThrows(IllegalArgumentException.class, () -> be.mseLoss(zeros(3), lossSum, null, null, x, zeros(4, 6), 1f));
        assertThrows(IllegalArgumentException.class, () -> be.mseLoss(losses, lossSum, x, null, x, zeros(4, 6), 1f));
    }
}
