package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code rope} and {@code ropeBackward} in place, HF rotate_half layout: for row r (position t = r mod T), head h
 * and i < D/2, (x1, x2) = (x[i], x[i + D/2]) becomes (x1 c - x2 s, x2 c + x1 s) with c, s from row t of the
 * tables; the backward rotates by the negative angle. Applied, as in attention, to q [B*T, H, D] and
 * k [B*T, KV, D] with the same tables, over several GQA ratios H / KV (1, 2, 3, 4, 7, 16), T = 1, half widths
 * that are not multiples of any vector width (1, 3, 17, 65), and tables longer than T.
 *
 * <p>The reference uses the float table values, so the only error is rounding two products and a sum:
 * |out - ref| <= 4 U (|x1 c| + |x2 s|).
 */
public abstract class RopeConformance extends BackendConformance {

    /** B, T, H, KV, D, extra table rows beyond T, theta. */
    static List<Arguments> cases() {
        return List.of(
                Arguments.of(1, 1, 1, 1, 2, 0, 10_000.0, 1L),
                Arguments.of(1, 1, 4, 1, 8, 3, 10_000.0, 2L),
                Arguments.of(2, 5, 8, 2, 16, 0, 10_000.0, 3L),
                Arguments.of(3, 7, 6, 3, 6, 5, 10_000.0, 4L),
                Arguments.of(1, 17, 12, 4, 34, 0, 500_000.0, 5L),
                Arguments.of(2, 3, 4, 4, 130, 2, 10_000.0, 6L),
                Arguments.of(1, 33, 14, 2, 64, 0, 1_000_000.0, 7L),
                Arguments.of(2, 9, 16, 1, 128, 7, 10_000.0, 8L));
    }

    /** cos and sin tables [rows, D/2] for positions 0..rows-1, HF default inverse frequencies. */
    private static float[][] tables(int rows, int d, double theta) {
        int half = d / 2;
        float[] cos = new float[rows * half], sin = new float[rows * half];
        for (int p = 0; p < rows; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(theta, -2.0 * i / d);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][]{cos, sin};
    }

    /** ref[0] = x rotated by sign * angle, ref[1] = tolerance. */
    private static double[][] rotated(float[] x, int rows, int heads, int d, int seqLen, float[] cos, float[] sin, int sign) {
        int half = d / 2;
        double[] out = new double[x.length], tol = new double[x.length];
        for (int r = 0; r < rows; r++) {
            int t = r % seqLen;
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * d;
                for (int i = 0; i < half; i++) {
                    double c = cos[t * half + i], s = sign * sin[t * half + i];
                    double x1 = x[base + i], x2 = x[base + half + i];
                    out[base + i] = x1 * c - x2 * s;
                    out[base + half + i] = x2 * c + x1 * s;
                    double mag = Math.abs(x1 * c) + Math.abs(x2 * s), mag2 = Math.abs(x2 * c) + Math.abs(x1 * s);
                    tol[base + i] = 4 * U * mag;
                    tol[base + half + i] = 4 * U * mag2;
                }
            }
        }
        return new double[][]{out, tol};
    }

    private void check(boolean backward, int batch, int seqLen, int heads, int d, int extra, double theta, long seed, String what) {
        SplittableRandom rng = new SplittableRandom(seed * 31 + heads);
        float[][] table = tables(seqLen + extra, d, theta);
        int rows = batch * seqLen;
        float[] x = uniform(rng, rows * heads * d, 2);
        Tensor xt = upload(x, rows, heads, d), cos = upload(table[0], seqLen + extra, d / 2), sin = upload(table[1], seqLen + extra, d / 2);
        if (backward) {
            be.ropeBackward(xt, cos, sin, seqLen);
        } else {
            be.rope(xt, cos, sin, seqLen);
        }
        double[][] ref = rotated(x, rows, heads, d, seqLen, table[0], table[1], backward ? -1 : 1);
        Expect.within(what, ref[0], download(xt), ref[1]);
        Expect.same("cos is read only", table[0], download(cos));
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} table T+{5}")
    @MethodSource("cases")
    void ropeRotatesQueriesAndKeys(int batch, int seqLen, int heads, int kvHeads, int d, int extra, double theta, long seed) {
        check(false, batch, seqLen, heads, d, extra, theta, seed, "q [B*T, H, D]");
        check(false, batch, seqLen, kvHeads, d, extra, theta, seed, "k [B*T, KV, D]");
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} table T+{5}")
    @MethodSource("cases")
    void ropeBackwardRotatesBack(int batch, int seqLen, int heads, int kvHeads, int d, int extra, double theta, long seed) {
        check(true, batch, seqLen, heads, d, extra, theta, seed, "dq [B*T, H, D]");
        check(true, batch, seqLen, kvHeads, d, extra, theta, seed, "dk [B*T, KV, D]");
    }

    /** The backward is the transpose: ropeBackward(rope(x)) = x up to rounding (cos^2 + sin^2 = 1 in float). */
    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} table T+{5}")
    @MethodSource("cases")
    void backwardUndoesForward(int batch, int seqLen, int heads, int kvHeads, int d, int extra, double theta, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] table = tables(seqLen + extra, d, theta);
        int rows = batch * seqLen;
        float[] x = uniform(rng, rows * kvHeads * d, 2);
        Tensor xt = upload(x, rows, kvHeads, d), cos = upload(table[0], seqLen + extra, d / 2), sin = upload(table[1], seqLen + extra, d / 2);
        be.rope(xt, cos, sin, seqLen);
        be.ropeBackward(xt, cos, sin, seqLen);
        int half = d / 2;
        double[] tol = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int base = i / d * d;
            tol[i] = 16 * U * (Math.abs(x[base + i % half]) + Math.abs(x[base + half + i % half]));
        }
        Expect.within("x", toDouble(x), download(xt), tol);
    }
}
