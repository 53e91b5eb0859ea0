package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code absMeanOverTokens}: out[b, c] = mean over t of |x[b*T + t, c]|, x [B*T, C] (or [B, T, C]), out [B, C].
 * Random data: a T-term sum of nonnegative values then a division, |got - ref| <= 2 (T + 4) U ref. Small
 * integers: the sum is exact, only the division (or a multiplication by 1/T: two roundings) remains,
 * |got - ref| <= 2 U ref, so a dropped or extra token shows.
 */
public abstract class AbsMeanOverTokensConformance extends BackendConformance {

    /** B, T, C. */
    static List<Arguments> cases() {
        return List.of(Arguments.of(1, 1, 1, 1L), Arguments.of(1, 1, 130, 2L), Arguments.of(2, 5, 3, 3L),
                Arguments.of(3, 17, 17, 4L), Arguments.of(2, 33, 67, 5L), Arguments.of(1, 130, 33, 6L),
                Arguments.of(4, 7, 1000, 7L), Arguments.of(5, 3, 1, 8L));
    }

    private static double[][] reference(float[] x, int batch, int seqLen, int c, double relTol) {
        double[] want = new double[batch * c], tol = new double[batch * c];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < c; j++) {
                double s = 0;
                for (int t = 0; t < seqLen; t++) {
                    s += Math.abs(x[(b * seqLen + t) * c + j]);
                }
                want[b * c + j] = s / seqLen;
                tol[b * c + j] = relTol * want[b * c + j];
            }
        }
        return new double[][]{want, tol};
    }

    @ParameterizedTest(name = "B={0} T={1} C={2}")
    @MethodSource("cases")
    void randomData(int batch, int seqLen, int c, long seed) {
        float[] x = uniform(new SplittableRandom(seed), batch * seqLen * c, 3);
        Tensor out = upload(filled(batch * c, Float.NaN), batch, c), xt = upload(x, batch * seqLen, c);
        be.absMeanOverTokens(out, xt, seqLen);
        double[][] ref = reference(x, batch, seqLen, c, 2 * (seqLen + 4) * U);
        Expect.within("mean |x|", ref[0], download(out), ref[1]);
        Expect.same("x is read only", x, download(xt));
    }

    @ParameterizedTest(name = "B={0} T={1} C={2}")
    @MethodSource("cases")
    void smallIntegersAsRank3(int batch, int seqLen, int c, long seed) {
        float[] x = integers(new SplittableRandom(seed), batch * seqLen * c, 50);
        Tensor out = zeros(batch, c);
        be.absMeanOverTokens(out, upload(x, batch, seqLen, c), seqLen);
        double[][] ref = reference(x, batch, seqLen, c, 2 * U);
        Expect.within("mean |x|", ref[0], download(out), ref[1]);
    }
}
