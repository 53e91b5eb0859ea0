// common.cuh: reductions shared by the kernels. Included after cuda_sim.h. Deterministic: the order of every sum
// depends only on blockDim, never on timing.
#pragma once

// The sum over the 32 lanes of a warp, in every lane (butterfly).
__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

// The sum of v over the block, in every thread. blockDim.x a multiple of 32 (<= 1024), blockDim.y = z = 1.
// scratch: __shared__ float [32] of the caller.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_sum(v);
    __syncthreads();  // a previous block_sum may still be reading scratch
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    return warp_sum(lane < warps ? scratch[lane] : 0.0f);
}

// Online softmax statistics: (m, s) stands for s * exp(m) = sum exp(x) over the values seen, m their maximum.
// Merging (m1, s1) with (m2, s2); an empty side has m = -INFINITY and s = 0 (and must not produce NaN).
__device__ __forceinline__ void softmax_merge(float& m, float& s, float m2, float s2) {
    if (m2 == -INFINITY) {
        return;
    }
    if (m == -INFINITY) {
        m = m2;
        s = s2;
        return;
    }
    const float mm = fmaxf(m, m2);
    s = s * expf(m - mm) + s2 * expf(m2 - mm);
    m = mm;
}
