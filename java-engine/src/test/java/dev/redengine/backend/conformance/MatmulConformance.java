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
 * {@code matmul}: C = alpha op(A) op(B) + beta C for the four transposes, against a double-precision loop.
 *
 * <ul>
 *   <li>Random data in [-1, 1): per element |C - ref| <= 2 (K + 3) U (|alpha| sum_k |a_ik b_kj| + |beta c_ij|), the
 *       float32 worst case for a K-term dot product in any order plus the alpha and beta roundings. A dropped
 *       or wrong term (about 1/K of that sum) is 100x above it for K <= 130.</li>
 *   <li>Small integers with power-of-two alpha and beta: every product and partial sum is exact in float32 (and
 *       in TF32), so the result must be exact; this catches a single lost term at any K, including K > the
 *       CPU's K block (768).</li>
 * </ul>
 */
public abstract class MatmulConformance extends BackendConformance {

    /** M, N, K: vector (1) and non-multiple-of-width edges on every dimension. */
    static final int[][] SHAPES = {{1, 1, 1}, {1, 17, 3}, {3, 1, 67}, {17, 33, 130}, {33, 130, 17}, {67, 3, 33}, {130, 67, 1}};
    static final float[][] ALPHA_BETA = {{1, 0}, {0.5f, 0}, {-1.25f, 0.75f}, {1, 1}, {2, -0.5f}};

    static List<Arguments> randomCases() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int t = 0; t < 4; t++) {
            for (int[] s : SHAPES) {
                for (float[] ab : ALPHA_BETA) {
                    cases.add(Arguments.of(t / 2 == 1, t % 2 == 1, s[0], s[1], s[2], ab[0], ab[1], seed++));
                }
            }
        }
        return cases;
    }

    static List<Arguments> exactCases() {
        int[][] shapes = {{1, 1, 1}, {3, 17, 67}, {130, 33, 17}, {150, 70, 1030}, {257, 129, 33}, {5, 300, 800}};
        float[][] alphaBeta = {{1, 0}, {-2, 1}, {0.5f, 0.25f}};
        List<Arguments> cases = new ArrayList<>();
        long seed = 100;
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < shapes.length; i++) {
                float[] ab = alphaBeta[(i + t) % alphaBeta.length];
                cases.add(Arguments.of(t / 2 == 1, t % 2 == 1, shapes[i][0], shapes[i][1], shapes[i][2], ab[0], ab[1], seed++));
            }
        }
        return cases;
    }

    /** The stored A for op(A) [m, k]: [k, m] when transposed. */
    private static int[] stored(boolean trans, int rows, int cols) {
        return trans ? new int[]{cols, rows} : new int[]{rows, cols};
    }

    /** op(X)[i, j] of a row-major stored X. */
    private static double op(float[] x, boolean trans, int i, int j, int opRows, int opCols) {
        return trans ? x[j * opRows + i] : x[i * opCols + j];
    }

    /** ref[0] = alpha op(A) op(B) + beta C, ref[1] = |alpha| |op(A)| |op(B)| + |beta C| (the rounding scale). */
    static double[][] reference(float[] a, boolean ta, float[] b, boolean tb, float[] c, int m, int n, int k, double alpha, double beta) {
        double[] ref = new double[m * n], mag = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, sa = 0;
                for (int p = 0; p < k; p++) {
                    double prod = op(a, ta, i, p, m, k) * op(b, tb, p, j, k, n);
                    s += prod;
                    sa += Math.abs(prod);
                }
                ref[i * n + j] = alpha * s + beta * c[i * n + j];
                mag[i * n + j] = Math.abs(alpha) * sa + Math.abs(beta * c[i * n + j]);
            }
        }
        return new double[][]{ref, mag};
    }

    @ParameterizedTest(name = "transA={0} transB={1} M={2} N={3} K={4} alpha={5} beta={6}")
    @MethodSource("randomCases")
    void matchesTheReference(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = uniform(rng, m * k, 1), b = uniform(rng, k * n, 1), c = uniform(rng, m * n, 1);
        Tensor at = upload(a, stored(ta, m, k)), bt = upload(b, stored(tb, k, n)), ct = upload(c, m, n);
        be.matmul(ct, at, ta, bt, tb, alpha, beta);
        double[][] r = reference(a, ta, b, tb, c, m, n, k, alpha, beta);
        double[] tol = new double[m * n];
        for (int i = 0; i < tol.length; i++) {
            tol[i] = 2 * (k + 3) * U * r[1][i];
        }
        Expect.within("C", r[0], download(ct), tol);
        Expect.same("A is read only", a, download(at));
        Expect.same("B is read only", b, download(bt));
    }

    @ParameterizedTest(name = "transA={0} transB={1} M={2} N={3} K={4} alpha={5} beta={6}")
    @MethodSource("exactCases")
    void isExactOnSmallIntegers(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = integers(rng, m * k, 8), b = integers(rng, k * n, 8), c = integers(rng, m * n, 1000);
        Tensor ct = upload(c, m, n);
        be.matmul(ct, upload(a, stored(ta, m, k)), ta, upload(b, stored(tb, k, n)), tb, alpha, beta);
        Expect.exact("C", reference(a, ta, b, tb, c, m, n, k, alpha, beta)[0], download(ct));
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void betaOneAccumulates(boolean ta, boolean tb) {
        int m = 19, n = 35, k = 70;
        SplittableRandom rng = new SplittableRandom(7);
        float[] a = integers(rng, m * k, 8), b = integers(rng, k * n, 8), c = integers(rng, m * n, 1000);
        Tensor at = upload(a, stored(ta, m, k)), bt = upload(b, stored(tb, k, n)), ct = upload(c, m, n);
        be.matmul(ct, at, ta, bt, tb, 1, 1);
        be.matmul(ct, at, ta, bt, tb, 1, 1);
        double[] once = reference(a, ta, b, tb, c, m, n, k, 1, 0)[0];
        double[] want = new double[m * n];
        for (int i = 0; i < want.length; i++) {
            want[i] = c[i] + 2 * once[i];
        }
        Expect.exact("C + 2 op(A) op(B)", want, download(ct));
    }

    static List<Arguments> transposes() {
        return List.of(Arguments.of(false, false), Arguments.of(false, true), Arguments.of(true, false), Arguments.of(true, true));
    }

    /** beta = 0 does not read C (BLAS convention): NaN left in a reused buffer must not leak into the result. */
    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void betaZeroOverwritesWhateverCHeld(boolean ta, boolean tb) {
        int m = 9, n = 21, k = 13;
        SplittableRandom rng = new SplittableRandom(11);
        float[] a = integers(rng, m * k, 8), b = integers(rng, k * n, 8);
        float[] garbage = filled(m * n, Float.NaN);
        Tensor ct = upload(garbage, m, n);
        be.matmul(ct, upload(a, stored(ta, m, k)), ta, upload(b, stored(tb, k, n)), tb, 1.5f, 0);
        Expect.exact("C", reference(a, ta, b, tb, new float[m * n], m, n, k, 1.5, 0)[0], download(ct));
    }

    /** A and B of rank 3 are read as [rows, last dim]; C keeps its rank. */
    @Test
    void higherRankOperandsAreReadAsMatrices() {
        SplittableRandom rng = new SplittableRandom(3);
        int m = 6, n = 5, k = 12;
        float[] a = integers(rng, m * k, 8), b = integers(rng, k * n, 8);
        Tensor c = zeros(2, 3, n);
        be.matmul(c, upload(a, 2, 3, k), false, upload(b, 3, 4, n), false, 1, 0);
        Expect.exact("A [2,3,K] x B [3,4,N]", reference(a, false, b, false, new float[m * n], m, n, k, 1, 0)[0], download(c));
        // A^T with A stored [K rows as 3 x 4, M]: op(A) = [M, K]
        Tensor c2 = zeros(m, n);
        be.matmul(c2, upload(a, 3, 4, m), true, upload(b, k, n), false, 1, 0);
        Expect.exact("A^T, A [3,4,M]", reference(a, true, b, false, new float[m * n], m, n, k, 1, 0)[0], download(c2));
    }

    @Test
    void mismatchedShapesAreRefused() {
        Tensor a = zeros(4, 5), b = zeros(6, 3), c = zeros(4, 3);
        assertThrows(IllegalArgumentException.class, () -> be.matmul(c, a, false, b, false, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> be.matmul(zeros(5, 3), a, false, zeros(5, 3), false, 1, 0));
    }
}
