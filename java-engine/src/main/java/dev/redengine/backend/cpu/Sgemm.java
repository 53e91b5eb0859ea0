package dev.redengine.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision GEMM for the CPU backend. Row-major, offsets and leading dimensions in elements:
 * op(A) [m, k], op(B) [k, n], C [m, n]; C = alpha * op(A) op(B) + beta * C. beta == 0 means C is not read.
 */
public final class Sgemm {
    private final int threads;

    public Sgemm(int threads) {
        this.threads = threads;
    }

    public int threads() {
        return threads;
    }

    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                      float beta, MemorySegment c, long cOff, int ldc) {
        // Placeholder until the packed Vector API kernel lands: correct, slow.
        SgemmReference.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
}
