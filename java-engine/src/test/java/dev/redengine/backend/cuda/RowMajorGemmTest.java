package dev.redengine.backend.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The row-major to column-major mapping that sends {@code Backend.matmul} to cuBLAS, checked without a GPU: a
 * column-major SGEMM written from BLAS's definition (ld, op, strides) over one float array standing for device
 * memory, driven through {@link RowMajorGemm}, must give the plain row-major product of the Backend contract, for
 * every transposition, odd sizes, alpha and beta, and batches.
 */
class RowMajorGemmTest {

    /** BLAS's column-major SGEMM over {@code mem}: element (i, j) of X is mem[x + i + j * ldx]. Records its calls. */
    static final class ReferenceBlas implements ColumnMajorSgemm {
        final float[] mem;
        final List<String> calls = new ArrayList<>();

        ReferenceBlas(float[] mem) {
            this.mem = mem;
        }

        private float op(long x, int ld, boolean trans, int i, int j) {
            return trans ? mem[(int) (x + j + (long) i * ld)] : mem[(int) (x + i + (long) j * ld)];
        }

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                          float beta, long c, int ldc) {
            calls.add("sgemm " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m" + m + " n" + n + " k" + k + " lda" + lda + " ldb" + ldb + " ldc" + ldc);
            // BLAS requires ld >= the stored rows of each operand
            if (lda < Math.max(1, transA ? k : m) || ldb < Math.max(1, transB ? n : k) || ldc < Math.max(1, m)) {
                throw new IllegalArgumentException("leading dimension too small: " + calls.getLast());
            }
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) op(a, lda, transA, i, p) * op(b, ldb, transB, p, j);
                    }
                    int ci = (int) (c + i + (long) j * ldc);
                    mem[ci] = (float) (alpha * s + (beta == 0 ? 0 : beta * mem[ci]));
                }
            }
        }

        @Override
        public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                        long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
            for (int i = 0; i < batch; i++) {
                sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {17, 2, 9}, {8, 33, 4}, {5, 1, 6}};
        for (int[] s : sizes) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    out.add(Arguments.of(s[0], s[1], s[2], ta, tb));
                }
            }
        }
        return out.stream();
    }

    /** C[M, N] = alpha op(A) op(B) + beta C with every matrix row-major, straight from the Backend contract. */
    private static float[] expected(float[] a, boolean ta, float[] b, boolean tb, float[] c, int m, int n, int k, float alpha, float beta) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[p * m + i] : a[i * k + p];
                    float bv = tb ? b[j * k + p] : b[p * n + j];
                    s += (double) av * bv;
                }
                out[i * n + j] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]));
            }
        }
        return out;
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @ParameterizedTest(name = "M{0} N{1} K{2} transA {3} transB {4}")
    @MethodSource("cases")
    void rowMajorMatmulThroughAColumnMajorBlas(int m, int n, int k, boolean ta, boolean tb) {
        Random r = new Random(31L * m + 7L * n + k + (ta ? 1000 : 0) + (tb ? 2000 : 0));
        for (float[] ab : new float[][]{{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}}) {
            float alpha = ab[0], beta = ab[1];
            float[] a = random(r, m * k), b = random(r, k * n), c = random(r, m * n);
            // device memory: A at 0, B after it, C after that, with a guard element between each
            float[] mem = new float[a.length + b.length + c.length + 3];
            int aAt = 0, bAt = a.length + 1, cAt = bAt + b.length + 1;
            System.arraycopy(a, 0, mem, aAt, a.length);
            System.arraycopy(b, 0, mem, bAt, b.length);
            System.arraycopy(c, 0, mem, cAt, c.length);
            mem[bAt - 1] = mem[cAt - 1] = mem[mem.length - 1] = 12345f;
            if (beta == 0) {
                java.util.Arrays.fill(mem, cAt, cAt + c.length, Float.NaN); // beta = 0 must not read C
            }
            ReferenceBlas blas = new ReferenceBlas(mem);
            int ac = ta ? m : k, bc = tb ? k : n; // row lengths of A and B as stored
            RowMajorGemm.matmul(blas, cAt, aAt, ac, ta, bAt, bc, tb, m, n, k, alpha, beta);
            float[] want = expected(a, ta, b, tb, c, m, n, k, alpha, beta);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], mem[cAt + i], 1e-4f * (1 + Math.abs(want[i])), "C[" + i + "] " + blas.calls);
            }
            assertEquals(12345f, mem[bAt - 1]);
            assertEquals(12345f, mem[cAt - 1]);
            assertEquals(12345f, mem[mem.length - 1]);
        }
    }

    @ParameterizedTest(name = "batched M{0} N{1} K{2} transA {3} transB {4}")
    @MethodSource("cases")
    void batchedMatricesAreIndependent(int m, int n, int k, boolean ta, boolean tb) {
        int batch = 3;
        Random r = new Random(97L * m + n + 13L * k + (ta ? 5 : 0) + (tb ? 11 : 0));
        float[] a = random(r, batch * m * k), b = random(r, batch * k * n), c = random(r, batch * m * n);
        float[] mem = new float[a.length + b.length + c.length];
        System.arraycopy(a, 0, mem, 0, a.length);
        System.arraycopy(b, 0, mem, a.length, b.length);
        System.arraycopy(c, 0, mem, a.length + b.length, c.length);
        ReferenceBlas blas = new ReferenceBlas(mem);
        RowMajorGemm.matmulBatched(blas, a.length + b.length, 0, ta ? m : k, ta, a.length, tb ? k : n, tb, m, n, k, 1.5f, 0.5f, batch);
        for (int i = 0; i < batch; i++) {
            float[] ai = java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k);
            float[] bi = java.util.Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n);
            float[] ci = java.util.Arrays.copyOfRange(c, i * m * n, (i + 1) * m * n);
            float[] want = expected(ai, ta, bi, tb, ci, m, n, k, 1.5f, 0.5f);
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], mem[a.length + b.length + i * m * n + j], 1e-4f * (1 + Math.abs(want[j])), "batch " + i + " C[" + j + "]");
            }
        }
    }
}
