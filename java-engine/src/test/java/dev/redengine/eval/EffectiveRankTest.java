package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;

import dev.redengine.eval.EffectiveRank.Definition;

class EffectiveRankTest {
    private static final EffectiveRank ER = EffectiveRank.cpu();

    static Matrix gaussian(Random r, int n, int d) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return new Matrix(x, n, d);
    }

    static double[] toDouble(Matrix m) {
        double[] z = new double[m.data().length];
        for (int i = 0; i < z.length; i++) {
            z[i] = m.data()[i];
        }
        return z;
    }

    /** Roy-Vetterli eRank from EJML's SVD: independent of the Gram path. */
    static double royVetterliBySvd(Matrix m) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(m.rows(), m.cols(), false, false, true);
        assertTrue(svd.decompose(new DMatrixRMaj(m.rows(), m.cols(), true, toDouble(m))));
        return EffectiveRank.entropyRank(svd.getSingularValues().clone());
    }

    /** Naive RED eRank, straight from the definition with the d x d covariance. */
    static double redNaive(Matrix m) {
        int n = m.rows(), d = m.cols();
        double[] z = toDouble(m);
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += z[i * d + j];
            }
            mean /= n;
            for (int i = 0; i < n; i++) {
                z[i * d + j] -= mean;
            }
        }
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += z[i * d + j] * z[i * d + j];
            }
            for (int j = 0; j < d; j++) {
                z[i * d + j] /= Math.sqrt(s);
            }
        }
        double[] c = new double[d * d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += z[i * d + a] * z[i * d + b];
                }
                c[a * d + b] = s / n;
            }
        }
        double[] lambda = EjmlGramEigenSolver.eigenvalues(new Gram(c, d));
        return EffectiveRank.fromGramEigenvalues(lambda, Definition.RED);
    }

    @Test
    void royVetterliMatchesSvdOnRandomMatrices() {
        Random r = new Random(1);
        int[][] shapes = {{24, 64}, {64, 24}, {33, 33}, {1, 7}, {7, 1}, {100, 37}, {5, 130}};
        for (int[] s : shapes) {
            Matrix m = gaussian(r, s[0], s[1]);
            double want = royVetterliBySvd(m);
            assertEquals(want, ER.compute(m, Definition.ROY_VETTERLI), 1e-9 * want, Arrays.toString(s));
        }
    }

    @Test
    void redMatchesNaiveDxDDefinitionOnBothGramPaths() {
        Random r = new Random(2);
        int[][] shapes = {{24, 64}, {64, 24}, {48, 64}, {80, 64}, {65, 65}, {3, 50}};
        for (int[] s : shapes) {
            Matrix m = gaussian(r, s[0], s[1]);
            double want = redNaive(m);
            assertEquals(want, ER.compute(m), 1e-9 * want, Arrays.toString(s));
        }
    }

    @Test
    void smallerGramAndLargerGramGiveTheSameERank() {
        Random r = new Random(3);
        Matrix m = gaussian(r, 20, 70); // N < d: N x N Gram is used
        DoubleMatrix z = EffectiveRank.prepare(m, Definition.ROY_VETTERLI);
        assertEquals(20, Gram.smallerOf(z).n());
        // Z^T [70, 20] has rows >= cols, so its smaller Gram goes through the transpose path: Z Z^T again
        double[] zt = new double[70 * 20];
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 70; j++) {
                zt[j * 20 + i] = z.data()[i * 70 + j];
            }
        }
        Gram viaT = Gram.smallerOf(new DoubleMatrix(zt, 70, 20));
        assertEquals(20, viaT.n());
        // and the larger Gram Z^T Z [70, 70] by naive loops
        double[] g = new double[70 * 70];
        for (int a = 0; a < 70; a++) {
            for (int b = 0; b < 70; b++) {
                double s = 0;
                for (int i = 0; i < 20; i++) {
                    s += z.data()[i * 70 + a] * z.data()[i * 70 + b];
                }
                g[a * 70 + b] = s;
            }
        }
        for (Definition def : Definition.values()) {
            double small = EffectiveRank.fromGramEigenvalues(
                    EjmlGramEigenSolver.eigenvalues(Gram.smallerOf(z)), def);
            double large = EffectiveRank.fromGramEigenvalues(EjmlGramEigenSolver.eigenvalues(new Gram(g, 70)), def);
            double viaTranspose = EffectiveRank.fromGramEigenvalues(EjmlGramEigenSolver.eigenvalues(viaT), def);
            assertEquals(large, small, 1e-9 * large, def.toString());
            assertEquals(large, viaTranspose, 1e-9 * large, def.toString());
        }
    }

    @Test
    void gramKernelMatchesNaiveLoops() {
        Random r = new Random(4);
        for (int[] s : new int[][] {{1, 1}, {2, 3}, {5, 9}, {13, 17}, {64, 24}, {9, 130}}) {
            int m = s[0], k = s[1];
            double[] x = new double[m * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
            double[] g = GramKernel.rowGram(x, m, k);
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    double want = 0;
                    for (int i = 0; i < k; i++) {
                        want += x[a * k + i] * x[b * k + i];
                    }
                    assertEquals(want, g[a * m + b], 1e-12 * (1 + Math.abs(want)), Arrays.toString(s));
                }
            }
        }
    }

    @Test
    void rankOneMatrixHasERankOne() {
        Random r = new Random(5);
        int n = 30, d = 40;
        float[] u = new float[d];
        for (int j = 0; j < d; j++) {
            u[j] = (float) r.nextGaussian();
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            float a = (float) r.nextGaussian();
            for (int j = 0; j < d; j++) {
                x[i * d + j] = a * u[j];
            }
        }
        Matrix m = new Matrix(x, n, d);
        assertEquals(1.0, ER.compute(m, Definition.ROY_VETTERLI), 1e-6);
        assertEquals(1.0, ER.compute(m, Definition.RED), 1e-6);
    }

    @Test
    void orthogonalRowsWithEqualNormsGiveN() {
        Random r = new Random(6);
        int n = 12, d = 40;
        // rows: 12 orthonormal vectors (Gram-Schmidt) times 3
        double[][] q = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                q[i][j] = r.nextGaussian();
            }
            for (int p = 0; p < i; p++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[i][j] * q[p][j];
                }
                for (int j = 0; j < d; j++) {
                    q[i][j] -= dot * q[p][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < d; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (3 * q[i][j]);
            }
        }
        assertEquals(n, ER.compute(new Matrix(x, n, d), Definition.ROY_VETTERLI), 1e-5);
        // and the identity: n orthonormal rows in n dimensions
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 2f;
        }
        assertEquals(n, ER.compute(new Matrix(eye, n, n), Definition.ROY_VETTERLI), 1e-9);
        // RED of the identity: centring leaves n-1 equal directions
        assertEquals(n - 1, ER.compute(new Matrix(eye, n, n)), 1e-9);
    }

    @Test
    void redIsInvariantToScaleTranslationRowPermutationAndRowScalingOfCentredData() {
        Random r = new Random(7);
        int n = 40, d = 30;
        Matrix m = gaussian(r, n, d);
        double base = ER.compute(m);
        float[] x = m.data();
        float[] scaled = new float[x.length];
        float[] shifted = new float[x.length];
        float[] permuted = new float[x.length];
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = (i * 17 + 5) % n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                scaled[i * d + j] = x[i * d + j] * 4f;
                shifted[i * d + j] = x[i * d + j] + (j % 3) * 0.5f;
                permuted[perm[i] * d + j] = x[i * d + j];
            }
        }
        assertEquals(base, ER.compute(new Matrix(scaled, n, d)), 1e-9 * base);
        assertEquals(base, ER.compute(new Matrix(shifted, n, d)), 1e-5 * base);
        assertEquals(base, ER.compute(new Matrix(permuted, n, d)), 1e-9 * base);
        double rv = ER.compute(m, Definition.ROY_VETTERLI);
        assertEquals(rv, ER.compute(new Matrix(permuted, n, d), Definition.ROY_VETTERLI), 1e-9 * rv);
        assertEquals(rv, ER.compute(new Matrix(scaled, n, d), Definition.ROY_VETTERLI), 1e-9 * rv);

        // rows v_i and -v_i: the column mean is exactly 0, so scaling row pairs leaves the centred rows'
        // directions, hence RED eRank, unchanged
        float[] sym = new float[2 * n * d];
        float[] symScaled = new float[2 * n * d];
        for (int i = 0; i < n; i++) {
            float c = (float) (0.1 + i);
            for (int j = 0; j < d; j++) {
                sym[2 * i * d + j] = x[i * d + j];
                sym[(2 * i + 1) * d + j] = -x[i * d + j];
                symScaled[2 * i * d + j] = c * x[i * d + j];
                symScaled[(2 * i + 1) * d + j] = -c * x[i * d + j];
            }
        }
        double s = ER.compute(new Matrix(sym, 2 * n, d));
        assertEquals(s, ER.compute(new Matrix(symScaled, 2 * n, d)), 1e-9 * s);
    }

    @Test
    void computeAllMatchesOneByOne() {
        Random r = new Random(8);
        List<Matrix> ms = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ms.add(gaussian(r, 10 + 9 * i, 50));
        }
        for (Definition def : Definition.values()) {
            double[] all = ER.computeAll(ms, def);
            for (int i = 0; i < ms.size(); i++) {
                assertEquals(ER.compute(ms.get(i), def), all[i], 1e-12 * all[i]);
                assertTrue(all[i] >= 1 - 1e-9 && all[i] <= Math.min(ms.get(i).rows(), 50) + 1e-9);
            }
        }
        assertArrayEquals(new double[0], ER.computeAll(List.of()));
    }

    @Test
    void nonFiniteInputIsRejectedByRowAndColumn() {
        float[] x = new float[5 * 6];
        Arrays.fill(x, 1f);
        x[3 * 6 + 4] = Float.NaN;
        Matrix withNaN = new Matrix(x, 5, 6);   // inputs built outside the lambdas: only the call under test may throw
        var e = assertThrows(IllegalArgumentException.class, () -> ER.compute(withNaN));
        assertTrue(e.getMessage().contains("row 3, col 4"), e.getMessage());
        x[3 * 6 + 4] = Float.NEGATIVE_INFINITY;
        Matrix withInf = new Matrix(x, 5, 6);
        e = assertThrows(IllegalArgumentException.class,
                () -> ER.compute(withInf, Definition.ROY_VETTERLI));
        assertTrue(e.getMessage().contains("row 3, col 4"), e.getMessage());
        // in a batch, the message names the matrix too
        List<Matrix> batch = List.of(new Matrix(new float[] {1, 2, 3, 4}, 2, 2), withInf);
        e = assertThrows(IllegalArgumentException.class, () -> ER.computeAll(batch));
        assertTrue(e.getMessage().contains("input 1"), e.getMessage());
    }

    @Test
    void degenerateInputsGiveTheDocumentedValueOrError() {
        // empty
        Matrix noRows = new Matrix(new float[0], 0, 4), noCols = new Matrix(new float[0], 4, 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ER.compute(noRows)).getMessage().contains("empty matrix [0, 4]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ER.compute(noCols, Definition.ROY_VETTERLI))
                .getMessage().contains("empty matrix [4, 0]"));
        // single token: RED undefined (centred row is zero), Roy-Vetterli 1
        Matrix one = new Matrix(new float[] {1, 2, 3}, 1, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> ER.compute(one));
        assertTrue(e.getMessage().contains("zero after centring"), e.getMessage());
        assertEquals(1.0, ER.compute(one, Definition.ROY_VETTERLI));
        // identical tokens: RED undefined, Roy-Vetterli 1
        Matrix same = new Matrix(new float[] {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f}, 3, 3);
        assertThrows(IllegalArgumentException.class, () -> ER.compute(same));
        assertEquals(1.0, ER.compute(same, Definition.ROY_VETTERLI), 1e-12);
        // all zero: error for both
        Matrix zero = new Matrix(new float[12], 3, 4);
        assertThrows(IllegalArgumentException.class, () -> ER.compute(zero));
        assertThrows(IllegalArgumentException.class, () -> ER.compute(zero, Definition.ROY_VETTERLI));
        // Roy-Vetterli: zero rows change nothing
        Random r = new Random(9);
        Matrix g = gaussian(r, 6, 10);
        float[] padded = Arrays.copyOf(g.data(), 9 * 10);
        assertEquals(ER.compute(g, Definition.ROY_VETTERLI),
                ER.compute(new Matrix(padded, 9, 10), Definition.ROY_VETTERLI), 1e-12);
        // RED: a row equal to the column mean is skipped, so {a, b, (a+b)/2} has the eRank of {a, b}
        float[] ab = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] abm = {1, 2, 3, 4, 5, 6, 7, 8, 3, 4, 5, 6};
        assertEquals(ER.compute(new Matrix(ab, 2, 4)), ER.compute(new Matrix(abm, 3, 4)), 1e-12);
        assertEquals(1.0, ER.compute(new Matrix(ab, 2, 4)), 1e-12); // two tokens: one direction (+-)
        assertEquals(2, EffectiveRank.prepare(new Matrix(abm, 3, 4), Definition.RED).rows());
    }

    @Test
    void entropyRankBasics() {
        assertEquals(4.0, EffectiveRank.entropyRank(new double[] {2, 2, 2, 2}), 1e-12);
        assertEquals(1.0, EffectiveRank.entropyRank(new double[] {0, 5, 0, -1e-20}), 0);
        assertThrows(IllegalArgumentException.class, () -> EffectiveRank.entropyRank(new double[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> EffectiveRank.entropyRank(new double[] {1, Double.NaN}));
        // round-off negative eigenvalues are cleared, never NaN
        assertEquals(2.0, EffectiveRank.fromGramEigenvalues(new double[] {-1e-18, 4, 4}, Definition.ROY_VETTERLI),
                1e-12);
    }
}
