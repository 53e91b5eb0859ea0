// bias.cu: a bias over the last dimension (Backend.addBias, Backend.biasBackward).
//   forward:  y[n, c] += bias[c]
//   backward: dbias[c] += sum_n dy[n, c]
// The backward is deterministic without atomics, in two kernels as rmsnorm's dweight: bias_backward_partial gives
// each (column block, row chunk) block its own row of partial sums, and bias_backward_reduce adds those rows in
// chunk order. The order of every sum depends only on the shape and the launch geometry.
#include "cuda_sim.h"
#include "common.cuh"

// Elements by grid stride.
extern "C" __global__ void add_bias(float* y,           // [N, C], +=
                                    const float* bias,  // [C]
                                    long long n, int C) {  // n = N * C
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        y[i] += bias[i % C];
    }
}
SIM_REGISTER(add_bias);

// Grid (colBlocks * G), colBlocks = ceil(C / blockDim.x): block b sums rows [g * chunk, min(N, (g + 1) * chunk)),
// g = b / colBlocks, of columns (b % colBlocks) * blockDim.x + [0, blockDim.x), in row order, and overwrites
// row g of partial with them. A warp reads 32 consecutive columns of a row: coalesced.
extern "C" __global__ void bias_backward_partial(float* partial,   // [G, C], overwritten
                                                 const float* dy,  // [N, C]
                                                 int N, int C, int chunk) {
    const int colBlocks = (C + blockDim.x - 1) / blockDim.x;
    const int j = (blockIdx.x % colBlocks) * blockDim.x + threadIdx.x;
    const int g = blockIdx.x / colBlocks;
    if (j >= C) {
        return;
    }
    const int end = N < (g + 1) * chunk ? N : (g + 1) * chunk;
    float sum = 0.0f;
    for (int n = g * chunk; n < end; n++) {
        sum += dy[(size_t)n * C + j];
    }
    partial[(size_t)g * C + j] = sum;
}
SIM_REGISTER(bias_backward_partial);

// One thread per column: grid (ceil(C / blockDim.x)). dbias[c] += sum over g of partial[g, c], g ascending.
extern "C" __global__ void bias_backward_reduce(float* dbias,          // [C], +=
                                                const float* partial,  // [G, C]
                                                int G, int C) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= C) {
        return;
    }
    float sum = 0.0f;
    for (int g = 0; g < G; g++) {
        sum += partial[(size_t)g * C + j];
    }
    dbias[j] += sum;
}
SIM_REGISTER(bias_backward_reduce);
