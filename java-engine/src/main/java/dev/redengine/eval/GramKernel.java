package dev.redengine.eval;

import java.util.stream.IntStream;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/** float64 Gram kernels (Vector API): {@code X X^T} of a row-major {@code [m, k]} matrix. Package-private. */
final class GramKernel {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** Rows of the result per task: 2 x 4 register blocks inside. */
    private static final int ROWS_PER_TASK = 8;

    private GramKernel() {
    }

    /** Row-major transpose of {@code [m, n]} into {@code [n, m]}, in 32 x 32 tiles. */
    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[a.length];
        final int tile = 32;
        for (int i0 = 0; i0 < m; i0 += tile) {
            int i1 = Math.min(m, i0 + tile);
            for (int j0 = 0; j0 < n; j0 += tile) {
                int j1 = Math.min(n, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        t[j * m + i] = a[i * n + j];
                    }
                }
            }
        }
        return t;
    }

    /** {@code G = X X^T}, {@code [m, m]}, both triangles filled; X is {@code [m, k]} row-major. */
    static double[] rowGram(double[] x, int m, int k) {
        double[] g = new double[m * m];
        int tasks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        IntStream.range(0, tasks).parallel().forEach(t -> {
            int r1 = Math.min(m, (t + 1) * ROWS_PER_TASK);
            for (int a = t * ROWS_PER_TASK; a < r1; a += 2) {
                if (a + 1 < m) {
                    int b = a;
                    for (; b + 3 < m; b += 4) {
                        block2x4(x, k, a, b, g, m);
                    }
                    for (; b < m; b++) {
                        set(g, m, a, b, dot(x, k, a, b));
                        set(g, m, a + 1, b, dot(x, k, a + 1, b));
                    }
                } else {
                    for (int b = a; b < m; b++) {
                        set(g, m, a, b, dot(x, k, a, b));
                    }
                }
            }
        });
        return g;
    }

    private static void set(double[] g, int m, int a, int b, double v) {
        g[a * m + b] = v;
        g[b * m + a] = v;
    }

    private static double dot(double[] x, int k, int a, int b) {
        int oa = a * k;
        int ob = b * k;
        int bound = S.loopBound(k);
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            acc = DoubleVector.fromArray(S, x, oa + i).fma(DoubleVector.fromArray(S, x, ob + i), acc);
        }
        double s = sumLanes(acc);
        for (; i < k; i++) {
            s += x[oa + i] * x[ob + i];
        }
        return s;
    }

    /** Rows a, a+1 against rows b..b+3. */
    private static void block2x4(double[] x, int k, int a, int b, double[] g, int m) {
        int a0 = a * k;
        int a1 = a0 + k;
        int b0 = b * k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        DoubleVector c00 = DoubleVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        DoubleVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        int bound = S.loopBound(k);
        int i = 0;
        for (; i < bound; i += S.length()) {
            DoubleVector x0 = DoubleVector.fromArray(S, x, a0 + i);
            DoubleVector x1 = DoubleVector.fromArray(S, x, a1 + i);
            DoubleVector y = DoubleVector.fromArray(S, x, b0 + i);
            c00 = x0.fma(y, c00);
            c10 = x1.fma(y, c10);
            y = DoubleVector.fromArray(S, x, b1 + i);
            c01 = x0.fma(y, c01);
            c11 = x1.fma(y, c11);
            y = DoubleVector.fromArray(S, x, b2 + i);
            c02 = x0.fma(y, c02);
            c12 = x1.fma(y, c12);
            y = DoubleVector.fromArray(S, x, b3 + i);
            c03 = x0.fma(y, c03);
            c13 = x1.fma(y, c13);
        }
        double s00 = sumLanes(c00), s01 = sumLanes(c01);
        double s02 = sumLanes(c02), s03 = sumLanes(c03);
        double s10 = sumLanes(c10), s11 = sumLanes(c11);
        double s12 = sumLanes(c12), s13 = sumLanes(c13);
        for (; i < k; i++) {
            double x0 = x[a0 + i], x1 = x[a1 + i];
            s00 += x0 * x[b0 + i];
            s01 += x0 * x[b1 + i];
            s02 += x0 * x[b2 + i];
            s03 += x0 * x[b3 + i];
            s10 += x1 * x[b0 + i];
            s11 += x1 * x[b1 + i];
            s12 += x1 * x[b2 + i];
            s13 += x1 * x[b3 + i];
        }
        set(g, m, a, b, s00);
        set(g, m, a, b + 1, s01);
        set(g, m, a, b + 2, s02);
        set(g, m, a, b + 3, s03);
        set(g, m, a + 1, b, s10);
        set(g, m, a + 1, b + 1, s11);
        set(g, m, a + 1, b + 2, s12);
        set(g, m, a + 1, b + 3, s13);
    }

    /**
     * The sum of v's lanes in index order. Not reduceLanes(ADD), whose order the Vector API leaves open: C2 adds in
     * another order than the interpreter, so an eRank changed in its last bits once the JIT had compiled this.
     */
    static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int l = 0; l < v.length(); l++) {
            s += v.lane(l);
        }
        return s;
    }
}
