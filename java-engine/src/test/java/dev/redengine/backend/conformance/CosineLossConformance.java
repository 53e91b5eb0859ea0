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
 * {@code cosineLoss}: losses[n] = 1 - cos(x_n, t_n), lossSum += their sum, dx += -gradScale (t / (|x||t|) -
 * cos x / |x|^2), dtarget += -gradScale (x / (|x||t|) - cos t / |t|^2); a zero row has loss 1 and gradient 0.
 * The same data as {@link MseLossConformance} (rows equal to the target, near it, independent; scales 0.1 to
 * 100), plus a zero row; gradients start from random values, so that an overwrite instead of += shows.
 *
 * <p>Tolerances: |x|^2, |t|^2 and x . t are float sums of C products, each within (C + 1) U of the sum of
 * |terms| (for x . t at most |x||t|), so cos = x . t / sqrt(|x|^2 |t|^2) is within (2C + 8) U absolute, and so is
 * the loss. A gradient entry -g (a t_i - b x_i) with a = 1 / (|x||t|), b = cos / |x|^2: a within (C + 4) U
 * relative, b within (tolCos + (C + 4) U |cos|) / |x|^2 absolute, plus the fused multiply-add and the += (2 U
 * of the terms, U of the result).
 */
public abstract class CosineLossConformance extends BackendConformance {

    static List<Arguments> cases() {
        return MseLossConformance.cases();
    }

    @ParameterizedTest(name = "N={0} C={1} dx={2} dtarget={3} gradScale={4}")
    @MethodSource("cases")
    void lossAndGradients(int rows, int c, boolean withDx, boolean withDt, float gradScale, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] d = MseLossConformance.data(rng, rows, c);
        float[] x = d[0], t = d[1], dx0 = uniform(rng, rows * c, 1), dt0 = uniform(rng, rows * c, 1);
        if (rows > 4) {
            java.util.Arrays.fill(x, 4 * c, 5 * c, 0f);   // row 4: no direction
        }
        Tensor xs = upload(x, rows, c), ts = upload(t, rows, c);
        Tensor losses = upload(filled(rows, Float.NaN), rows), lossSum = upload(new float[]{0.25f}, 1);
        Tensor dx = withDx ? upload(dx0, rows, c) : null, dt = withDt ? upload(dt0, rows, c) : null;
        be.cosineLoss(losses, lossSum, dx, dt, xs, ts, gradScale);

        double g = gradScale;
        double[] wantLoss = new double[rows], tolLoss = new double[rows];
        double[] wantDx = toDouble(dx0), tolDx = new double[rows * c];
        double[] wantDt = toDouble(dt0), tolDt = new double[rows * c];
        double sum = 0.25, tolSum = 2 * rows * U * 0.25;
        for (int r = 0; r < rows; r++) {
            double xx = 0, tt = 0, xt = 0;
            for (int j = 0; j < c; j++) {
                int i = r * c + j;
                xx += (double) x[i] * x[i];
                tt += (double) t[i] * t[i];
                xt += (double) x[i] * t[i];
            }
            double tolCos = (2 * c + 8) * U;
            if (xx == 0 || tt == 0) {
                wantLoss[r] = 1;
                tolLoss[r] = 0;
            } else {
                double nx = Math.sqrt(xx), nt = Math.sqrt(tt), cos = xt / (nx * nt), a = 1 / (nx * nt);
                wantLoss[r] = 1 - cos;
                tolLoss[r] = tolCos + U;
                for (int j = 0; j < c; j++) {
                    int i = r * c + j;
                    double gx = -g * (a * t[i] - cos / xx * x[i]), gt = -g * (a * x[i] - cos / tt * t[i]);
                    wantDx[i] += gx;
                    wantDt[i] += gt;
                    tolDx[i] = Math.abs(g) * ((c + 6) * U * a * Math.abs(t[i]) + (tolCos + (c + 6) * U) * Math.abs(x[i]) / xx)
                            + U * Math.abs(wantDx[i]) + 1e-30;
                    tolDt[i] = Math.abs(g) * ((c + 6) * U * a * Math.abs(x[i]) + (tolCos + (c + 6) * U) * Math.abs(t[i]) / tt)
                            + U * Math.abs(wantDt[i]) + 1e-30;
                }
            }
            sum += wantLoss[r];
            tolSum += tolLoss[r] + 2 * rows * U * wantLoss[r];
        }
        Expect.within("losses", wantLoss, download(losses), tolLoss);
        Expect.within("lossSum (0.25 + sum of the losses)", sum, download(lossSum)[0], tolSum);
        if (withDx) {
            Expect.within("dx (+=)", wantDx, download(dx), tolDx);
        }
        if (withDt) {
            Expect.within("dtarget (+=)", wantDt, download(dt), tolDt);
        }
        Expect.same("x is read only", x, download(xs));
        Expect.same("target is read only", t, download(ts));
    }

    /** A row parallel to its target (any positive multiple) has loss 0 within rounding; an opposite one 2. */
    @Test
    void parallelAndOppositeRows() {
        int c = 33;
        float[] t = uniform(new SplittableRandom(5), 2 * c, 1), x = new float[2 * c];
        for (int j = 0; j < c; j++) {
            x[j] = 4 * t[j];
            x[c + j] = -0.5f * t[c + j];
        }
        Tensor losses = zeros(2), lossSum = zeros(1);
        be.cosineLoss(losses, lossSum, null, null, upload(x, 2, c), upload(t, 2, c), 1f);
        Expect.within("losses", new double[]{0, 2}, download(losses), constant(2, (2 * c + 9) * U));
    }

    @Test
    void mismatchedShapesAndAliasedGradientsAreRejected() {
        Tensor x = zeros(4, 6), t = zeros(4, 6), losses = zeros(4), lossSum = zeros(1);
        assertThrows(IllegalArgumentException.class, () -> be.cosineLoss(losses, lossSum, null, null, x, zeros(6, 4), 1f));
        assertThrows(IllegalArgumentException.class, () -> be.cosineLoss(losses, zeros(2), null, null, x, t, 1f));
        assertThrows(IllegalArgumentException.class, () -> be.cosineLoss(losses, lossSum, null, t, x, t, 1f));
    }
}
