package dev.redengine.backend.cuda;

import dev.redengine.eval.EjmlGramEigenSolver;
import dev.redengine.eval.Gram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * cuBLAS's strided-batched SGEMM (through {@link RowMajorGemm}) and cuSOLVER's eigenvalues on a real GPU, against
 * plain Java and EJML. Tag gpu: tools/gpu-test.sh runs it; elsewhere (and on the simulator) it is skipped.
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuLibrariesTest {
    private GpuDriver gpu;

    @BeforeAll
    void open() {
        String why = GpuDriver.unavailableReason();
        assumeTrue(why == null, () -> "no GPU here: " + why);
        gpu = new GpuDriver(0);
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private long upload(float[] x) {
        long p = gpu.alloc((long) x.length * Float.BYTES);
        gpu.copyToDevice(p, MemorySegment.ofArray(x));
        return p;
    }

    @Test
    void stridedBatchedSgemmMatchesTheRowMajorProduct() {
        int batch = 3, m = 37, n = 19, k = 45;
        Random r = new Random(5);
        float[] a = new float[batch * m * k], b = new float[batch * n * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        long da = upload(a), db = upload(b), dc = upload(new float[batch * m * n]);
        try {
            // C_i [m, n] = A_i [m, k] x B_i^T, B_i stored [n, k]
            RowMajorGemm.matmulBatched(gpu.cublas(), dc, da, k, false, db, k, true, m, n, k, 1f, 0f, batch);
            float[] c = new float[batch * m * n];
            gpu.copyToHost(MemorySegment.ofArray(c), dc);
            for (int bi = 0; bi < batch; bi++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            s += (double) a[bi * m * k + i * k + p] * b[bi * n * k + j * k + p];
                        }
                        assertEquals(s, c[bi * m * n + i * n + j], 1e-4 * (1 + Math.abs(s)), "batch " + bi + " C[" + i + ", " + j + "]");
                    }
                }
            }
        } finally {
            gpu.free(da);
            gpu.free(db);
            gpu.free(dc);
        }
    }

    @Test
    void cusolverEigenvaluesMatchEjml() {
        Random r = new Random(11);
        int rows = 50, n = 24;
        double[] z = new double[rows * n];
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextGaussian();
        }
        double[] gram = new double[n * n]; // Z^T Z
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < rows; t++) {
                    s += z[t * n + i] * z[t * n + j];
                }
                gram[i * n + j] = s;
            }
        }
        Gram g = new Gram(gram, n);
        double[] want = EjmlGramEigenSolver.eigenvalues(g);
        try (CusolverGramEigenSolver solver = new CusolverGramEigenSolver(gpu)) {
            double[] got = solver.eigenvalues(List.of(g))[0];
            Arrays.sort(want);
            Arrays.sort(got);
            double max = want[n - 1];
            assertTrue(max > 0);
            for (int i = 0; i < n; i++) {
                assertEquals(want[i], got[i], 1e-5 * max, "eigenvalue " + i);
            }
        }
    }
}
