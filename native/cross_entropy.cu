// cross_entropy.cu: softmax cross-entropy, forward and backward fused (Backend.crossEntropy).
//   loss[n] = logsumexp(logits[n]) - logits[n, target[n]]; dlogits[n] = grad_scale (softmax(logits[n]) - onehot)
//   target < 0: ignored (loss 0, gradient 0); target >= V: loss and gradient NaN (the CPU backend throws;
//   a device kernel has no exception, and a NaN cannot go unnoticed).
// One block per row reads the row once for the online softmax statistics (max and sum of exp, chunked over the
// vocabulary by thread stride) and once more to write the gradient. The loss sum is deterministic:
// cross_entropy_loss_sum adds the per-row losses in one block, in a fixed order, into the device scalar.
#include "cuda_sim.h"
#include "common.cuh"

// Grid (N), block (multiple of 32). dlogits may be null (loss only) or alias logits (each element is read by the
// thread that overwrites it, and logits[target] is read before the first barrier).
extern "C" __global__ void cross_entropy_forward_backward(float* losses,         // [N]
                                                          float* dlogits,        // [N, V] or null
                                                          const float* logits,   // [N, V]
                                                          const int* targets,    // [N]
                                                          int V, float grad_scale) {
    __shared__ float max_scratch[32];
    __shared__ float sum_scratch[32];
    const int row = blockIdx.x;
    const float* xr = logits + (size_t)row * V;
    float* dr = dlogits == nullptr ? nullptr : dlogits + (size_t)row * V;
    const int target = targets[row];
    if (target < 0 || target >= V) {  // the same branch for the whole block
        const float value = target < 0 ? 0.0f : NAN;
        if (threadIdx.x == 0) {
            losses[row] = value;
        }
        if (dr != nullptr) {
            for (int j = threadIdx.x; j < V; j += blockDim.x) {
                dr[j] = value;
            }
        }
        return;
    }
    const float xt = xr[target];
    float m = -INFINITY, s = 0.0f;
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        const float v = xr[j];
        if (v > m) {  // a new maximum rescales the sum so far (0 while m is still -INFINITY)
            s = s * expf(m - v) + 1.0f;
            m = v;
        } else {
            s += expf(v - m);
        }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, offset);
        const float s2 = __shfl_xor_sync(0xffffffffu, s, offset);
        softmax_merge(m, s, m2, s2);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    if (lane == 0) {
        max_scratch[warp] = m;
        sum_scratch[warp] = s;
    }
    __syncthreads();
    m = lane < warps ? max_scratch[lane] : -INFINITY;
    s = lane < warps ? sum_scratch[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, offset);
        const float s2 = __shfl_xor_sync(0xffffffffu, s, offset);
        softmax_merge(m, s, m2, s2);
    }
    if (threadIdx.x == 0) {
        losses[row] = (logf(s) + m) - xt;
    }
    if (dr != nullptr) {
        const float scale = grad_scale / s;
        for (int j = threadIdx.x; j < V; j += blockDim.x) {
            const float g = expf(xr[j] - m) * scale;
            dr[j] = j == target ? g - grad_scale : g;
        }
    }
}
SIM_REGISTER(cross_entropy_forward_backward);

// One block (multiple of 32 threads): loss_sum[0] += sum of losses, always added in the same order.
extern "C" __global__ void cross_entropy_loss_sum(float* loss_sum,      // [1], +=
                                                  const float* losses,  // [N]
                                                  int N) {
    __shared__ float scratch[32];
    float s = 0.0f;
    for (int i = threadIdx.x; i < N; i += blockDim.x) {
        s += losses[i];
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) {
        loss_sum[0] += s;
    }
}
SIM_REGISTER(cross_entropy_loss_sum);
