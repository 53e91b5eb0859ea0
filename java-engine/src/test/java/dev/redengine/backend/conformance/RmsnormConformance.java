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
 * {@code rmsnorm} and {@code rmsnormBackward} against the definition in double:
 * rstd = 1 / sqrt(mean(x^2) + eps), out = x rstd w;
 * dx += rstd (dout w) - x rstd^3 sum_j(dout_j w_j x_j) / C, dweight += sum_rows dout x rstd (both accumulate).
 *
 * <p>Tolerances: mean(x^2) is a C-term sum of positive values, relative error <= C U, which sqrt halves;
 * with the divisions and the eps addition rstd is within 2 (C + 8) U relative, and out (two more products)
 * within (2 (C + 8) + 4) U relative. The backward pass uses the backend's own rstd (relative error delta as
 * above), enters as rstd and rstd^3 and has a C-term dot product: |dx - ref| <= 8 (C + 8) U times the magnitude
 * rstd |dout w| + |x| rstd^3 sum |dout w x| / C (which bounds the cancellation between the two terms);
 * dweight adds an R-term sum: (2 (R + 2) + 8 (C + 8)) U times sum_rows |dout x| rstd. A dropped column
 * changes mean(x^2) by about 1/C, over 50x these bounds for C <= 1000.
 */
public abstract class RmsnormConformance extends BackendConformance {

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        float[] scales = {1f, 1e3f, 1e-3f};
        long seed = 1;
        for (int rows : new int[]{1, 3, 17}) {
            for (int c : new int[]{1, 3, 17, 33, 67, 130, 1000}) {
                float eps = seed % 2 == 0 ? 1e-5f : 1e-6f;
                cases.add(Arguments.of(rows, c, eps, scales[(int) (seed % 3)], seed++));
            }
        }
        return cases;
    }

    /** x with a zero row (rstd = 1 / sqrt(eps)) when there are several rows. */
    private static float[] input(SplittableRandom rng, int rows, int c, float scale) {
        float[] x = uniform(rng, rows * c, scale);
        if (rows > 1) {
            java.util.Arrays.fill(x, c, 2 * c, 0f);
        }
        return x;
    }

    private static double rstd(float[] x, int row, int c, float eps) {
        double ss = 0;
        for (int j = 0; j < c; j++) {
            ss += (double) x[row * c + j] * x[row * c + j];
        }
        return 1 / Math.sqrt(ss / c + eps);
    }

    @ParameterizedTest(name = "R={0} C={1} eps={2} |x|<{3}")
    @MethodSource("cases")
    void forwardMatchesTheDefinition(int rows, int c, float eps, float scale, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = input(rng, rows, c, scale), w = uniform(rng, c, 2);
        Tensor out = upload(filled(rows * c, Float.NaN), rows, c), rstd = upload(filled(rows, Float.NaN), rows);
        Tensor xt = upload(x, rows, c), wt = upload(w, c);
        be.rmsnorm(out, rstd, xt, wt, eps);
        double[] wantOut = new double[rows * c], tolOut = new double[rows * c], wantR = new double[rows], tolR = new double[rows];
        double rel = 2 * (c + 8) * U;
        for (int r = 0; r < rows; r++) {
            wantR[r] = rstd(x, r, c, eps);
            tolR[r] = rel * wantR[r];
            for (int j = 0; j < c; j++) {
                wantOut[r * c + j] = x[r * c + j] * wantR[r] * w[j];
                tolOut[r * c + j] = (rel + 4 * U) * Math.abs(wantOut[r * c + j]);
            }
        }
        Expect.within("rstd", wantR, download(rstd), tolR);
        Expect.within("out", wantOut, download(out), tolOut);
        Expect.same("x is read only", x, download(xt));
    }

    @ParameterizedTest(name = "R={0} C={1} eps={2} |x|<{3}")
    @MethodSource("cases")
    void backwardAccumulatesBothGradients(int rows, int c, float eps, float scale, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = input(rng, rows, c, scale), w = uniform(rng, c, 2), dout = uniform(rng, rows * c, 1);
        float[] dx0 = uniform(rng, rows * c, 1), dw0 = uniform(rng, c, 1);
        Tensor xt = upload(x, rows, c), wt = upload(w, c), rstd = zeros(rows);
        be.rmsnorm(zeros(rows, c), rstd, xt, wt, eps);
        Tensor dx = upload(dx0, rows, c), dw = upload(dw0, c);
        be.rmsnormBackward(dx, dw, upload(dout, rows, c), xt, wt, rstd);

        double[] wantDx = new double[rows * c], tolDx = new double[rows * c];
        double[] wantDw = toDouble(dw0), magDw = new double[c];
        for (int row = 0; row < rows; row++) {
            double r = rstd(x, row, c, eps), dot = 0, dotAbs = 0;
            for (int j = 0; j < c; j++) {
                double g = (double) dout[row * c + j] * w[j];
                dot += g * x[row * c + j];
                dotAbs += Math.abs(g * x[row * c + j]);
            }
            for (int j = 0; j < c; j++) {
                int i = row * c + j;
                double g = (double) dout[i] * w[j];
                double grad = r * g - x[i] * r * r * r * dot / c;
                wantDx[i] = dx0[i] + grad;
                double mag = r * Math.abs(g) + Math.abs(x[i]) * r * r * r * dotAbs / c;
                tolDx[i] = 8 * (c + 8) * U * mag + 2 * U * Math.abs(wantDx[i]);
                wantDw[j] += (double) dout[i] * x[i] * r;
                magDw[j] += Math.abs((double) dout[i] * x[i] * r);
            }
        }
        double[] tolDw = new double[c];
        for (int j = 0; j < c; j++) {
            tolDw[j] = (2 * (rows + 2) + 8 * (c + 8)) * U * magDw[j] + 2 * U * Math.abs(wantDw[j]);
        }
        Expect.within("dx0 + dx", wantDx, download(dx), tolDx);
        Expect.within("dweight0 + dweight", wantDw, download(dw), tolDw);
    }
}
