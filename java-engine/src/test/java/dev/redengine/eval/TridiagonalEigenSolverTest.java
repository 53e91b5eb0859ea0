package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.redengine.eval.EffectiveRank.Definition;

/** {@link TridiagonalEigenSolver} against EJML ({@link EjmlGramEigenSolver}), the proven reference. */
class TridiagonalEigenSolverTest {

    static Gram randomSymmetric(Random r, int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = r.nextGaussian();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return new Gram(a, n);
    }

    /** Q diag(lambda) Q^T with a random orthogonal Q (Householder products). */
    static Gram withSpectrum(Random r, double[] lambda) {
        int n = lambda.length;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = lambda[i];
        }
        for (int h = 0; h < 3; h++) {
            double[] u = new double[n];
            double nn = 0;
            for (int i = 0; i < n; i++) {
                u[i] = r.nextGaussian();
                nn += u[i] * u[i];
            }
            double norm = Math.sqrt(nn);
            for (int i = 0; i < n; i++) {
                u[i] /= norm;
            }
            // A = (I - 2uu^T) A (I - 2uu^T)
            double[] au = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    au[i] += a[i * n + j] * u[j];
                }
            }
            double uau = 0;
            for (int i = 0; i < n; i++) {
                uau += u[i] * au[i];
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i * n + j] += -2 * u[i] * au[j] - 2 * au[i] * u[j] + 4 * uau * u[i] * u[j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double m = 0.5 * (a[i * n + j] + a[j * n + i]);
                a[i * n + j] = m;
                a[j * n + i] = m;
            }
        }
        return new Gram(a, n);
    }

    static void assertAgrees(Gram g, String what) {
        double[] want = EjmlGramEigenSolver.eigenvalues(g);
        Arrays.sort(want);
        double[] copy = g.data().clone();
        double[] got = TridiagonalEigenSolver.eigenvalues(g);
        assertArrayEquals(copy, g.data(), what + ": input modified");
        assertEquals(want.length, got.length, what);
        double scale = 0;
        for (double l : want) {
            scale = Math.max(scale, Math.abs(l));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-10 * Math.max(scale, Double.MIN_NORMAL), what + " eigenvalue " + i);
        }
    }

    @Test
    void agreesWithEjmlOnRandomSymmetricMatrices() {
        Random r = new Random(11);
        for (int n : new int[] {1, 2, 3, 4, 5, 17, 64, 200, 768}) {
            assertAgrees(randomSymmetric(r, n), "random n=" + n);
        }
    }

    @Test
    void agreesWithEjmlOnGramsIncludingRankDeficient() {
        Random r = new Random(12);
        // [rows, cols]: Z^T Z is cols x cols with rank min(rows, cols)
        int[][] shapes = {{50, 20}, {10, 40}, {1, 30}, {3, 100}, {300, 256}, {64, 200}};
        for (int[] s : shapes) {
            double[] z = new double[s[0] * s[1]];
            for (int i = 0; i < z.length; i++) {
                z[i] = r.nextGaussian();
            }
            double[] zt = GramKernel.transpose(z, s[0], s[1]);
            Gram g = new Gram(GramKernel.rowGram(zt, s[1], s[0]), s[1]);
            assertAgrees(g, "Gram " + Arrays.toString(s));
        }
    }

    @Test
    void diagonalMatricesGiveTheirDiagonal() {
        Random r = new Random(13);
        for (int n : new int[] {1, 2, 7, 100}) {
            double[] a = new double[n * n];
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = r.nextGaussian() * 10;
                a[i * n + i] = want[i];
            }
            Arrays.sort(want);
            assertArrayEquals(want, TridiagonalEigenSolver.eigenvalues(new Gram(a, n)), 0, "diagonal n=" + n);
            assertAgrees(new Gram(a, n), "diagonal n=" + n);
        }
        assertArrayEquals(new double[5], TridiagonalEigenSolver.eigenvalues(new Gram(new double[25], 5)));
        assertEquals(0, TridiagonalEigenSolver.eigenvalues(new Gram(new double[0], 0)).length);
    }

    @Test
    void repeatedEigenvalues() {
        Random r = new Random(14);
        int n = 120;
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = i < 40 ? 3.0 : i < 100 ? -1.5 : i < 110 ? 0 : 7.25;
        }
        Gram g = withSpectrum(r, lambda);
        assertAgrees(g, "repeated");
        double[] got = TridiagonalEigenSolver.eigenvalues(g);
        double[] want = lambda.clone();
        Arrays.sort(want);
        assertArrayEquals(want, got, 1e-12 * 7.25);
        // identity times a constant: already diagonal
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            c[i * n + i] = 2.5;
        }
        double[] all = new double[n];
        Arrays.fill(all, 2.5);
        assertArrayEquals(all, TridiagonalEigenSolver.eigenvalues(new Gram(c, n)), 0);
    }

    @Test
    void tinyAndHugeScalesAreExact() {
        Random r = new Random(15);
        Gram g = randomSymmetric(r, 40);
        double[] base = TridiagonalEigenSolver.eigenvalues(g);
        for (double f : new double[] {0x1p-600, 0x1p-1000, 0x1p600, 0x1p1000}) {
            double[] a = g.data().clone();
            for (int i = 0; i < a.length; i++) {
                a[i] *= f;
            }
            double[] got = TridiagonalEigenSolver.eigenvalues(new Gram(a, 40));
            for (int i = 0; i < 40; i++) {
                assertEquals(base[i] * f, got[i], Math.abs(base[i] * f) * 1e-15 + 1e-300 * f, "scale " + f);
            }
        }
    }

    @Test
    void nonFiniteInputIsRejected() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            double[] a = new double[9];
            a[0] = 1;
            a[4] = bad;
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> TridiagonalEigenSolver.eigenvalues(new Gram(a, 3)));
            assertTrue(ex.getMessage().contains("(1, 1)"), ex.getMessage());
        }
        double[] a = new double[64 * 64];
        a[5 * 64 + 60] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> new TridiagonalEigenSolver().eigenvalues(
                List.of(new Gram(new double[4], 2), new Gram(a, 64))));
    }

    @Test
    void qlIterationCapThrowsInsteadOfLooping() {
        Random r = new Random(16);
        int n = 50;
        double[] d = new double[n];
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
            e[i] = r.nextGaussian();
        }
        IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> TridiagonalEigenSolver.tql1(d.clone(), e.clone(), n, 1));
        assertTrue(ex.getMessage().contains("did not converge"), ex.getMessage());
        // NaN inside the tridiagonal problem ends (it cannot reach the public entry point)
        double[] dn = d.clone();
        dn[7] = Double.NaN;
        assertThrows(IllegalStateException.class, () -> TridiagonalEigenSolver.tql1(dn, e.clone(), n, 30));
    }

    @Test
    void batchMatchesSingleAndEffectiveRankAgrees() {
        Random r = new Random(17);
        List<Matrix> ms = new ArrayList<>();
        for (int[] s : new int[][] {{200, 64}, {30, 90}, {128, 128}, {2, 5}}) {
            float[] x = new float[s[0] * s[1]];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            ms.add(new Matrix(x, s[0], s[1]));
        }
        EffectiveRank ejml = new EffectiveRank(new EjmlGramEigenSolver());
        EffectiveRank ours = new EffectiveRank(new TridiagonalEigenSolver());
        for (Definition def : Definition.values()) {
            double[] want = ejml.computeAll(ms, def);
            double[] got = ours.computeAll(ms, def);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-10 * want[i], def + " " + i);
            }
        }
    }
}
