package dev.redengine.backend.cuda;

/**
 * BLAS's single-precision GEMM as cuBLAS defines it, column-major: C = alpha * op(A) op(B) + beta * C with op(A)
 * [m, k], op(B) [k, n], C [m, n], each matrix in column-major order with leading dimension ld (the distance
 * between columns, in elements). Addresses are device addresses. {@link Cublas} implements it on the GPU;
 * {@link RowMajorGemm} maps red-engine's row-major {@code Backend.matmul} onto it.
 */
interface ColumnMajorSgemm {
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
               float beta, long c, int ldc);

    /** {@code batch} independent GEMMs; matrix i of each operand starts {@code stride * i} elements after the first. */
    void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                             long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch);
}
