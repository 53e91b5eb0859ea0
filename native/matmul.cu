// matmul.cu: single-precision GEMM, C = alpha op(A) op(B) + beta C (Backend.matmul), op(X) = X or X^T.
//   op(A) [M, K], op(B) [K, N], C [M, N], all row-major; A is stored [M, K] or, transposed, [K, M] (B likewise).
//   beta = 0 does not read C (BLAS): whatever it held, NaN included, is overwritten.
// Classic shared-memory tiling: each block computes a 64 x 64 tile of C, walking K in slices of 16; per slice the
// block stages op(A) [64, 16] and op(B) [16, 64] in shared memory, zero padded past the matrix edges, so any M,
// N, K (1 included, no multiple of anything) work. Each of the 256 threads accumulates a 4 x 4 register tile,
// rows ty + 16 r and columns tx + 16 c, so a half-warp reads 16 consecutive floats of Bs and of C. Every C element
// is one thread's sum over k ascending: the result does not depend on the thread or block order.
// On a GPU cuBLAS is meant to take this op; this kernel serves the simulator and is the baseline it is measured
// against.
#include "cuda_sim.h"

#define MM_TILE_M 64
#define MM_TILE_N 64
#define MM_TILE_K 16
#define MM_THREADS 256
// Shared rows padded by 4 floats: the loads store along the column-major direction of As for A not transposed.
#define MM_PAD 4

// op(A)[i, p] of A stored [M, K] (or [K, M] when transposed); 0 outside op(A).
__device__ __forceinline__ float mm_op_a(const float* a, int transA, int M, int K, int i, int p) {
    if (i >= M || p >= K) {
        return 0.0f;
    }
    return transA ? a[(size_t)p * M + i] : a[(size_t)i * K + p];
}

// op(B)[p, j] of B stored [K, N] (or [N, K] when transposed); 0 outside op(B).
__device__ __forceinline__ float mm_op_b(const float* b, int transB, int K, int N, int p, int j) {
    if (p >= K || j >= N) {
        return 0.0f;
    }
    return transB ? b[(size_t)j * K + p] : b[(size_t)p * N + j];
}

// Grid (ceil(M / 64) * ceil(N / 64)), block (256). Block b computes the C tile at row tile b / tilesN and
// column tile b % tilesN. c must not alias a or b.
extern "C" __global__ void __launch_bounds__(MM_THREADS) matmul_forward(float* c,        // [M, N], beta C read
                                                                        const float* a,  // [M, K] or [K, M]
                                                                        const float* b,  // [K, N] or [N, K]
                                                                        int M, int N, int K, int transA, int transB,
                                                                        float alpha, float beta) {
    __shared__ float As[MM_TILE_K][MM_TILE_M + MM_PAD];  // op(A) slice, k-major: As[p][i]
    __shared__ float Bs[MM_TILE_K][MM_TILE_N + MM_PAD];  // op(B) slice: Bs[p][j]
    const int tilesN = (N + MM_TILE_N - 1) / MM_TILE_N;
    const int row0 = (blockIdx.x / tilesN) * MM_TILE_M, col0 = (blockIdx.x % tilesN) * MM_TILE_N;
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    float acc[4][4];
    for (int r = 0; r < 4; r++) {
        for (int q = 0; q < 4; q++) {
            acc[r][q] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += MM_TILE_K) {
        // Each thread stages 4 elements of each operand; consecutive threads read consecutive addresses of the
        // stored matrix (along k for A not transposed and B transposed, along i or j otherwise).
        for (int e = tid; e < MM_TILE_M * MM_TILE_K; e += MM_THREADS) {
            const int p = transA ? e / MM_TILE_M : e % MM_TILE_K;
            const int i = transA ? e % MM_TILE_M : e / MM_TILE_K;
            As[p][i] = mm_op_a(a, transA, M, K, row0 + i, k0 + p);
        }
        for (int e = tid; e < MM_TILE_K * MM_TILE_N; e += MM_THREADS) {
            const int p = transB ? e % MM_TILE_K : e / MM_TILE_N;
            const int j = transB ? e / MM_TILE_K : e % MM_TILE_N;
            Bs[p][j] = mm_op_b(b, transB, K, N, k0 + p, col0 + j);
        }
        __syncthreads();
        for (int p = 0; p < MM_TILE_K; p++) {
            float av[4], bv[4];
            for (int r = 0; r < 4; r++) {
                av[r] = As[p][ty + 16 * r];
                bv[r] = Bs[p][tx + 16 * r];
            }
            for (int r = 0; r < 4; r++) {
                for (int q = 0; q < 4; q++) {
                    acc[r][q] = fmaf(av[r], bv[q], acc[r][q]);
                }
            }
        }
        __syncthreads();  // the slice is read before the next one overwrites it
    }
    for (int r = 0; r < 4; r++) {
        const int i = row0 + ty + 16 * r;
        if (i >= M) {
            continue;
        }
        for (int q = 0; q < 4; q++) {
            const int j = col0 + tx + 16 * q;
            if (j < N) {
                float* cij = c + (size_t)i * N + j;
                *cij = beta == 0.0f ? alpha * acc[r][q] : alpha * acc[r][q] + beta * *cij;
            }
        }
    }
}
SIM_REGISTER(matmul_forward);
