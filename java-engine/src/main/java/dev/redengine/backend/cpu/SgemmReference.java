package dev.redengine.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The plain triple loop every optimised matmul is tested against. Row-major, offsets and leading dimensions
 * in elements: op(A) [m, k], op(B) [k, n], C [m, n]; C = alpha * op(A) op(B) + beta * C. Accumulates in
 * double so that it is a tighter reference than the kernels under test.
 */
public final class SgemmReference {
    private SgemmReference() {
    }

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                             float beta, MemorySegment c, long cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    float av = a.getAtIndex(ValueLayout.JAVA_FLOAT, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    float bv = b.getAtIndex(ValueLayout.JAVA_FLOAT, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    acc += (double) av * bv;
                }
                long ci = cOff + (long) i * ldc + j;
                float old = beta == 0f ? 0f : beta * c.getAtIndex(ValueLayout.JAVA_FLOAT, ci);
                c.setAtIndex(ValueLayout.JAVA_FLOAT, ci, (float) (alpha * acc) + old);
            }
        }
    }
}
