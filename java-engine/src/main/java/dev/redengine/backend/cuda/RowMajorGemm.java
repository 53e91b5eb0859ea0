package dev.redengine.backend.cuda;

/**
 * Row-major GEMM ({@code Backend.matmul}: C [M, N] = alpha * op(A) op(B) + beta * C, every matrix row-major) on a
 * column-major BLAS. A row-major [R, C] matrix read column-major is its transpose [C, R] with leading dimension C,
 * so the row-major product C = op(A) op(B) is the column-major product C^T = op(B)^T op(A)^T: swap the operands,
 * keep each one's transposition flag, swap M and N, and take each matrix's row length as its leading dimension.
 * No data moves.
 */
final class RowMajorGemm {
    private RowMajorGemm() {
    }

    /**
     * C = alpha * op(A) op(B) + beta * C, row-major: A is [ar, ac] ([M, K], or [K, M] when transA), B is [br, bc]
     * ([K, N], or [N, K] when transB), C is [M, N]; addresses in elements are those of {@code blas}.
     */
    static void matmul(ColumnMajorSgemm blas, long c, long a, int ac, boolean transA, long b, int bc, boolean transB,
                       int m, int n, int k, float alpha, float beta) {
        blas.sgemm(transB, transA, n, m, k, alpha, b, Math.max(1, bc), a, Math.max(1, ac), beta, c, Math.max(1, n));
    }

    /** {@link #matmul} for {@code batch} matrices laid out one after another (strides = one matrix's elements). */
    static void matmulBatched(ColumnMajorSgemm blas, long c, long a, int ac, boolean transA, long b, int bc, boolean transB,
                              int m, int n, int k, float alpha, float beta, int batch) {
        blas.sgemmStridedBatched(transB, transA, n, m, k, alpha, b, Math.max(1, bc), (long) k * n, a, Math.max(1, ac),
                (long) m * k, beta, c, Math.max(1, n), (long) m * n, batch);
    }
}
