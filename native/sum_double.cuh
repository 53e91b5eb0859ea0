// sum_double.cuh: block sums in double, for the ops whose contract accumulates in double (sumSquares, the loss
// sums: the CPU backend adds per-row losses and per-chunk partials in double). Included after cuda_sim.h.
// Deterministic as common.cuh's block_sum: the order of every addition depends only on blockDim.
#pragma once

// The sum over the 32 lanes of a warp, in every lane (butterfly).
__device__ __forceinline__ double warp_sum_double(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

// The sum of v over the block, in every thread. blockDim.x a multiple of 32 (<= 1024), blockDim.y = z = 1.
// scratch: __shared__ double [32] of the caller.
__device__ __forceinline__ double block_sum_double(double v, double* scratch) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_sum_double(v);
    __syncthreads();  // a previous block_sum_double may still be reading scratch
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    return warp_sum_double(lane < warps ? scratch[lane] : 0.0);
}
