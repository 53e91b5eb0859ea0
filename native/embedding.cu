// embedding.cu: token embedding, forward and backward (Backend.embedding, Backend.embeddingBackward).
//   forward:  out[n, :] = table[ids[n], :]                (a row gather: exact)
//   backward: dtable[ids[n], :] += dout[n, :], n ascending (repeated ids add up)
// The contract refuses an id outside [0, V) with an exception naming it, and a kernel cannot throw: the host
// first runs embedding_find_bad_id (one block, a few bytes back) and throws before anything is written.
// The backward is deterministic without atomics and sorts nothing: each thread owns one column of dtable within
// a range of vocabulary rows and walks all the ids in order, adding the ones that fall in its range. Every
// element of dtable therefore receives its terms in ascending n, the CPU backend's order: the results agree
// bit for bit, whatever the thread order.
#include "cuda_sim.h"
#include "common.cuh"

// min of two ints under both compilers (CUDA's integer min has no host counterpart in cuda_sim.h).
__device__ __forceinline__ int min_int(int a, int b) {
    return a < b ? a : b;
}

// One block (multiple of 32 threads). bad[0] = the first position n with ids[n] outside [0, V) (N if none),
// bad[1] = that id (0 if none). Each thread scans n = t, t + blockDim.x, ... ascending and stops at its first
// bad id, so its candidate is its smallest; the block then takes the minimum.
extern "C" __global__ void embedding_find_bad_id(int* bad,        // [2]
                                                 const int* ids,  // [N]
                                                 int N, int V) {
    __shared__ int scratch[32];
    int first = N;
    for (int n = threadIdx.x; n < N; n += blockDim.x) {
        const int id = ids[n];
        if (id < 0 || id >= V) {
            first = n;
            break;
        }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        first = min_int(first, __shfl_xor_sync(0xffffffffu, first, offset));
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    if (lane == 0) {
        scratch[warp] = first;
    }
    __syncthreads();
    if (warp == 0) {
        first = lane < warps ? scratch[lane] : N;
        for (int offset = 16; offset > 0; offset >>= 1) {
            first = min_int(first, __shfl_xor_sync(0xffffffffu, first, offset));
        }
        if (lane == 0) {
            bad[0] = first;
            bad[1] = first < N ? ids[first] : 0;
        }
    }
}
SIM_REGISTER(embedding_find_bad_id);

// One block per token: grid (N), block (multiple of 32). The host has checked every id; one that is still out of
// range (a caller that skipped the check) gives a NaN row rather than a read outside the table.
extern "C" __global__ void embedding_forward(float* out,          // [N, C]
                                             const int* ids,      // [N]
                                             const float* table,  // [V, C]
                                             int C, int V) {
    const int n = blockIdx.x;
    const int id = ids[n];
    float* outr = out + (size_t)n * C;
    if (id < 0 || id >= V) {
        for (int j = threadIdx.x; j < C; j += blockDim.x) {
            outr[j] = NAN;
        }
        return;
    }
    const float* row = table + (size_t)id * C;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        outr[j] = row[j];
    }
}
SIM_REGISTER(embedding_forward);

// Grid (colBlocks * buckets) with colBlocks = ceil(C / blockDim.x): block b owns columns
// (b % colBlocks) * blockDim.x + [0, blockDim.x) of the vocabulary rows [lo, lo + bucketRows), lo =
// (b / colBlocks) * bucketRows. No two threads own the same element of dtable, so no atomics; every thread
// reads all the ids (the same id across a warp: one broadcast load) and adds the rows of dout whose id it owns,
// in ascending n. Ids outside [0, V) fall in no range and are skipped (the host refuses them first).
extern "C" __global__ void embedding_backward(float* dtable,       // [V, C], +=
                                              const int* ids,      // [N]
                                              const float* dout,   // [N, C]
                                              int N, int C, int V, int bucketRows) {
    const int colBlocks = (C + blockDim.x - 1) / blockDim.x;
    const int j = (blockIdx.x % colBlocks) * blockDim.x + threadIdx.x;
    const int lo = (blockIdx.x / colBlocks) * bucketRows;
    const int hi = min_int(V, lo + bucketRows);
    if (j >= C) {
        return;
    }
    for (int n = 0; n < N; n++) {
        const int id = ids[n];
        if (id >= lo && id < hi) {
            float* d = dtable + (size_t)id * C + j;
            *d += dout[(size_t)n * C + j];
        }
    }
}
SIM_REGISTER(embedding_backward);
