package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code headNormMeanOverTokens}: out[b, h] = mean over t of ||x[b*T + t, h, :]||_2, x [B*T, H, D], out [B, H].
 * Random data: each norm is a D-term sum of squares (relative error D U, halved by sqrt) and the mean a T-term
 * sum of positive values, |got - ref| <= 2 (D + T + 8) U ref. One nonzero integer per head vector, at a position
 * that moves through the vector (the last one included): every norm is exact, so |got - ref| <= 2 U ref and an
 * element the kernel skips turns a norm into 0.
 */
public abstract class HeadNormMeanOverTokensConformance extends BackendConformance {

    /** B, T, H, D. */
    static List<Arguments> cases() {
        return List.of(Arguments.of(1, 1, 1, 1, 1L), Arguments.of(1, 1, 2, 130, 2L), Arguments.of(2, 5, 3, 17, 3L),
                Arguments.of(3, 4, 5, 64, 4L), Arguments.of(2, 17, 2, 33, 5L), Arguments.of(1, 3, 1, 67, 6L),
                Arguments.of(2, 2, 4, 3, 7L), Arguments.of(1, 33, 8, 128, 8L));
    }

    private static double[][] reference(float[] x, int batch, int seqLen, int heads, int d, double relTol) {
        double[] want = new double[batch * heads], tol = new double[batch * heads];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double s = 0;
                for (int t = 0; t < seqLen; t++) {
                    double ss = 0;
                    for (int i = 0; i < d; i++) {
                        double v = x[((b * seqLen + t) * heads + h) * d + i];
                        ss += v * v;
                    }
                    s += Math.sqrt(ss);
                }
                want[b * heads + h] = s / seqLen;
                tol[b * heads + h] = relTol * want[b * heads + h];
            }
        }
        return new double[][]{want, tol};
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} D={3}")
    @MethodSource("cases")
    void randomData(int batch, int seqLen, int heads, int d, long seed) {
        float[] x = uniform(new SplittableRandom(seed), batch * seqLen * heads * d, 3);
        Tensor out = upload(filled(batch * heads, Float.NaN), batch, heads), xt = upload(x, batch * seqLen, heads, d);
        be.headNormMeanOverTokens(out, xt, seqLen);
        double[][] ref = reference(x, batch, seqLen, heads, d, 2 * (d + seqLen + 8) * U);
        Expect.within("mean ||x_h||", ref[0], download(out), ref[1]);
        Expect.same("x is read only", x, download(xt));
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} D={3}")
    @MethodSource("cases")
    void exactNormsOfOneNonzeroEach(int batch, int seqLen, int heads, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[batch * seqLen * heads * d];
        int vectors = batch * seqLen * heads;
        for (int v = 0; v < vectors; v++) {
            int at = v % 2 == 0 ? d - 1 : rng.nextInt(d); // every other vector: the last element
            x[v * d + at] = rng.nextInt(1, 100) * (rng.nextBoolean() ? 1 : -1);
        }
        Tensor out = zeros(batch, heads);
        be.headNormMeanOverTokens(out, upload(x, batch * seqLen, heads, d), seqLen);
        double[][] ref = reference(x, batch, seqLen, heads, d, 2 * U);
        Expect.within("mean ||x_h||", ref[0], download(out), ref[1]);
    }
}
