package dev.redengine.eval;

import java.util.List;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * CPU eigenvalues (values only) of symmetric matrices, float64, without EJML: Householder reduction to
 * tridiagonal form followed by implicit QL with Wilkinson-type shifts (EISPACK {@code tql1}). One matrix per
 * task on the common fork-join pool; each matrix single-threaded.
 *
 * <p><b>Reduction.</b> Unblocked ({@code dsytd2}-like), on the upper triangle of a row-major copy, no
 * accumulation of Q. Step k reflects row k with {@code H = I - tau v v^T}: {@code p = tau A22 v},
 * {@code w = p - (tau/2)(p.v) v}, {@code A22 -= v w^T + w v^T}. The rank-2 update of step k is fused with the
 * symmetric matrix-vector product {@code A22' v'} of step k+1 (the next reflector is taken from the first
 * updated row before the rest is touched), so every step streams the trailing triangle through the cache once,
 * row by row, with {@link DoubleVector#SPECIES_PREFERRED}.
 *
 * <p><b>Scaling.</b> The input is scaled by a power of two so that its largest element has magnitude in
 * {@code [0.5, 1)} (exact), and the eigenvalues are scaled back; this keeps the squares in the reflectors and
 * QL rotations far from overflow and underflow.
 *
 * <p><b>Errors.</b> A NaN or infinite element gives {@link IllegalArgumentException} (checked first, so it can
 * never loop). The QL iteration is capped at {@value #MAX_ITERATIONS} sweeps per eigenvalue; beyond that
 * {@link IllegalStateException} ("did not converge"), never a hang.
 */
public final class TridiagonalEigenSolver implements GramEigenSolver {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** QL sweeps allowed per eigenvalue. */
    public static final int MAX_ITERATIONS = 30;

    @Override
    public double[][] eigenvalues(List<Gram> grams) {
        return GramEigenSolver.inParallel(grams, TridiagonalEigenSolver::eigenvalues);
    }

    /** Eigenvalues of one symmetric matrix (only its upper triangle is read), in ascending order. */
    public static double[] eigenvalues(Gram g) {
        int n = g.n();
        double[] src = g.data();
        double max = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = src[i * n + j];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("symmetric eigenvalues: non-finite element " + v + " at ("
                            + i + ", " + j + ") of a " + n + " x " + n + " matrix");
                }
                max = Math.max(max, Math.abs(v));
            }
        }
        if (n == 0) {
            return new double[0];
        }
        if (max == 0) {
            return new double[n];
        }
        // scale so that max |a_ij| is in [0.5, 1): an exact power of two
        int exp = Math.getExponent(max) + 1;
        double scale = Math.scalb(1.0, -exp);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            int o = i * n;
            for (int j = i; j < n; j++) {
                a[o + j] = src[o + j] * scale;
            }
        }
        double[] d = new double[n];
        double[] e = new double[n];
        tridiagonalize(a, n, d, e);
        tql1(d, e, n, MAX_ITERATIONS);
        for (int i = 0; i < n; i++) {
            d[i] = Math.scalb(d[i], exp);
        }
        java.util.Arrays.sort(d);
        return d;
    }

    /**
     * Reduces the symmetric matrix whose upper triangle is in {@code a} (row-major {@code [n, n]}, overwritten)
     * to tridiagonal form: diagonal {@code d[0..n-1]}, off-diagonal {@code e[0..n-2]} ({@code e[i]} couples i
     * and i+1).
     */
    static void tridiagonalize(double[] a, int n, double[] d, double[] e) {
        if (n == 1) {
            d[0] = a[0];
            return;
        }
        // v, w, s indexed by global row/column; v2/s2 belong to the next step
        double[] v = new double[n];
        double[] w = new double[n];
        double[] s = new double[n];
        double[] v2 = new double[n];
        double[] s2 = new double[n];
        // step 0: reflector from row 0 and a plain symv of A[1.., 1..]
        d[0] = a[0];
        double tau = n > 2 ? reflector(a, n, 0, v, e) : 0;
        if (n == 2) {
            e[0] = a[1];
            d[1] = a[n + 1];
            return;
        }
        if (tau != 0) {
            fusedRows(a, n, 1, v, w, false, v, s);   // s is still all zeros
        }
        for (int k = 0; k <= n - 3; k++) {
            // w = p - (tau/2)(p.v) v with p = tau s (rows/cols k+1..n-1)
            if (tau != 0) {
                double pv = 0;
                for (int j = k + 1; j < n; j++) {
                    w[j] = tau * s[j];
                    pv += w[j] * v[j];
                }
                double alpha = -0.5 * tau * pv;
                for (int j = k + 1; j < n; j++) {
                    w[j] += alpha * v[j];
                }
            } else {
                for (int j = k + 1; j < n; j++) {
                    w[j] = 0;
                }
            }
            // update row k+1 first, then take the next reflector from it
            int r = k + 1;
            {
                double vr = v[r], wr = w[r];
                int o = r * n;
                for (int j = r; j < n; j++) {
                    a[o + j] -= vr * w[j] + wr * v[j];
                }
            }
            d[r] = a[r * n + r];
            if (r == n - 2) {
                // last 2 x 2 block: just the update of row n-1
                e[r] = a[r * n + r + 1];
                int last = n - 1;
                a[last * n + last] -= 2 * v[last] * w[last];
                d[last] = a[last * n + last];
                break;
            }
            double tau2 = reflector(a, n, r, v2, e);
            for (int j = r + 1; j < n; j++) {
                s2[j] = 0;
            }
            // fused pass: update rows r+1..n-1 and accumulate s2 = A22' v2
            if (tau != 0 || tau2 != 0) {
                fusedRows(a, n, r + 1, v, w, tau != 0, v2, s2);
            }
            double[] t = v;
            v = v2;
            v2 = t;
            t = s;
            s = s2;
            s2 = t;
            tau = tau2;
        }
    }

    /**
     * Householder reflector annihilating {@code a[k, k+2..n-1]}: stores {@code v} (with {@code v[k+1] = 1}) at
     * global indices {@code k+1..n-1}, {@code e[k] = beta}, returns tau (0 when the row is already reduced).
     */
    private static double reflector(double[] a, int n, int k, double[] v, double[] e) {
        int o = k * n;
        double alpha = a[o + k + 1];
        double xnorm2 = 0;
        for (int j = k + 2; j < n; j++) {
            xnorm2 += a[o + j] * a[o + j];
        }
        if (xnorm2 == 0) {
            e[k] = alpha;
            return 0;
        }
        double beta = -Math.copySign(Math.sqrt(alpha * alpha + xnorm2), alpha);
        double tau = (beta - alpha) / beta;
        double inv = 1 / (alpha - beta);
        v[k + 1] = 1;
        for (int j = k + 2; j < n; j++) {
            v[j] = a[o + j] * inv;
        }
        e[k] = beta;
        return tau;
    }

    /**
     * {@link #fusedRow2} for rows {@code from..n-1}, two at a time, then {@link #lastRow} when one is left over;
     * {@code update = false}: symv only.
     */
    private static void fusedRows(double[] a, int n, int from, double[] v, double[] w, boolean update, double[] u,
            double[] s) {
        int i = from;
        for (; i + 1 < n; i += 2) {
            fusedRow2(a, n, i, v, w, update ? v[i] : 0, update ? w[i] : 0, update ? v[i + 1] : 0,
                    update ? w[i + 1] : 0, u, s);
        }
        if (i < n) {
            lastRow(a, n, update ? v[i] : 0, update ? w[i] : 0, u[i], s);
        }
    }

    /**
     * Rows i and i+1 of the upper triangle together, so that v, w, u and s pass through the registers once:
     * {@code a_ij -= vi w_j + wi v_j} for {@code j >= i}, then each row's share of the symmetric product with
     * {@code u}: {@code s_i += sum_{j>=i} a_ij u_j}, {@code s_j += a_ij ui} for {@code j > i}.
     */
    private static void fusedRow2(double[] a, int n, int i, double[] v, double[] w, double v0, double w0,
            double v1, double w1, double[] u, double[] s) {
        int o0 = i * n;
        int o1 = o0 + n;
        int i1 = i + 1;
        double u0 = u[i], u1 = u[i1];
        double a00 = a[o0 + i] - 2 * v0 * w0;
        double a01 = a[o0 + i1] - v0 * w[i1] - w0 * v[i1];
        double a11 = a[o1 + i1] - 2 * v1 * w1;
        a[o0 + i] = a00;
        a[o0 + i1] = a01;
        a[o1 + i1] = a11;
        double acc0 = a00 * u0 + a01 * u1;
        double acc1 = a11 * u1;
        s[i1] += a01 * u0;
        int j = i + 2;
        int bound = j + S.loopBound(n - j);
        DoubleVector nv0 = DoubleVector.broadcast(S, -v0);
        DoubleVector nw0 = DoubleVector.broadcast(S, -w0);
        DoubleVector nv1 = DoubleVector.broadcast(S, -v1);
        DoubleVector nw1 = DoubleVector.broadcast(S, -w1);
        DoubleVector vu0 = DoubleVector.broadcast(S, u0);
        DoubleVector vu1 = DoubleVector.broadcast(S, u1);
        DoubleVector c0 = DoubleVector.zero(S);
        DoubleVector c1 = c0;
        for (; j < bound; j += L) {
            DoubleVector wj = DoubleVector.fromArray(S, w, j);
            DoubleVector vj = DoubleVector.fromArray(S, v, j);
            DoubleVector uj = DoubleVector.fromArray(S, u, j);
            DoubleVector x0 = wj.fma(nv0, DoubleVector.fromArray(S, a, o0 + j));
            DoubleVector x1 = wj.fma(nv1, DoubleVector.fromArray(S, a, o1 + j));
            x0 = vj.fma(nw0, x0);
            x1 = vj.fma(nw1, x1);
            x0.intoArray(a, o0 + j);
            x1.intoArray(a, o1 + j);
            c0 = x0.fma(uj, c0);
            c1 = x1.fma(uj, c1);
            x1.fma(vu1, x0.fma(vu0, DoubleVector.fromArray(S, s, j))).intoArray(s, j);
        }
        acc0 += GramKernel.sumLanes(c0);
        acc1 += GramKernel.sumLanes(c1);
        for (; j < n; j++) {
            double x0 = a[o0 + j] - v0 * w[j] - w0 * v[j];
            double x1 = a[o1 + j] - v1 * w[j] - w1 * v[j];
            a[o0 + j] = x0;
            a[o1 + j] = x1;
            acc0 += x0 * u[j];
            acc1 += x1 * u[j];
            s[j] += x0 * u0 + x1 * u1;
        }
        s[i] += acc0;
        s[i1] += acc1;
    }

    /**
     * Row {@code n-1} of the upper triangle, which holds only its diagonal: {@code a_ii -= 2 vi wi}, then its
     * share of the symmetric product with {@code u}, {@code s_i += a_ii ui}.
     */
    private static void lastRow(double[] a, int n, double vi, double wi, double ui, double[] s) {
        int i = n - 1;
        double aii = a[i * n + i] - 2 * vi * wi;
        a[i * n + i] = aii;
        s[i] += aii * ui;
    }

    /**
     * Eigenvalues of the symmetric tridiagonal matrix (diagonal d, off-diagonal {@code e[0..n-2]}), in place in
     * d (unordered), by implicit QL with shifts (EISPACK tql1 as in JAMA's tql2, without vectors). e is
     * destroyed. At most {@code maxIterations} sweeps per eigenvalue, else {@link IllegalStateException}.
     */
    static void tql1(double[] d, double[] e, int n, int maxIterations) {
        if (n <= 1) {
            return;
        }
        e[n - 1] = 0;
        double f = 0;
        double tst1 = 0;
        double eps = Math.ulp(1.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n - 1 && !(Math.abs(e[m]) <= eps * tst1)) {
                m++;
            }
            if (m > l) {
                int iter = 0;
                do {
                    if (++iter > maxIterations) {
                        throw new IllegalStateException("symmetric tridiagonal QL did not converge for eigenvalue "
                                + l + " of " + n + " within " + maxIterations + " iterations");
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = hypot(p, 1);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1;
                    double el1 = e[l + 1];
                    double sn = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = sn;
                        g = c * e[i];
                        h = c * p;
                        r = hypot(p, e[i]);
                        e[i + 1] = sn * r;
                        sn = e[i] / r;
                        c = p / r;
                        p = c * d[i] - sn * g;
                        d[i + 1] = h + sn * (c * g + sn * d[i]);
                    }
                    p = -sn * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = sn * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(d[i])) {
                throw new IllegalStateException("symmetric tridiagonal QL produced NaN (n = " + n + ")");
            }
        }
    }

    /** {@code sqrt(x^2 + y^2)}; falls back to {@link Math#hypot} only when the squares over- or underflow. */
    private static double hypot(double x, double y) {
        double r = Math.sqrt(x * x + y * y);
        if (r < 1e-150 || r > 1e150) {
            return Math.hypot(x, y);
        }
        return r;
    }
}
