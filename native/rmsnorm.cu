// rmsnorm.cu: RMSNorm over the last dimension, forward and backward (Backend.rmsnorm, Backend.rmsnormBackward).
//   forward:  rstd = 1 / sqrt(mean(x^2) + eps), out = x * rstd * weight
//   backward: dx += rstd (dout w) - x rstd^3 sum_j(dout_j w_j x_j) / C; dweight += sum_rows dout x rstd
// dweight is deterministic without atomics: each block of the backward kernel owns a row of dweight_partial,
// and rmsnorm_dweight_reduce adds those rows in block order.
#include "cuda_sim.h"
#include "common.cuh"

// One block per row: grid (R), block (multiple of 32).
extern "C" __global__ void rmsnorm_forward(float* out,           // [R, C]
                                           float* rstd,          // [R]
                                           const float* x,       // [R, C]
                                           const float* weight,  // [C]
                                           int C, float eps) {
    __shared__ float scratch[32];
    const int row = blockIdx.x;
    const float* xr = x + (size_t)row * C;
    float* outr = out + (size_t)row * C;
    float ss = 0.0f;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        ss += xr[j] * xr[j];
    }
    ss = block_sum(ss, scratch);
    const float s = 1.0f / sqrtf(ss / (float)C + eps);
    if (threadIdx.x == 0) {
        rstd[row] = s;
    }
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        outr[j] = xr[j] * s * weight[j];
    }
}
SIM_REGISTER(rmsnorm_forward);

// Grid (G) blocks, block (multiple of 32): block b handles rows b, b + G, b + 2G, ... and overwrites row b of
// dweight_partial with its share; thread t owns columns t, t + blockDim.x, ... of it (no two threads share one).
extern "C" __global__ void rmsnorm_backward(float* dx,               // [R, C], +=
                                            float* dweight_partial,  // [G, C], overwritten
                                            const float* dout,       // [R, C]
                                            const float* x,          // [R, C]
                                            const float* weight,     // [C]
                                            const float* rstd,       // [R], saved by the forward
                                            int R, int C) {
    __shared__ float scratch[32];
    float* part = dweight_partial + (size_t)blockIdx.x * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        part[j] = 0.0f;
    }
    for (int row = blockIdx.x; row < R; row += gridDim.x) {
        const float* xr = x + (size_t)row * C;
        const float* dr = dout + (size_t)row * C;
        float* dxr = dx + (size_t)row * C;
        float dot = 0.0f;
        for (int j = threadIdx.x; j < C; j += blockDim.x) {
            dot += dr[j] * weight[j] * xr[j];
        }
        dot = block_sum(dot, scratch);
        const float s = rstd[row];
        const float c = s * s * dot / (float)C;  // the coefficient of x in the correction, before the outer rstd
        for (int j = threadIdx.x; j < C; j += blockDim.x) {
            const float g = dr[j] * weight[j] - xr[j] * c;
            dxr[j] += s * g;
            part[j] += dr[j] * xr[j] * s;
        }
    }
}
SIM_REGISTER(rmsnorm_backward);

// One thread per column: grid (ceil(C / blockDim.x)). dweight[j] += sum over b of partial[b, j], b ascending.
extern "C" __global__ void rmsnorm_dweight_reduce(float* dweight,        // [C], +=
                                                  const float* partial,  // [G, C]
                                                  int G, int C) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= C) {
        return;
    }
    float sum = 0.0f;
    for (int b = 0; b < G; b++) {
        sum += partial[(size_t)b * C + j];
    }
    dweight[j] += sum;
}
SIM_REGISTER(rmsnorm_dweight_reduce);
