// calibration.cu: per-sequence reductions over tokens for the calibration statistics (Backend.absMeanOverTokens,
// Backend.headNormMeanOverTokens), so that only [B, C] or [B, H] comes back to the host.
//   absMean:  out[b, c] = (1/T) sum_t |x[b*T + t, c]|
//   headNorm: out[b, h] = (1/T) sum_t ||x[b*T + t, h, :]||_2
// Every sum runs in an order fixed by the launch shape alone.
#include "cuda_sim.h"
#include "common.cuh"
#include "sum_double.cuh"

// Grid (B * ceil(C / blockDim.x)), block (any size): block k covers the columns of batch k / column_blocks, one
// column per thread, and adds that column's T tokens in token order (neighbouring threads read neighbouring
// columns of a token row).
extern "C" __global__ void abs_mean_over_tokens(float* out,      // [B, C]
                                                const float* x,  // [B * T, C]
                                                int T, int C, int column_blocks) {
    const int b = blockIdx.x / column_blocks;
    const int c = (blockIdx.x % column_blocks) * blockDim.x + threadIdx.x;
    if (c >= C) {
        return;
    }
    const float* xb = x + (size_t)b * T * C;
    float sum = 0.0f;
    for (int t = 0; t < T; t++) {
        sum += fabsf(xb[(size_t)t * C + c]);
    }
    out[(size_t)b * C + c] = sum / (float)T;
}
SIM_REGISTER(abs_mean_over_tokens);

// Grid (B * H), block (multiple of 32): block k is (b, h) = (k / H, k % H). Warp w takes tokens w, w + warps, ...;
// its lanes read one head vector together (lane i: elements i, i + 32, ...), warp_sum gives its squared norm, and
// lane 0 adds the norms in double (the CPU backend's accumulator); the block then adds its warps' sums.
extern "C" __global__ void head_norm_mean_over_tokens(float* out,      // [B, H]
                                                      const float* x,  // [B * T, H, D]
                                                      int T, int H, int D) {
    __shared__ double scratch[32];
    const int b = blockIdx.x / H, h = blockIdx.x % H;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    double norms = 0.0;
    for (int t = warp; t < T; t += warps) {
        const float* v = x + (((size_t)b * T + t) * H + h) * D;
        float ss = 0.0f;
        for (int i = lane; i < D; i += 32) {
            ss = fmaf(v[i], v[i], ss);
        }
        ss = warp_sum(ss);
        if (lane == 0) {
            norms += sqrt((double)ss);
        }
    }
    norms = block_sum_double(norms, scratch);
    if (threadIdx.x == 0) {
        out[blockIdx.x] = (float)(norms / T);
    }
}
SIM_REGISTER(head_norm_mean_over_tokens);
