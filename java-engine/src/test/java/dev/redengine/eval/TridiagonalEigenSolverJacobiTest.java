package dev.redengine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TridiagonalEigenSolver} on seeded random symmetric matrices of every size up to 40 and of the shapes
 * that take its shortcuts (rows already reduced, so a reflector is the identity: sparse, tridiagonal, block
 * diagonal, zero rows), checked against a plain cyclic Jacobi written here, and against what holds whatever the
 * reference: ascending order, trace and Frobenius norm kept, the lower triangle never read.
 */
class TridiagonalEigenSolverJacobiTest {

    /** NEAR_TRIDIAGONAL: couplings beyond the first off-diagonal 1e-9 of the rest, so |alpha| >> |x| in each reflector. */
    enum Kind { DENSE, SPARSE, TRIDIAGONAL, NEAR_TRIDIAGONAL, BLOCKS, ZERO_ROWS, RANK_ONE, ALL_ONES }

    /** Eigenvalues of a full symmetric matrix by cyclic Jacobi rotations, ascending: slow, simple, independent. */
    static double[] jacobi(double[] full, int n) {
        double[] a = full.clone();
        double frob = 0;
        for (double x : a) {
            frob += x * x;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p * n + q] * a[p * n + q];
                }
            }
            if (off <= 1e-34 * frob) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (apq == 0) {
                        continue;
                    }
                    // rotation P (P_pp = P_qq = c, P_pq = s, P_qp = -s) with t = s / c zeroing a_pq in P^T A P
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    a[p * n + q] = 0;
                    a[q * n + p] = 0;
                }
            }
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[i * n + i];
        }
        Arrays.sort(d);
        return d;
    }

    /** A symmetric matrix (both triangles filled) of the given kind. */
    static double[] matrix(Kind kind, int n, Random r) {
        double[] a = new double[n * n];
        int block = 1 + r.nextInt(Math.max(1, n / 2));
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            u[i] = r.nextGaussian();
        }
        boolean[] zero = new boolean[n];
        for (int i = 0; i < n; i++) {
            zero[i] = r.nextInt(3) == 0;
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = switch (kind) {
                    case DENSE -> r.nextGaussian();
                    case SPARSE -> r.nextInt(6) == 0 || i == j ? r.nextGaussian() : 0;
                    case TRIDIAGONAL -> j - i <= 1 ? r.nextGaussian() : 0;
                    case NEAR_TRIDIAGONAL -> j - i <= 1 ? 1 + r.nextDouble() : 1e-9 * r.nextGaussian();
                    case BLOCKS -> i / block == j / block ? r.nextGaussian() : 0;
                    case ZERO_ROWS -> zero[i] || zero[j] ? 0 : r.nextGaussian();
                    case RANK_ONE -> u[i] * u[j];
                    case ALL_ONES -> 1;
                };
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return a;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (int n = 1; n <= 40; n++) {
                out.add(Arguments.of(kind, n, 1000L * kind.ordinal() + n));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} n={1} seed={2}")
    @MethodSource("cases")
    void agreesWithJacobiKeepsTraceAndNormAndReadsOnlyTheUpperTriangle(Kind kind, int n, long seed) {
        Random r = new Random(seed);
        double[] full = matrix(kind, n, r);
        double[] want = jacobi(full, n);
        double scale = 0, trace = 0, frob2 = 0;
        for (int i = 0; i < n; i++) {
            trace += full[i * n + i];
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(full[i * n + j]));
                frob2 += full[i * n + j] * full[i * n + j];
            }
        }
        // the strictly lower triangle is documented as not read: fill it with NaN
        double[] upper = full.clone();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                upper[i * n + j] = Double.NaN;
            }
        }
        double[] input = upper.clone();
        double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(upper, n));
        assertArrayEquals(input, upper, "input modified");
        assertEquals(n, got.length);
        double tol = 1e-12 * n * scale;
        for (int i = 0; i < n; i++) {
            assertEquals(want[i], got[i], tol, "eigenvalue " + i + " of " + Arrays.toString(got));
            if (i > 0) {
                assertTrue(got[i - 1] <= got[i], "ascending at " + i);
            }
        }
        double sum = 0, sum2 = 0;
        for (double l : got) {
            sum += l;
            sum2 += l * l;
        }
        assertEquals(trace, sum, tol * n, "trace");
        assertEquals(frob2, sum2, 1e-12 * n * Math.max(frob2, Double.MIN_NORMAL), "sum of squares = |A|_F^2");
        if (kind == Kind.ALL_ONES) {
            double[] ones = new double[n];
            ones[n - 1] = n;
            assertArrayEquals(ones, got, 1e-13 * n, "J has eigenvalues n and 0 (n - 1 times)");
        }
    }

    /** Eigenvalues of [[a, b], [b, c]] in closed form, ascending; the smaller one as det / larger (no cancellation). */
    static double[] twoByTwo(double a, double b, double c) {
        double mean = 0.5 * (a + c), rad = Math.hypot(0.5 * (a - c), b);
        double big = mean + Math.copySign(rad, mean);
        double small = (a * c - b * b) / big;
        return big > small ? new double[]{small, big} : new double[]{big, small};
    }

    /**
     * A tiny eigenvalue next to one of order 1 keeps its relative accuracy: the QL shift's
     * {@code (d1 - d0) / 2e} then squares past the float64 range, which needs the hypot fallback.
     */
    @Test
    void aTinyCouplingToALargeDiagonalStaysAccurate() {
        for (double tiny : new double[]{1e-160, 3e-200, 1e-100}) {
            double[] want = twoByTwo(tiny, tiny, 1);
            double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(new double[]{tiny, tiny, Double.NaN, 1}, 2));
            assertEquals(want[0], got[0], 1e-12 * want[0], "small eigenvalue, tiny = " + tiny);
            assertEquals(want[1], got[1], 1e-15, "large eigenvalue, tiny = " + tiny);
            // the same 2 x 2 problem reached through the Householder reduction of a 3 x 3 block diagonal matrix
            double[] three = {tiny, tiny, 0, Double.NaN, 1, 0, Double.NaN, Double.NaN, 0.75};
            double[] got3 = TridiagonalEigenSolver.eigenvalues(new Gram(three, 3));
            assertEquals(want[0], got3[0], 1e-12 * want[0], "3 x 3, tiny = " + tiny);
            assertEquals(0.75, got3[1], 1e-15);
            assertEquals(want[1], got3[2], 1e-15);
        }
    }

    /** A leading block far smaller than the rest keeps its eigenvalues to relative accuracy (squares underflow there). */
    @Test
    void aTinyLeadingBlockKeepsItsRelativeAccuracy() {
        for (double tiny : new double[]{1e-160, 1e-200, 1e-300}) {
            double a = 1 * tiny, b = 0.5 * tiny, c = 3 * tiny;
            double[] m = {a, b, 0, Double.NaN, c, 0, Double.NaN, Double.NaN, 1};
            double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(m, 3));
            // the reference in units of tiny: a * c itself would be subnormal
            double[] want = twoByTwo(1, 0.5, 3);
            want[0] *= tiny;
            want[1] *= tiny;
            assertEquals(want[0], got[0], 1e-12 * want[0], "tiny = " + tiny);
            assertEquals(want[1], got[1], 1e-12 * want[1], "tiny = " + tiny);
            assertEquals(1, got[2], 1e-15);
        }
    }

    /**
     * A tiny dense leading block (sizes 3-6, so QL needs several sweeps on it) next to an element of order 1: the
     * convergence test is relative to the part already swept, not to the whole matrix, so the block's eigenvalues
     * keep their relative accuracy (as long as products of two of its elements do not underflow).
     */
    @Test
    void aTinyDenseLeadingBlockConvergesToRelativeAccuracy() {
        Random r = new Random(77);
        double tiny = 1e-100;   // products of two block elements stay normal (1e-200); at 1e-160 they would not
        for (int k = 3; k <= 6; k++) {
            double[] g = matrix(Kind.DENSE, k, r);
            int n = k + 1;
            double[] m = new double[n * n];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    m[i * n + j] = g[i * k + j] * tiny;
                }
            }
            m[n * n - 1] = 1;
            double[] want = jacobi(g, k);
            double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(m, n));
            double scale = Math.max(Math.abs(want[0]), Math.abs(want[k - 1]));
            for (int i = 0; i < k; i++) {
                assertEquals(want[i], got[i] / tiny, 1e-12 * scale, "block " + k + " eigenvalue " + i);
            }
            assertEquals(1, got[k], 1e-15);
        }
    }

    /** Subnormal elements: the power-of-two scaling lifts them into the normal range, exactly. */
    @Test
    void subnormalMatricesAreScaledUpExactly() {
        double unit = 0x1p-1060;   // subnormal, exact multiples below
        double[] m = {3 * unit, unit, Double.NaN, 2 * unit};
        double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(m, 2));
        double[] want = twoByTwo(3, 1, 2);
        assertEquals(want[0] * unit, got[0], 2 * Double.MIN_VALUE);
        assertEquals(want[1] * unit, got[1], 2 * Double.MIN_VALUE);
        assertTrue(got[0] > 0, "not flushed to zero: " + got[0]);
    }

    /** The QL cap counts sweeps: a 2 x 2 block is settled by exactly one, so a cap of one is enough for it. */
    @Test
    void oneSweepSettlesEachTwoByTwoBlock() {
        double[] d = {1, 3, -2, 0.5};
        double[] e = {0.5, 0, 2, 0};   // two decoupled 2 x 2 blocks
        TridiagonalEigenSolver.tql1(d, e, 4, 1);
        Arrays.sort(d);
        double[] first = twoByTwo(1, 0.5, 3), second = twoByTwo(-2, 2, 0.5);
        double[] want = {first[0], first[1], second[0], second[1]};
        Arrays.sort(want);
        assertArrayEquals(want, d, 1e-15);
    }

    @Test
    void ejmlReferenceOfAnEmptyMatrixIsEmpty() {
        assertEquals(0, EjmlGramEigenSolver.eigenvalues(new Gram(new double[0], 0)).length);
    }
}
